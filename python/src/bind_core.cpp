// python/src/bind_core.cpp: bindings of core/ (threads, the Philox generator for tests).
#include <nanobind/stl/array.h>

#include "bindings.hpp"
#include "scmforge/core/parallel.hpp"
#include "scmforge/core/random.hpp"

namespace nb = nanobind;

namespace scmforge::python {

void bind_core(nb::module_& m) {
  m.def("hardware_threads", [] { return resolve_threads(0); }, "Threads used when threads <= 0.");
  m.def("philox4x32_10", &philox4x32_10, nb::arg("counter"), nb::arg("key"),
        "One Philox4x32-10 block (for known-answer tests).");
}

}  // namespace scmforge::python
