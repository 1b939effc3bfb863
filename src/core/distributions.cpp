// src/core/distributions.cpp: the transforms of core/distributions.hpp.
#include "scmforge/core/distributions.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <numbers>

#include "core/simd.hpp"

namespace scmforge::dist {
namespace {

constexpr int kZigLayers = 128;
constexpr double kZigR = 3.442619855899;
constexpr double kZigV = 9.91256303526217e-3;

struct ZigguratTables {
  std::array<double, kZigLayers + 1> x{};
  std::array<double, kZigLayers> ratio{};
  ZigguratTables() {
    double f = std::exp(-0.5 * kZigR * kZigR);
    x[0] = kZigV / f;
    x[1] = kZigR;
    x[kZigLayers] = 0.0;
    for (int i = 2; i < kZigLayers; ++i) {
      x[i] = std::sqrt(-2.0 * std::log(kZigV / x[i - 1] + f));
      f = std::exp(-0.5 * x[i] * x[i]);
    }
    for (int i = 0; i < kZigLayers; ++i) {
      ratio[i] = x[i + 1] / x[i];
    }
  }
};

const ZigguratTables& zig() {
  static const ZigguratTables tables;
  return tables;
}

// The ziggurat over any source of 64-bit words in stream order: `Rng` itself, or `WordBuffer`
// below. Both spend the same words on the same draw, which is what keeps fill_normal equal to
// repeated normal().

// One attempt takes one word: its top 53 bits give u in [-1, 1), its low 7 bits the layer.
// u = 2 * (m * 2^-53) - 1 for m = bits >> 11, computed in one exact step as (m - 2^52) * 2^-52.
inline double zig_u(std::uint64_t bits) noexcept {
  return static_cast<double>(static_cast<std::int64_t>(bits >> 11) - (std::int64_t{1} << 52)) *
         0x1.0p-52;
}
inline std::size_t zig_layer(std::uint64_t bits) noexcept {
  return static_cast<std::size_t>(bits & 0x7F);
}

// The rectangle test of one attempt: true when the point lies inside its layer's rectangle
// (97.2% of attempts), and then z is the draw.
inline bool zig_rectangle(const ZigguratTables& t, std::uint64_t bits, double& z) noexcept {
  const double u = zig_u(bits);
  const std::size_t i = zig_layer(bits);
  z = u * t.x[i];
  return std::fabs(u) < t.ratio[i];
}

template <typename Source>
double normal_tail(Source& src, double r, bool negative) noexcept {
  double x, y;
  do {
    x = std::log(bits_to_uniform_pos(src.next_u64())) / r;
    y = std::log(bits_to_uniform_pos(src.next_u64()));
  } while (-2.0 * y < x * x);
  return negative ? x - r : r - x;
}

// The rest of a draw whose attempt with `bits` failed the rectangle test: the base strip's tail,
// or the wedge test (one more word), then new attempts, each one word, until one is accepted.
template <typename Source>
double zig_finish(const ZigguratTables& t, Source& src, std::uint64_t bits) noexcept {
  for (;;) {
    const double u = zig_u(bits);
    const std::size_t i = zig_layer(bits);
    if (i == 0) {
      return normal_tail(src, kZigR, u < 0);
    }
    const double x = u * t.x[i];
    const double f0 = std::exp(-0.5 * (t.x[i] * t.x[i] - x * x));
    const double f1 = std::exp(-0.5 * (t.x[i + 1] * t.x[i + 1] - x * x));
    if (f1 + bits_to_uniform(src.next_u64()) * (f0 - f1) < 1.0) {
      return x;
    }
    bits = src.next_u64();
    double z;
    if (zig_rectangle(t, bits, z)) {
      return z;
    }
  }
}

// Words of one Rng drawn in bulk, handed out in stream order. fill_normal refills it only when
// it is empty and only with as many words as the outputs still to make need at least (one
// each); a draw that runs past the end (a rare rejection) takes its further words straight from
// the Rng. So the Rng is never ahead of the words consumed.
struct WordBuffer {
  static constexpr std::size_t kCapacity = 256;
  explicit WordBuffer(Rng& source) noexcept : rng(source) {}
  Rng& rng;
  std::array<std::uint64_t, kCapacity> words;  // [0, size) drawn, [next, size) not yet used
  std::size_t next = 0;
  std::size_t size = 0;

  std::uint64_t next_u64() noexcept { return next < size ? words[next++] : rng.next_u64(); }
};

// The rectangle test of every word at once: value[k] = mean + std * z and inside[k] = 1 for the
// words that pass it (the output of their draw), inside[k] = 0 for the others. zig_u's int64
// to double conversion is rewritten as lane-wise integer steps with the same exact result:
// m = bits >> 11 < 2^53 splits into its low 52 bits, exact as the mantissa of 2^52 + low, and
// its top bit t, and m - 2^52 = low - (1 - t) 2^52.
SCMFORGE_FP_CONTRACT_OFF_BEGIN
SCMFORGE_SIMD_CLONES void zig_rectangles(const ZigguratTables& t,
                                         const std::uint64_t* __restrict words, std::size_t n,
                                         double mean, double std, float* __restrict value,
                                         std::uint8_t* __restrict inside) noexcept {
  constexpr std::uint64_t kTwo52Bits = 0x4330000000000000ULL;  // the double 2^52
  constexpr std::uint64_t kLow52 = (std::uint64_t{1} << 52) - 1;
  for (std::size_t k = 0; k < n; ++k) {
    const std::uint64_t m = words[k] >> 11;
    const double low = std::bit_cast<double>(kTwo52Bits | (m & kLow52)) - 0x1.0p52;
    const double offset = std::bit_cast<double>(((m >> 52) ^ 1U) * kTwo52Bits);  // 2^52 or +0
    const double u = (low - offset) * 0x1.0p-52;
    const std::size_t i = zig_layer(words[k]);
    value[k] = static_cast<float>(mean + std * (u * t.x[i]));
    inside[k] = static_cast<std::uint8_t>(std::fabs(u) < t.ratio[i]);
  }
}
SCMFORGE_FP_CONTRACT_OFF_END

}  // namespace

double uniform(Rng& rng, double lo, double hi) noexcept { return lo + (hi - lo) * rng.uniform(); }

double normal(Rng& rng) noexcept {
  const ZigguratTables& t = zig();
  const std::uint64_t bits = rng.next_u64();
  double z;
  return zig_rectangle(t, bits, z) ? z : zig_finish(t, rng, bits);
}

void fill_normal(Rng& rng, std::span<float> out, double mean, double std) noexcept {
  const ZigguratTables& t = zig();
  WordBuffer buffer{rng};
  std::array<float, WordBuffer::kCapacity> value;
  std::array<std::uint8_t, WordBuffer::kCapacity> inside;
  float* dst = out.data();
  float* const end = dst + out.size();
  while (dst < end) {
    // The buffer is empty and `end - dst` outputs remain, each needing at least one word.
    buffer.size = std::min(WordBuffer::kCapacity, static_cast<std::size_t>(end - dst));
    buffer.next = 0;
    rng.fill_u64(std::span<std::uint64_t>(buffer.words.data(), buffer.size));
    zig_rectangles(t, buffer.words.data(), buffer.size, mean, std, value.data(), inside.data());
    // Each output uses >= 1 word, so the buffer cannot make more than the outputs left. A word
    // that fails its rectangle test takes the words after it, whose precomputed values are
    // then skipped.
    while (buffer.next < buffer.size) {
      const std::size_t w = buffer.next++;
      if (inside[w] != 0) [[likely]] {
        *dst++ = value[w];
      } else {
        *dst++ = static_cast<float>(mean + std * zig_finish(t, buffer, buffer.words[w]));
      }
    }
  }
}

void fill_bernoulli(Rng& rng, std::span<std::uint8_t> out, double p) noexcept {
  // P(word < threshold) = threshold / 2^32; threshold = 2^32 makes every value 1.
  const double clamped = std::clamp(p, 0.0, 1.0);
  const auto threshold = static_cast<std::uint64_t>(std::round(clamped * 0x1.0p32));
  constexpr std::size_t kChunk = 512;
  std::array<std::uint32_t, kChunk> words;
  for (std::size_t start = 0; start < out.size(); start += kChunk) {
    const std::size_t m = std::min(kChunk, out.size() - start);
    rng.fill_u32(std::span<std::uint32_t>(words.data(), m));
    for (std::size_t i = 0; i < m; ++i) {
      out[start + i] = static_cast<std::uint8_t>(words[i] < threshold ? 1 : 0);
    }
  }
}

double exponential(Rng& rng, double rate) noexcept { return -std::log(rng.uniform_pos()) / rate; }

double gamma(Rng& rng, double shape, double scale) noexcept {
  if (shape < 1.0) {
    const double g = gamma(rng, shape + 1.0, 1.0);
    return scale * g * std::pow(rng.uniform_pos(), 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = normal(rng);
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = rng.uniform_pos();
    const double x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2 || std::log(u) < 0.5 * x2 + d * (1.0 - v + std::log(v))) {
      return scale * d * v;
    }
  }
}

double beta(Rng& rng, double a, double b) noexcept {
  const double ga = gamma(rng, a, 1.0);
  const double gb = gamma(rng, b, 1.0);
  const double sum = ga + gb;
  return sum > 0.0 ? ga / sum : (rng.uniform() < a / (a + b) ? 1.0 : 0.0);
}

double truncated_normal(Rng& rng, double mean, double std, double lo, double hi) noexcept {
  // Standardise to [a, b]; sample z from N(0,1) truncated there; map back.
  double a = (lo - mean) / std;
  double b = (hi - mean) / std;
  bool mirrored = false;
  if (a < 0.0 && b <= 0.0) {  // entirely left of the mean: mirror to the right
    const double na = -b;
    b = -a;
    a = na;
    mirrored = true;
  }
  double z;
  if (a <= 0.0) {
    // The interval holds the mode. If it is wide, plain rejection accepts with prob >= ~0.34.
    if (b - a >= 2.0) {
      do {
        z = normal(rng);
      } while (z < a || z > b);
    } else {  // narrow: uniform proposal, accept exp(-z^2 / 2)
      do {
        z = a + (b - a) * rng.uniform();
      } while (rng.uniform() >= std::exp(-0.5 * z * z));
    }
  } else {
    const double alpha = 0.5 * (a + std::sqrt(a * a + 4.0));
    if (b - a < 1.0 / alpha) {  // short interval in the tail: uniform proposal
      do {
        z = a + (b - a) * rng.uniform();
      } while (rng.uniform() >= std::exp(0.5 * (a * a - z * z)));
    } else {  // Robert (1995): translated exponential proposal
      for (;;) {
        z = a + exponential(rng, alpha);
        if (z > b) {
          continue;
        }
        const double diff = z - alpha;
        if (rng.uniform() <= std::exp(-0.5 * diff * diff)) {
          break;
        }
      }
    }
  }
  if (mirrored) {
    z = -z;
  }
  return std::clamp(mean + std * z, lo, hi);
}

double log_uniform(Rng& rng, double lo, double hi) noexcept {
  return std::exp(uniform(rng, std::log(lo), std::log(hi)));
}

std::size_t categorical(Rng& rng, std::span<const double> weights) noexcept {
  double total = 0.0;
  for (double w : weights) {
    total += w;
  }
  const double target = rng.uniform() * total;
  double cumulative = 0.0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    cumulative += weights[i];
    if (target < cumulative) {
      return i;
    }
  }
  // Rounding left target == total: return the last index with positive weight.
  for (std::size_t i = weights.size(); i > 0; --i) {
    if (weights[i - 1] > 0.0) {
      return i - 1;
    }
  }
  return 0;
}

std::int64_t zipf(Rng& rng, double a) noexcept {
  // Devroye (1986), p. 551: X = floor(U^(-1/(a-1))), accept with a ratio test.
  const double am1 = a - 1.0;
  const double b = std::pow(2.0, am1);
  for (;;) {
    const double u = 1.0 - rng.uniform();
    const double v = rng.uniform();
    const double x = std::floor(std::pow(u, -1.0 / am1));
    if (x > 9.0e18 || x < 1.0) {
      continue;
    }
    const double t = std::pow(1.0 + 1.0 / x, am1);
    if (v * x * (t - 1.0) / (b - 1.0) <= t / b) {
      return static_cast<std::int64_t>(x);
    }
  }
}

std::int64_t bounded_zipf(Rng& rng, double a, std::int64_t n) noexcept {
  double total = 0.0;
  for (std::int64_t k = 1; k <= n; ++k) {
    total += std::pow(static_cast<double>(k), -a);
  }
  const double target = rng.uniform() * total;
  double cumulative = 0.0;
  for (std::int64_t k = 1; k <= n; ++k) {
    cumulative += std::pow(static_cast<double>(k), -a);
    if (target < cumulative) {
      return k;
    }
  }
  return n;
}

}  // namespace scmforge::dist
