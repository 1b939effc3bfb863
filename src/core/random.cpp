// src/core/random.cpp: Philox4x32-10, the Rng block refill and the bulk block kernel.
#include "scmforge/core/random.hpp"

#include <algorithm>
#include <cstddef>

#include "philox_kernels.hpp"

// SSE2 is part of the x86-64 baseline, so it needs no -march flag. The AVX2 and AVX-512 kernels
// are compiled for their targets by function attribute and chosen at run time (GCC and clang on
// x86-64). All kernels are integer arithmetic, so every one gives the same words.
#if defined(__SSE2__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define SCMFORGE_PHILOX_X86 1
#endif

namespace scmforge {
namespace {

constexpr std::uint32_t kPhiloxM0 = 0xD2511F53U;
constexpr std::uint32_t kPhiloxM1 = 0xCD9E8D57U;
constexpr std::uint32_t kPhiloxW0 = 0x9E3779B9U;
constexpr std::uint32_t kPhiloxW1 = 0xBB67AE85U;
constexpr int kPhiloxRounds = 10;

inline void mulhilo(std::uint32_t a, std::uint32_t b, std::uint32_t& hi, std::uint32_t& lo) {
  const std::uint64_t product = static_cast<std::uint64_t>(a) * b;
  hi = static_cast<std::uint32_t>(product >> 32);
  lo = static_cast<std::uint32_t>(product);
}

// The key of each of the ten rounds: (k0 + r * W0, k1 + r * W1).
struct RoundKeys {
  std::array<std::uint32_t, kPhiloxRounds> k0;
  std::array<std::uint32_t, kPhiloxRounds> k1;
};

RoundKeys round_keys(std::uint64_t seed) {
  RoundKeys keys{};
  auto k0 = static_cast<std::uint32_t>(seed);
  auto k1 = static_cast<std::uint32_t>(seed >> 32);
  for (int r = 0; r < kPhiloxRounds; ++r) {
    keys.k0[static_cast<std::size_t>(r)] = k0;
    keys.k1[static_cast<std::size_t>(r)] = k1;
    k0 += kPhiloxW0;
    k1 += kPhiloxW1;
  }
  return keys;
}

#if defined(SCMFORGE_PHILOX_X86)

// Pairs of blocks side by side, each word of a pair in one register: lane 0 (bits 0-31) holds
// the word of the first block, lane 2 (bits 64-95) that of the second. _mm_mul_epu32 multiplies
// exactly those lanes into full 64-bit products, whose low halves are the next round's "lo"
// words in place and whose high halves shift down into place; lanes 1 and 3 carry garbage that
// no multiply reads and the final transpose drops. Two pairs per call keep all state in the 16
// SSE registers. Writes the words of blocks position .. position + 2 * Pairs - 1 in order.
template <std::size_t Pairs>
void philox_pairs(std::uint64_t position, std::uint32_t s0, std::uint32_t s1, const RoundKeys& keys,
                  std::uint32_t* out) noexcept {
  __m128i c0[Pairs], c1[Pairs], c2[Pairs], c3[Pairs];
  for (std::size_t v = 0; v < Pairs; ++v) {
    const std::uint64_t first = position + 2 * v;
    const std::uint64_t second = first + 1;
    c0[v] = _mm_set_epi64x(static_cast<std::int64_t>(second & 0xFFFFFFFFU),
                           static_cast<std::int64_t>(first & 0xFFFFFFFFU));
    c1[v] = _mm_set_epi64x(static_cast<std::int64_t>(second >> 32),
                           static_cast<std::int64_t>(first >> 32));
    c2[v] = _mm_set1_epi32(static_cast<int>(s0));
    c3[v] = _mm_set1_epi32(static_cast<int>(s1));
  }
  const __m128i m0 = _mm_set1_epi32(static_cast<int>(kPhiloxM0));
  const __m128i m1 = _mm_set1_epi32(static_cast<int>(kPhiloxM1));
  for (std::size_t r = 0; r < kPhiloxRounds; ++r) {
    const __m128i k0 = _mm_set1_epi32(static_cast<int>(keys.k0[r]));
    const __m128i k1 = _mm_set1_epi32(static_cast<int>(keys.k1[r]));
    for (std::size_t v = 0; v < Pairs; ++v) {
      const __m128i p0 = _mm_mul_epu32(c0[v], m0);  // (hi0 : lo0) per block
      const __m128i p1 = _mm_mul_epu32(c2[v], m1);  // (hi1 : lo1)
      c0[v] = _mm_xor_si128(_mm_xor_si128(_mm_srli_epi64(p1, 32), c1[v]), k0);
      c2[v] = _mm_xor_si128(_mm_xor_si128(_mm_srli_epi64(p0, 32), c3[v]), k1);
      c1[v] = p1;
      c3[v] = p0;
    }
  }
  for (std::size_t v = 0; v < Pairs; ++v) {
    const __m128i w01 = _mm_unpacklo_epi32(c0[v], c1[v]);  // first block: w0 w1 . .
    const __m128i w23 = _mm_unpacklo_epi32(c2[v], c3[v]);  // first block: w2 w3 . .
    const __m128i x01 = _mm_unpackhi_epi32(c0[v], c1[v]);  // second block: w0 w1 . .
    const __m128i x23 = _mm_unpackhi_epi32(c2[v], c3[v]);  // second block: w2 w3 . .
    auto* dst = reinterpret_cast<__m128i*>(out + 8 * v);
    _mm_storeu_si128(dst, _mm_unpacklo_epi64(w01, w23));
    _mm_storeu_si128(dst + 1, _mm_unpacklo_epi64(x01, x23));
  }
}

// The same scheme on 256-bit registers: four blocks per register (the even 32-bit lanes of
// each 128-bit half hold two blocks as above). Writes blocks position .. position + 4 * Quads - 1.
template <std::size_t Quads>
__attribute__((target("avx2"))) void philox_quads(std::uint64_t position, std::uint32_t s0,
                                                  std::uint32_t s1, const RoundKeys& keys,
                                                  std::uint32_t* out) noexcept {
  __m256i c0[Quads], c1[Quads], c2[Quads], c3[Quads];
  const __m256i low = _mm256_set1_epi64x(0xFFFFFFFF);
  for (std::size_t v = 0; v < Quads; ++v) {
    const __m256i p = _mm256_add_epi64(
        _mm256_set1_epi64x(static_cast<std::int64_t>(position)),
        _mm256_setr_epi64x(static_cast<std::int64_t>(4 * v), static_cast<std::int64_t>(4 * v + 1),
                           static_cast<std::int64_t>(4 * v + 2),
                           static_cast<std::int64_t>(4 * v + 3)));
    c0[v] = _mm256_and_si256(p, low);
    c1[v] = _mm256_srli_epi64(p, 32);
    c2[v] = _mm256_set1_epi32(static_cast<int>(s0));
    c3[v] = _mm256_set1_epi32(static_cast<int>(s1));
  }
  const __m256i m0 = _mm256_set1_epi32(static_cast<int>(kPhiloxM0));
  const __m256i m1 = _mm256_set1_epi32(static_cast<int>(kPhiloxM1));
  for (std::size_t r = 0; r < kPhiloxRounds; ++r) {
    const __m256i k0 = _mm256_set1_epi32(static_cast<int>(keys.k0[r]));
    const __m256i k1 = _mm256_set1_epi32(static_cast<int>(keys.k1[r]));
    for (std::size_t v = 0; v < Quads; ++v) {
      const __m256i p0 = _mm256_mul_epu32(c0[v], m0);
      const __m256i p1 = _mm256_mul_epu32(c2[v], m1);
      c0[v] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p1, 32), c1[v]), k0);
      c2[v] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p0, 32), c3[v]), k1);
      c1[v] = p1;
      c3[v] = p0;
    }
  }
  for (std::size_t v = 0; v < Quads; ++v) {
    // Per 128-bit half: `a` holds its first block's words, `b` its second's.
    const __m256i a = _mm256_unpacklo_epi64(_mm256_unpacklo_epi32(c0[v], c1[v]),
                                            _mm256_unpacklo_epi32(c2[v], c3[v]));
    const __m256i b = _mm256_unpacklo_epi64(_mm256_unpackhi_epi32(c0[v], c1[v]),
                                            _mm256_unpackhi_epi32(c2[v], c3[v]));
    auto* dst = reinterpret_cast<__m256i*>(out + 16 * v);
    _mm256_storeu_si256(dst, _mm256_permute2x128_si256(a, b, 0x20));      // blocks 0, 1
    _mm256_storeu_si256(dst + 1, _mm256_permute2x128_si256(a, b, 0x31));  // blocks 2, 3
  }
}

// GCC 12's avx512fintrin.h starts several intrinsics from _mm512_undefined_*, which
// -Wuninitialized reports at every inlined use; the values are never read.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
// The same on 512-bit registers: eight blocks per register. Writes blocks position ..
// position + 8 * Octets - 1.
template <std::size_t Octets>
__attribute__((target("avx512f"))) void philox_octets(std::uint64_t position, std::uint32_t s0,
                                                      std::uint32_t s1, const RoundKeys& keys,
                                                      std::uint32_t* out) noexcept {
  __m512i c0[Octets], c1[Octets], c2[Octets], c3[Octets];
  const __m512i lanes = _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7);
  const __m512i low = _mm512_set1_epi64(0xFFFFFFFF);
  for (std::size_t v = 0; v < Octets; ++v) {
    const __m512i p =
        _mm512_add_epi64(_mm512_set1_epi64(static_cast<std::int64_t>(position + 8 * v)), lanes);
    c0[v] = _mm512_and_si512(p, low);
    c1[v] = _mm512_srli_epi64(p, 32);
    c2[v] = _mm512_set1_epi32(static_cast<int>(s0));
    c3[v] = _mm512_set1_epi32(static_cast<int>(s1));
  }
  const __m512i m0 = _mm512_set1_epi32(static_cast<int>(kPhiloxM0));
  const __m512i m1 = _mm512_set1_epi32(static_cast<int>(kPhiloxM1));
  for (std::size_t r = 0; r < kPhiloxRounds; ++r) {
    const __m512i k0 = _mm512_set1_epi32(static_cast<int>(keys.k0[r]));
    const __m512i k1 = _mm512_set1_epi32(static_cast<int>(keys.k1[r]));
    for (std::size_t v = 0; v < Octets; ++v) {
      const __m512i p0 = _mm512_mul_epu32(c0[v], m0);
      const __m512i p1 = _mm512_mul_epu32(c2[v], m1);
      c0[v] = _mm512_xor_si512(_mm512_xor_si512(_mm512_srli_epi64(p1, 32), c1[v]), k0);
      c2[v] = _mm512_xor_si512(_mm512_xor_si512(_mm512_srli_epi64(p0, 32), c3[v]), k1);
      c1[v] = p1;
      c3[v] = p0;
    }
  }
  // 64-bit lane indices that interleave the 128-bit lanes of a (even blocks) and b (odd ones).
  const __m512i first = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11);
  const __m512i second = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
  for (std::size_t v = 0; v < Octets; ++v) {
    const __m512i a = _mm512_unpacklo_epi64(_mm512_unpacklo_epi32(c0[v], c1[v]),
                                            _mm512_unpacklo_epi32(c2[v], c3[v]));
    const __m512i b = _mm512_unpacklo_epi64(_mm512_unpackhi_epi32(c0[v], c1[v]),
                                            _mm512_unpackhi_epi32(c2[v], c3[v]));
    _mm512_storeu_si512(out + 32 * v, _mm512_permutex2var_epi64(a, first, b));
    _mm512_storeu_si512(out + 32 * v + 16, _mm512_permutex2var_epi64(a, second, b));
  }
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif  // SCMFORGE_PHILOX_X86

// Portable: `Blocks` blocks through the rounds side by side, so that their independent
// multiplies overlap. Writes the words of blocks position .. position + Blocks - 1 in order.
template <std::size_t Blocks>
void philox_group_portable(std::uint64_t position, std::uint32_t s0, std::uint32_t s1,
                           const RoundKeys& keys, std::uint32_t* out) noexcept {
  for (std::size_t b = 0; b < Blocks; ++b) {
    const std::uint64_t p = position + b;
    std::uint32_t c0 = static_cast<std::uint32_t>(p);
    std::uint32_t c1 = static_cast<std::uint32_t>(p >> 32);
    std::uint32_t c2 = s0;
    std::uint32_t c3 = s1;
    for (std::size_t r = 0; r < kPhiloxRounds; ++r) {
      std::uint32_t hi0, lo0, hi1, lo1;
      mulhilo(kPhiloxM0, c0, hi0, lo0);
      mulhilo(kPhiloxM1, c2, hi1, lo1);
      c0 = hi1 ^ c1 ^ keys.k0[r];
      c1 = lo1;
      c2 = hi0 ^ c3 ^ keys.k1[r];
      c3 = lo0;
    }
    out[4 * b + 0] = c0;
    out[4 * b + 1] = c1;
    out[4 * b + 2] = c2;
    out[4 * b + 3] = c3;
  }
}

}  // namespace

namespace detail {

bool philox_kernel_supported(PhiloxKernel kernel) noexcept {
  switch (kernel) {
#if defined(SCMFORGE_PHILOX_X86)
    case PhiloxKernel::kPortable:
    case PhiloxKernel::kSse2:
      return true;
    case PhiloxKernel::kAvx2:
      return __builtin_cpu_supports("avx2") != 0;
    case PhiloxKernel::kAvx512:
      return __builtin_cpu_supports("avx512f") != 0;
#endif
    default:
      return kernel == PhiloxKernel::kPortable;
  }
}

PhiloxKernel best_philox_kernel() noexcept {
  static const PhiloxKernel best = [] {
    for (const PhiloxKernel k : {PhiloxKernel::kAvx512, PhiloxKernel::kAvx2, PhiloxKernel::kSse2})
      if (philox_kernel_supported(k)) return k;
    return PhiloxKernel::kPortable;
  }();
  return best;
}

void philox_blocks(PhiloxKernel kernel, std::uint64_t seed, std::uint64_t stream,
                   std::uint64_t position, std::size_t count, std::uint32_t* out) noexcept {
  const RoundKeys keys = round_keys(seed);
  const auto s0 = static_cast<std::uint32_t>(stream);
  const auto s1 = static_cast<std::uint32_t>(stream >> 32);
  std::size_t b = 0;
  switch (kernel) {
#if defined(SCMFORGE_PHILOX_X86)
    case PhiloxKernel::kAvx512:
      for (; b + 16 <= count; b += 16) philox_octets<2>(position + b, s0, s1, keys, out + 4 * b);
      for (; b + 8 <= count; b += 8) philox_octets<1>(position + b, s0, s1, keys, out + 4 * b);
      if (b < count) {  // the last 1-7 blocks: eight into a scratch block, the needed ones kept
        std::array<std::uint32_t, 32> scratch;
        philox_octets<1>(position + b, s0, s1, keys, scratch.data());
        std::copy_n(scratch.begin(), 4 * (count - b), out + 4 * b);
        b = count;
      }
      break;
    case PhiloxKernel::kAvx2:
      for (; b + 8 <= count; b += 8) philox_quads<2>(position + b, s0, s1, keys, out + 4 * b);
      for (; b + 4 <= count; b += 4) philox_quads<1>(position + b, s0, s1, keys, out + 4 * b);
      if (b < count) {
        std::array<std::uint32_t, 16> scratch;
        philox_quads<1>(position + b, s0, s1, keys, scratch.data());
        std::copy_n(scratch.begin(), 4 * (count - b), out + 4 * b);
        b = count;
      }
      break;
    case PhiloxKernel::kSse2:
      for (; b + 4 <= count; b += 4) philox_pairs<2>(position + b, s0, s1, keys, out + 4 * b);
      for (; b + 2 <= count; b += 2) philox_pairs<1>(position + b, s0, s1, keys, out + 4 * b);
      break;
#endif
    default:
      for (constexpr std::size_t kGroup = 8; b + kGroup <= count; b += kGroup)
        philox_group_portable<kGroup>(position + b, s0, s1, keys, out + 4 * b);
      break;
  }
  for (; b < count; ++b) philox_group_portable<1>(position + b, s0, s1, keys, out + 4 * b);
}

}  // namespace detail

std::array<std::uint32_t, 4> philox4x32_10(std::array<std::uint32_t, 4> c,
                                           std::array<std::uint32_t, 2> k) noexcept {
  for (int round = 0; round < kPhiloxRounds; ++round) {
    if (round > 0) {
      k[0] += kPhiloxW0;
      k[1] += kPhiloxW1;
    }
    std::uint32_t hi0, lo0, hi1, lo1;
    mulhilo(kPhiloxM0, c[0], hi0, lo0);
    mulhilo(kPhiloxM1, c[2], hi1, lo1);
    c = {hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0};
  }
  return c;
}

void Rng::refill() noexcept {
  const std::array<std::uint32_t, 4> counter = {
      static_cast<std::uint32_t>(position_), static_cast<std::uint32_t>(position_ >> 32),
      static_cast<std::uint32_t>(stream_), static_cast<std::uint32_t>(stream_ >> 32)};
  const std::array<std::uint32_t, 2> key = {static_cast<std::uint32_t>(seed_),
                                            static_cast<std::uint32_t>(seed_ >> 32)};
  block_ = philox4x32_10(counter, key);
  ++position_;
  buffered_ = 4;
}

void Rng::fill_u32(std::span<std::uint32_t> out) noexcept {
  const std::size_t n = out.size();
  std::size_t k = 0;
  // 1. The words left in the current block.
  for (; k < n && buffered_ > 0; ++k) {
    out[k] = block_[static_cast<std::size_t>(4 - buffered_--)];
  }
  // 2. Whole blocks, written straight into `out`.
  const std::size_t blocks = (n - k) / 4;
  if (blocks > 0) {
    detail::philox_blocks(detail::best_philox_kernel(), seed_, stream_, position_, blocks,
                          out.data() + k);
    position_ += blocks;
    k += 4 * blocks;
  }
  // 3. The start of one more block; the rest of it stays buffered as after next_u32().
  if (k < n) {
    refill();
    for (; k < n; ++k) {
      out[k] = block_[static_cast<std::size_t>(4 - buffered_--)];
    }
  }
}

void Rng::fill_u64(std::span<std::uint64_t> out) noexcept {
  constexpr std::size_t kChunk = 256;  // u64 per pass through the word buffer (2 KiB)
  std::array<std::uint32_t, 2 * kChunk> words;
  for (std::size_t start = 0; start < out.size(); start += kChunk) {
    const std::size_t m = std::min(kChunk, out.size() - start);
    fill_u32(std::span<std::uint32_t>(words.data(), 2 * m));
    for (std::size_t i = 0; i < m; ++i) {
      out[start + i] = (static_cast<std::uint64_t>(words[2 * i]) << 32) | words[2 * i + 1];
    }
  }
}

std::uint64_t Rng::below(std::uint64_t n) noexcept {
  // Lemire, "Fast random integer generation in an interval" (2019), 64-bit variant.
  std::uint64_t x = next_u64();
  __uint128_t m = static_cast<__uint128_t>(x) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      x = next_u64();
      m = static_cast<__uint128_t>(x) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

}  // namespace scmforge
