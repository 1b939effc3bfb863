// python/src/bind_core.cpp: bindings of core/ (threads, the Philox generator for tests).
#include <nanobind/stl/array.h>
#include <nanobind/stl/string.h>

#include "bindings.hpp"
#include "scmforge/core/error.hpp"
#include "scmforge/core/parallel.hpp"
#include "scmforge/core/random.hpp"

namespace nb = nanobind;

namespace scmforge::python {

void bind_core(nb::module_& m) {
  m.def(
      "hardware_threads", [] { return resolve_threads(0); }, "Threads used when threads <= 0.");
  m.def("philox4x32_10", &philox4x32_10, nb::arg("counter"), nb::arg("key"),
        "One Philox4x32-10 block (for known-answer tests).");
  // Throws the C++ exception of `kind`, so tests can check every exception mapping.
  m.def("_throw_for_test", [](const std::string& kind, const std::string& message) {
    if (kind == "InvalidInput") throw InvalidInput(message);
    if (kind == "Io") throw Io(message);
    if (kind == "Numerical") throw Numerical(message);
    if (kind == "NotImplemented") throw NotImplemented(message);
    throw Internal(message);
  });
}

}  // namespace scmforge::python
