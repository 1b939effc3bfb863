// python/src/module.cpp: the scmforge._core extension module and its exception mapping.
#include <nanobind/nanobind.h>

#include "bindings.hpp"
#include "scmforge/core/error.hpp"

namespace nb = nanobind;

NB_MODULE(_core, m) {
  m.doc() = "scmforge C++ core (private: use the scmforge package)";
  m.attr("__version__") = SCMFORGE_VERSION;

  // Exception classes are defined in Python (scmforge/_errors.py) so that they can subclass both
  // scmforge.Error and the matching builtin; C++ exceptions are translated to them here.
  nb::object errors = nb::module_::import_("scmforge._errors");
  static nb::object invalid_input = errors.attr("InvalidInputError");
  static nb::object io_error = errors.attr("IoError");
  static nb::object numerical = errors.attr("NumericalError");
  static nb::object not_implemented = errors.attr("NotImplementedFeatureError");
  static nb::object internal = errors.attr("InternalError");
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const scmforge::InvalidInput& e) {
      PyErr_SetString(invalid_input.ptr(), e.what());
    } catch (const scmforge::Io& e) {
      PyErr_SetString(io_error.ptr(), e.what());
    } catch (const scmforge::Numerical& e) {
      PyErr_SetString(numerical.ptr(), e.what());
    } catch (const scmforge::NotImplemented& e) {
      PyErr_SetString(not_implemented.ptr(), e.what());
    } catch (const scmforge::Internal& e) {
      PyErr_SetString(internal.ptr(), e.what());
    }
  });

  scmforge::python::bind_core(m);
  scmforge::python::bind_io(m);
  scmforge::python::bind_prior(m);
  scmforge::python::bind_tree(m);
  scmforge::python::bind_corpus(m);
  scmforge::python::bind_causal(m);
  scmforge::python::bind_scm(m);
}
