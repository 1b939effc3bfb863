// src/core/parallel.cpp: OpenMP parallel-for with first-exception capture.
#include "scmforge/core/parallel.hpp"

#include <omp.h>

#include <atomic>
#include <mutex>

namespace scmforge {

int resolve_threads(int requested) noexcept {
  return requested > 0 ? requested : omp_get_num_procs();
}

void parallel_for(std::int64_t count, int threads, const std::function<void(std::int64_t)>& body) {
  const int n_threads = resolve_threads(threads);
  if (n_threads <= 1 || count <= 1) {
    for (std::int64_t i = 0; i < count; ++i) {
      body(i);
    }
    return;
  }
  std::exception_ptr first_error;
  std::mutex error_mutex;
  std::atomic<bool> failed{false};
#pragma omp parallel for schedule(dynamic, 1) num_threads(n_threads)
  for (std::int64_t i = 0; i < count; ++i) {
    if (failed.load(std::memory_order_relaxed)) {
      continue;
    }
    try {
      body(i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!first_error) {
        first_error = std::current_exception();
      }
      failed.store(true, std::memory_order_relaxed);
    }
  }
  if (first_error) {
    std::rethrow_exception(first_error);
  }
}

}  // namespace scmforge
