// src/core/distributions.cpp: the transforms of core/distributions.hpp.
#include "scmforge/core/distributions.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

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

double normal_tail(Rng& rng, double r, bool negative) noexcept {
  double x, y;
  do {
    x = std::log(rng.uniform_pos()) / r;
    y = std::log(rng.uniform_pos());
  } while (-2.0 * y < x * x);
  return negative ? x - r : r - x;
}

}  // namespace

double uniform(Rng& rng, double lo, double hi) noexcept { return lo + (hi - lo) * rng.uniform(); }

double normal(Rng& rng) noexcept {
  const ZigguratTables& t = zig();
  for (;;) {
    const std::uint64_t bits = rng.next_u64();
    // 53 bits for u in [-1, 1), 7 independent bits for the layer.
    const double u = 2.0 * (static_cast<double>(bits >> 11) * 0x1.0p-53) - 1.0;
    const auto i = static_cast<int>(bits & 0x7F);
    if (std::fabs(u) < t.ratio[i]) {
      return u * t.x[i];
    }
    if (i == 0) {
      return normal_tail(rng, kZigR, u < 0);
    }
    const double x = u * t.x[i];
    const double f0 = std::exp(-0.5 * (t.x[i] * t.x[i] - x * x));
    const double f1 = std::exp(-0.5 * (t.x[i + 1] * t.x[i + 1] - x * x));
    if (f1 + rng.uniform() * (f0 - f1) < 1.0) {
      return x;
    }
  }
}

void fill_normal(Rng& rng, std::span<float> out, double mean, double std) noexcept {
  for (float& v : out) {
    v = static_cast<float>(mean + std * normal(rng));
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
