// python/src/bindings.hpp: one binder per C++ module, all called from module.cpp.
#pragma once

#include <nanobind/nanobind.h>

namespace scmforge::python {

void bind_core(nanobind::module_& m);
void bind_io(nanobind::module_& m);
void bind_prior(nanobind::module_& m);
void bind_tree(nanobind::module_& m);
void bind_corpus(nanobind::module_& m);

}  // namespace scmforge::python
