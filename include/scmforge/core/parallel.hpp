// scmforge/core/parallel.hpp: a parallel-for over independent units with exception capture.
//
// parallel_for(count, threads, body) calls body(i) once for every i in [0, count) on up to
// `threads` OpenMP threads (dynamic schedule, one unit at a time). The first exception thrown by
// any body is captured and rethrown on the calling thread after the loop; remaining units are
// skipped once one has failed. Bodies must write only to their own unit's output, which is
// what keeps results independent of the thread count.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>

namespace scmforge {

/// Number of threads to use for `requested` (<= 0 means all hardware threads).
int resolve_threads(int requested) noexcept;

/// Runs body(i) for i in [0, count) on `threads` threads; rethrows the first exception.
void parallel_for(std::int64_t count, int threads, const std::function<void(std::int64_t)>& body);

}  // namespace scmforge
