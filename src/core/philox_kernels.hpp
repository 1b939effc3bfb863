// src/core/philox_kernels.hpp: the bulk Philox4x32-10 block kernels and their run-time choice
// (private).
#pragma once

#include <cstddef>
#include <cstdint>

namespace scmforge::detail {

/// The instruction sets the bulk kernel is written for. Every kernel writes the same words.
enum class PhiloxKernel { kPortable, kSse2, kAvx2, kAvx512 };

/// True when `kernel` is compiled in and the CPU running this process has its instructions.
bool philox_kernel_supported(PhiloxKernel kernel) noexcept;

/// The fastest supported kernel, chosen once per process.
PhiloxKernel best_philox_kernel() noexcept;

/// Writes blocks [position, position + count) of (seed, stream), 4 words each, to out[4 * count],
/// with `kernel` (which must be supported).
void philox_blocks(PhiloxKernel kernel, std::uint64_t seed, std::uint64_t stream,
                   std::uint64_t position, std::size_t count, std::uint32_t* out) noexcept;

}  // namespace scmforge::detail
