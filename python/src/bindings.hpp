// python/src/bindings.hpp: one binder per C++ module, all called from module.cpp.
#pragma once

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include <initializer_list>
#include <utility>
#include <vector>

namespace scmforge::python {

/// A numpy array of `shape` that takes over `data` (freed when the array is).
template <typename T>
nanobind::ndarray<nanobind::numpy, T> owned(std::vector<T>&& data,
                                            std::initializer_list<std::size_t> shape) {
  auto* heap = new std::vector<T>(std::move(data));
  nanobind::capsule owner(heap, [](void* p) noexcept { delete static_cast<std::vector<T>*>(p); });
  return nanobind::ndarray<nanobind::numpy, T>(heap->data(), shape, owner);
}

void bind_core(nanobind::module_& m);
void bind_io(nanobind::module_& m);
void bind_prior(nanobind::module_& m);
void bind_tree(nanobind::module_& m);
void bind_corpus(nanobind::module_& m);
void bind_causal(nanobind::module_& m);
void bind_scm(nanobind::module_& m);

}  // namespace scmforge::python
