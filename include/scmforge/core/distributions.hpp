// scmforge/core/distributions.hpp: the project's own transforms from Philox bits to distributions.
//
// std::*_distribution is never used for output: its algorithms differ between standard
// libraries, so the same seed would give different datasets on different machines. Every
// transform here is a documented algorithm over `Rng`, so results depend only on (seed, stream)
// and on the IEEE-754 behaviour of libm's exp/log/sqrt/cos.
//
// Each function is checked by a statistical test in tests/cpp/core/distributions_test.cpp
// (moments or a Kolmogorov-Smirnov statistic over >= 1e5 draws at a fixed seed).
#pragma once

#include <cstdint>
#include <span>

#include "scmforge/core/random.hpp"

namespace scmforge::dist {

/// Uniform on [lo, hi).
double uniform(Rng& rng, double lo, double hi) noexcept;

/// Standard normal N(0, 1): Marsaglia-Tsang ziggurat with 128 layers in Doornik's (2005)
/// ZIGNOR form, with the exact exponential-rejection tail beyond r = 3.4426.
double normal(Rng& rng) noexcept;

/// N(mean, std^2); std >= 0.
inline double normal(Rng& rng, double mean, double std) noexcept {
  return mean + std * normal(rng);
}

/// Fills `out` (n values) with N(mean, std^2) draws, rounded to float32: out[k] is exactly
/// float(mean + std * normal(rng)) for the k-th of n successive normal() calls, and `rng` ends
/// where they would leave it. The words are drawn in bulk (Rng::fill_u64), never more than the
/// n draws consume: a draw rejected by the ziggurat's rectangle test takes its further words
/// from the same stream, in the same order as normal() does.
void fill_normal(Rng& rng, std::span<float> out, double mean, double std) noexcept;

/// Fills `out` with independent Bernoulli(p) indicators (1 with probability p, else 0), one
/// 32-bit word per value in stream order: out[k] = (k-th next_u32() < round(p * 2^32)), p
/// clamped to [0, 1]. The probability is p to within 2^-33; p = 0 and p = 1 are exact. Cheaper
/// than repeated bernoulli(), which spends 64 bits per draw, and not equal to it.
void fill_bernoulli(Rng& rng, std::span<std::uint8_t> out, double p) noexcept;

/// Exponential with rate `rate` > 0 (mean 1 / rate), by inversion.
double exponential(Rng& rng, double rate = 1.0) noexcept;

/// Gamma(shape, scale) with mean shape * scale: Marsaglia-Tsang (2000) squeeze method;
/// shape < 1 uses Gamma(shape + 1) * U^(1/shape). Requires shape > 0, scale > 0.
double gamma(Rng& rng, double shape, double scale) noexcept;

/// Beta(a, b) as G_a / (G_a + G_b) with independent gammas. Requires a, b > 0.
double beta(Rng& rng, double a, double b) noexcept;

/// Normal(mean, std^2) truncated to [lo, hi] (lo < hi, std > 0): exact rejection sampling,
/// choosing per call between a plain normal, a uniform and Robert's (1995) translated-
/// exponential proposal so that the acceptance rate stays high for any interval.
double truncated_normal(Rng& rng, double mean, double std, double lo, double hi) noexcept;

/// Log-uniform on [lo, hi) (lo > 0): exp(U(log lo, log hi)).
double log_uniform(Rng& rng, double lo, double hi) noexcept;

/// true with probability p.
inline bool bernoulli(Rng& rng, double p) noexcept { return rng.uniform() < p; }

/// Index i with probability weights[i] / sum(weights); weights non-negative, sum > 0.
std::size_t categorical(Rng& rng, std::span<const double> weights) noexcept;

/// Unbounded Zipf on {1, 2, ...} with P(k) proportional to k^-a, a > 1: Devroye's (1986)
/// rejection method, the algorithm numpy's Generator.zipf uses.
std::int64_t zipf(Rng& rng, double a) noexcept;

/// Bounded Zipf on {1, ..., n} with P(k) proportional to k^-a (any a >= 0), by inversion of the
/// finite CDF. O(n) per draw: meant for n up to a few hundred.
std::int64_t bounded_zipf(Rng& rng, double a, std::int64_t n) noexcept;

/// Fisher-Yates shuffle of `values` in place.
template <typename T>
void shuffle(Rng& rng, std::span<T> values) noexcept {
  for (std::size_t i = values.size(); i > 1; --i) {
    const std::size_t j = rng.below(i);
    std::swap(values[i - 1], values[j]);
  }
}

}  // namespace scmforge::dist
