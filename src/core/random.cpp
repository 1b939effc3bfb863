// src/core/random.cpp: Philox4x32-10, the Rng block refill and the bulk block kernel.
#include "scmforge/core/random.hpp"

#include <algorithm>
#include <cstddef>

// SSE2 is part of the x86-64 baseline, so this needs no -march flag. SCMFORGE_PORTABLE_PHILOX
// forces the portable loop (to check that both paths give the same words).
#if defined(__SSE2__) && !defined(SCMFORGE_PORTABLE_PHILOX)
#include <emmintrin.h>
#define SCMFORGE_PHILOX_SSE2 1
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

#if defined(SCMFORGE_PHILOX_SSE2)

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

#endif  // SCMFORGE_PHILOX_SSE2

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

// Blocks [position, position + count) of stream `stream` under key `seed`, 4 * count words.
void philox_blocks(std::uint64_t seed, std::uint64_t stream, std::uint64_t position,
                   std::size_t count, std::uint32_t* out) noexcept {
  const RoundKeys keys = round_keys(seed);
  const auto s0 = static_cast<std::uint32_t>(stream);
  const auto s1 = static_cast<std::uint32_t>(stream >> 32);
  std::size_t b = 0;
#if defined(SCMFORGE_PHILOX_SSE2)
  for (; b + 4 <= count; b += 4) {
    philox_pairs<2>(position + b, s0, s1, keys, out + 4 * b);
  }
  if (b + 2 <= count) {
    philox_pairs<1>(position + b, s0, s1, keys, out + 4 * b);
    b += 2;
  }
#else
  constexpr std::size_t kGroup = 8;
  for (; b + kGroup <= count; b += kGroup) {
    philox_group_portable<kGroup>(position + b, s0, s1, keys, out + 4 * b);
  }
#endif
  for (; b < count; ++b) {
    philox_group_portable<1>(position + b, s0, s1, keys, out + 4 * b);
  }
}

}  // namespace

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
    philox_blocks(seed_, stream_, position_, blocks, out.data() + k);
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
