// tests/cpp/core/distributions_test.cpp: every transform of core/distributions.hpp against its
// exact distribution (Kolmogorov-Smirnov for continuous, chi-square for discrete).
//
// Each case draws kDraws = 100,000 values at a fixed seed from its own stream, so the statistics
// are deterministic; every threshold is the 99.9% point of the statistic's null distribution and
// the comment beside it records the value observed at this seed.
#include "scmforge/core/distributions.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <vector>

#include "scmforge/core/random.hpp"

namespace scmforge::dist {
namespace {

constexpr int kDraws = 100000;
constexpr std::uint64_t kSeed = 20240601;
// 99.9% point of the one-sample KS statistic: 1.9495 / sqrt(n) = 0.00617 for n = 1e5.
const double kKsCritical = 1.9495 / std::sqrt(static_cast<double>(kDraws));

Rng case_rng(std::uint64_t case_id) { return {kSeed, derive_stream(streams::kTest, case_id)}; }

template <typename Draw>
std::vector<double> sample(std::uint64_t case_id, Draw draw) {
  Rng rng = case_rng(case_id);
  std::vector<double> xs(kDraws);
  for (double& x : xs) {
    x = draw(rng);
  }
  return xs;
}

// One-sample Kolmogorov-Smirnov statistic sup |F_n(x) - F(x)|.
template <typename Cdf>
double ks_statistic(std::vector<double> xs, Cdf cdf) {
  std::sort(xs.begin(), xs.end());
  const auto n = static_cast<double>(xs.size());
  double d = 0.0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const double f = cdf(xs[i]);
    d = std::max({d, f - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - f});
  }
  return d;
}

// Pearson chi-square of observed counts against probabilities (which sum to 1).
double chi_square(const std::vector<std::int64_t>& counts, const std::vector<double>& probs,
                  std::int64_t draws) {
  double chi2 = 0.0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const double expected = probs[i] * static_cast<double>(draws);
    const double diff = static_cast<double>(counts[i]) - expected;
    chi2 += diff * diff / expected;
  }
  return chi2;
}

// ---- Exact distribution functions -----------------------------------------------------------

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }
double normal_sf(double x) { return 0.5 * std::erfc(x / std::numbers::sqrt2); }

// Regularised lower incomplete gamma P(a, x): power series for x < a + 1, Lentz's continued
// fraction for Q(a, x) otherwise (Numerical Recipes 6.2).
double gamma_p(double a, double x) {
  if (x <= 0.0) {
    return 0.0;
  }
  const double log_prefix = a * std::log(x) - x - std::lgamma(a);
  if (x < a + 1.0) {
    double ap = a;
    double term = 1.0 / a;
    double sum = term;
    for (int i = 0; i < 10000 && std::fabs(term) > std::fabs(sum) * 1e-17; ++i) {
      ap += 1.0;
      term *= x / ap;
      sum += term;
    }
    return sum * std::exp(log_prefix);
  }
  constexpr double kTiny = 1e-300;
  double b = x + 1.0 - a;
  double c = 1.0 / kTiny;
  double d = 1.0 / b;
  double h = d;
  for (int i = 1; i < 10000; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    d = std::fabs(d) < kTiny ? kTiny : d;
    c = b + an / c;
    c = std::fabs(c) < kTiny ? kTiny : c;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < 1e-16) {
      break;
    }
  }
  return 1.0 - std::exp(log_prefix) * h;
}

// Continued fraction of the incomplete beta function (Numerical Recipes 6.4).
double beta_continued_fraction(double a, double b, double x) {
  constexpr double kTiny = 1e-300;
  const double qab = a + b;
  const double qap = a + 1.0;
  const double qam = a - 1.0;
  double c = 1.0;
  double d = 1.0 - qab * x / qap;
  d = 1.0 / (std::fabs(d) < kTiny ? kTiny : d);
  double h = d;
  for (int m = 1; m < 10000; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1.0 + aa * d;
    d = 1.0 / (std::fabs(d) < kTiny ? kTiny : d);
    c = 1.0 + aa / c;
    c = std::fabs(c) < kTiny ? kTiny : c;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d;
    d = 1.0 / (std::fabs(d) < kTiny ? kTiny : d);
    c = 1.0 + aa / c;
    c = std::fabs(c) < kTiny ? kTiny : c;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < 1e-16) {
      break;
    }
  }
  return h;
}

// Regularised incomplete beta I_x(a, b): the CDF of Beta(a, b).
double beta_cdf(double x, double a, double b) {
  if (x <= 0.0) {
    return 0.0;
  }
  if (x >= 1.0) {
    return 1.0;
  }
  const double log_front =
      std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  if (x < (a + 1.0) / (a + b + 2.0)) {
    return std::exp(log_front) * beta_continued_fraction(a, b, x) / a;
  }
  return 1.0 - std::exp(log_front) * beta_continued_fraction(b, a, 1.0 - x) / b;
}

// Riemann zeta(a) for a > 1: direct sum to 1000 plus the Euler-Maclaurin tail.
double zeta(double a) {
  constexpr int kTerms = 1000;
  double sum = 0.0;
  for (int k = kTerms; k >= 1; --k) {
    sum += std::pow(k, -a);
  }
  const double n = kTerms;
  return sum + std::pow(n, 1.0 - a) / (a - 1.0) - 0.5 * std::pow(n, -a) +
         a * std::pow(n, -a - 1.0) / 12.0;
}

// The reference functions themselves, against closed forms.
TEST(ReferenceCdfs, AgreeWithClosedForms) {
  for (double x : {0.01, 0.3, 1.0, 2.5, 7.0, 30.0}) {
    EXPECT_NEAR(gamma_p(1.0, x), -std::expm1(-x), 1e-14) << x;
    EXPECT_NEAR(gamma_p(0.5, x), std::erf(std::sqrt(x)), 1e-14) << x;
    EXPECT_NEAR(gamma_p(2.0, x), 1.0 - std::exp(-x) * (1.0 + x), 1e-14) << x;
  }
  for (double x : {0.001, 0.1, 0.37, 0.5, 0.8, 0.999}) {
    EXPECT_NEAR(beta_cdf(x, 0.5, 0.5), 2.0 / std::numbers::pi * std::asin(std::sqrt(x)), 1e-13)
        << x;
    EXPECT_NEAR(beta_cdf(x, 1.0, 3.0), 1.0 - std::pow(1.0 - x, 3.0), 1e-13) << x;
    EXPECT_NEAR(beta_cdf(x, 2.0, 5.0) + beta_cdf(1.0 - x, 5.0, 2.0), 1.0, 1e-13) << x;
  }
  EXPECT_NEAR(zeta(2.0), std::numbers::pi * std::numbers::pi / 6.0, 1e-12);
  EXPECT_NEAR(zeta(2.5), 1.341487257250917, 1e-12);
}

// ---- Continuous distributions ---------------------------------------------------------------

TEST(Distributions, Uniform) {
  const auto xs = sample(1, [](Rng& r) { return uniform(r, -2.0, 3.0); });
  for (double x : xs) {
    ASSERT_GE(x, -2.0);
    ASSERT_LT(x, 3.0);
  }
  const double d = ks_statistic(xs, [](double x) { return (x + 2.0) / 5.0; });
  EXPECT_LT(d, kKsCritical);  // observed 0.0028
}

TEST(Distributions, StandardNormal) {
  const auto xs = sample(2, [](Rng& r) { return normal(r); });
  EXPECT_LT(ks_statistic(xs, normal_cdf), kKsCritical);  // observed 0.0017
}

TEST(Distributions, NormalWithMeanAndStd) {
  const auto xs = sample(3, [](Rng& r) { return normal(r, 1.5, 0.2); });
  const double d = ks_statistic(xs, [](double x) { return normal_cdf((x - 1.5) / 0.2); });
  EXPECT_LT(d, kKsCritical);  // observed 0.0028
}

TEST(Distributions, NormalTailsHaveTheRightMass) {
  // The ziggurat's base strip and exact tail beyond r = 3.4426: count |z| > 3 and |z| > 3.4426
  // in 10^6 draws. Expected 2700 and 576; sd ~52 and ~24, so 5 sd = 260 and 120.
  Rng rng = case_rng(4);
  int beyond3 = 0;
  int beyond_r = 0;
  for (int i = 0; i < 1000000; ++i) {
    const double z = std::fabs(normal(rng));
    beyond3 += z > 3.0 ? 1 : 0;
    beyond_r += z > 3.442619855899 ? 1 : 0;
  }
  EXPECT_NEAR(beyond3, 2.0 * normal_sf(3.0) * 1e6, 260.0);              // observed 2759
  EXPECT_NEAR(beyond_r, 2.0 * normal_sf(3.442619855899) * 1e6, 120.0);  // observed 578
}

TEST(Distributions, FillNormalMatchesNormalRoundedToFloat) {
  Rng a = case_rng(5);
  Rng b = a;
  std::vector<float> out(1000);
  fill_normal(a, out, -1.0, 3.0);
  for (float v : out) {
    EXPECT_EQ(v, static_cast<float>(-1.0 + 3.0 * normal(b)));
  }
}

TEST(Distributions, Exponential) {
  const auto xs = sample(6, [](Rng& r) { return exponential(r, 2.5); });
  for (double x : xs) {
    ASSERT_GE(x, 0.0);
    ASSERT_TRUE(std::isfinite(x));
  }
  const double d = ks_statistic(xs, [](double x) { return -std::expm1(-2.5 * x); });
  EXPECT_LT(d, kKsCritical);  // observed 0.0020
}

TEST(Distributions, GammaShapeHalf) {
  const auto xs = sample(7, [](Rng& r) { return gamma(r, 0.5, 1.0); });
  EXPECT_LT(ks_statistic(xs, [](double x) { return gamma_p(0.5, x); }),
            kKsCritical);  // observed 0.0027
}

TEST(Distributions, GammaShapeOne) {
  const auto xs = sample(8, [](Rng& r) { return gamma(r, 1.0, 0.5); });
  EXPECT_LT(ks_statistic(xs, [](double x) { return gamma_p(1.0, x / 0.5); }),
            kKsCritical);  // observed 0.0021
}

TEST(Distributions, GammaShapeThreePointSeven) {
  const auto xs = sample(9, [](Rng& r) { return gamma(r, 3.7, 2.0); });
  EXPECT_LT(ks_statistic(xs, [](double x) { return gamma_p(3.7, x / 2.0); }),
            kKsCritical);  // observed 0.0036
}

TEST(Distributions, BetaHalfHalf) {
  const auto xs = sample(10, [](Rng& r) { return beta(r, 0.5, 0.5); });
  for (double x : xs) {
    ASSERT_GE(x, 0.0);
    ASSERT_LE(x, 1.0);
  }
  EXPECT_LT(ks_statistic(xs, [](double x) { return beta_cdf(x, 0.5, 0.5); }),
            kKsCritical);  // observed 0.0028
}

TEST(Distributions, BetaTwoFive) {
  const auto xs = sample(11, [](Rng& r) { return beta(r, 2.0, 5.0); });
  EXPECT_LT(ks_statistic(xs, [](double x) { return beta_cdf(x, 2.0, 5.0); }),
            kKsCritical);  // observed 0.0028
}

struct TruncatedCase {
  const char* label;
  double mean;
  double std;
  double lo;
  double hi;
};

// CDF of N(mean, std^2) truncated to [lo, hi]. Intervals at or right of the mean use survival
// functions so that far tails keep their relative precision.
double truncated_normal_cdf(const TruncatedCase& c, double x) {
  const double a = (c.lo - c.mean) / c.std;
  const double b = (c.hi - c.mean) / c.std;
  const double z = std::clamp((x - c.mean) / c.std, a, b);
  if (a >= 0.0) {
    return (normal_sf(a) - normal_sf(z)) / (normal_sf(a) - normal_sf(b));
  }
  return (normal_cdf(z) - normal_cdf(a)) / (normal_cdf(b) - normal_cdf(a));
}

TEST(Distributions, TruncatedNormal) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  const std::array<TruncatedCase, 7> cases = {{
      {"wide interval around the mean", 0.0, 1.0, -1.0, 2.0},
      {"narrow interval around the mean", 0.0, 1.0, -0.5, 0.5},
      {"far tail [3, 4]", 0.0, 1.0, 3.0, 4.0},
      {"far tail [5, inf)", 0.0, 1.0, 5.0, kInf},
      {"narrow interval right of the mean", 0.0, 1.0, 0.1, 0.3},
      {"left tail, scaled: z in [-5, -3]", 2.0, 3.0, -13.0, -7.0},
      {"one-sided, scaled: z in (-inf, 0.5]", -1.0, 0.5, -kInf, -0.75},
  }};
  // observed, in order: 0.0031, 0.0020, 0.0040, 0.0038, 0.0020, 0.0030, 0.0016
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const TruncatedCase& c = cases[i];
    const auto xs =
        sample(20 + i, [&](Rng& r) { return truncated_normal(r, c.mean, c.std, c.lo, c.hi); });
    for (double x : xs) {
      ASSERT_GE(x, c.lo) << c.label;
      ASSERT_LE(x, c.hi) << c.label;
    }
    const double d = ks_statistic(xs, [&](double x) { return truncated_normal_cdf(c, x); });
    EXPECT_LT(d, kKsCritical) << c.label;
  }
}

TEST(Distributions, LogUniform) {
  const auto xs = sample(12, [](Rng& r) { return log_uniform(r, 1e-3, 10.0); });
  for (double x : xs) {
    ASSERT_GE(x, 1e-3 * (1 - 1e-12));
    ASSERT_LE(x, 10.0);
  }
  const double d = ks_statistic(xs, [](double x) { return std::log(x / 1e-3) / std::log(1e4); });
  EXPECT_LT(d, kKsCritical);  // observed 0.0021
}

// ---- Discrete distributions -----------------------------------------------------------------

TEST(Distributions, Bernoulli) {
  Rng rng = case_rng(13);
  int successes = 0;
  for (int i = 0; i < kDraws; ++i) {
    successes += bernoulli(rng, 0.3) ? 1 : 0;
  }
  // Binomial(1e5, 0.3): sd 144.9; 4 sd = 580. observed 29,920
  EXPECT_NEAR(successes, 30000, 580);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_FALSE(bernoulli(rng, 0.0));
    EXPECT_TRUE(bernoulli(rng, 1.0));
  }
}

TEST(Distributions, Categorical) {
  const std::vector<double> weights = {1.0, 0.0, 2.5, 0.5, 6.0};
  Rng rng = case_rng(14);
  std::vector<std::int64_t> counts(weights.size(), 0);
  for (int i = 0; i < kDraws; ++i) {
    const std::size_t k = categorical(rng, weights);
    ASSERT_LT(k, weights.size());
    ++counts[k];
  }
  EXPECT_EQ(counts[1], 0);  // zero weight is never drawn
  const std::vector<std::int64_t> nonzero = {counts[0], counts[2], counts[3], counts[4]};
  const std::vector<double> probs = {0.1, 0.25, 0.05, 0.6};
  // chi-square, 3 degrees of freedom: 99.9% point 16.27. observed 2.58
  EXPECT_LT(chi_square(nonzero, probs, kDraws), 16.27);
}

TEST(Distributions, CategoricalWithOneWeightAlwaysReturnsIt) {
  Rng rng = case_rng(15);
  const std::vector<double> weights = {0.0, 0.0, 3.0, 0.0};
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(categorical(rng, weights), 2U);
  }
}

TEST(Distributions, Zipf) {
  const double a = 2.5;
  const double z = zeta(a);
  // Bins 1..10 and a tail bin (> 10) holding about 1.6% of the mass.
  constexpr int kBins = 10;
  std::vector<double> probs(kBins + 1);
  double head = 0.0;
  for (int k = 1; k <= kBins; ++k) {
    probs[k - 1] = std::pow(k, -a) / z;
    head += probs[k - 1];
  }
  probs[kBins] = 1.0 - head;
  Rng rng = case_rng(16);
  std::vector<std::int64_t> counts(kBins + 1, 0);
  for (int i = 0; i < kDraws; ++i) {
    const std::int64_t k = zipf(rng, a);
    ASSERT_GE(k, 1);
    ++counts[std::min<std::int64_t>(k, kBins + 1) - 1];
  }
  // chi-square, 10 degrees of freedom: 99.9% point 29.59. observed 13.02
  EXPECT_LT(chi_square(counts, probs, kDraws), 29.59);
}

TEST(Distributions, BoundedZipf) {
  const double a = 1.2;
  constexpr std::int64_t kN = 20;
  std::vector<double> probs(kN);
  double total = 0.0;
  for (std::int64_t k = 1; k <= kN; ++k) {
    probs[k - 1] = std::pow(static_cast<double>(k), -a);
    total += probs[k - 1];
  }
  for (double& p : probs) {
    p /= total;
  }
  Rng rng = case_rng(17);
  std::vector<std::int64_t> counts(kN, 0);
  for (int i = 0; i < kDraws; ++i) {
    const std::int64_t k = bounded_zipf(rng, a, kN);
    ASSERT_GE(k, 1);
    ASSERT_LE(k, kN);
    ++counts[k - 1];
  }
  // chi-square, 19 degrees of freedom: 99.9% point 43.82. observed 29.04
  EXPECT_LT(chi_square(counts, probs, kDraws), 43.82);
}

TEST(Distributions, BoundedZipfWithZeroExponentIsUniform) {
  Rng rng = case_rng(18);
  std::vector<std::int64_t> counts(5, 0);
  for (int i = 0; i < kDraws; ++i) {
    ++counts[bounded_zipf(rng, 0.0, 5) - 1];
  }
  // chi-square, 4 degrees of freedom: 99.9% point 18.47. observed 1.53
  EXPECT_LT(chi_square(counts, std::vector<double>(5, 0.2), kDraws), 18.47);
}

TEST(Distributions, ShuffleGivesEveryPermutationEqually) {
  Rng rng = case_rng(19);
  std::vector<std::int64_t> counts(6, 0);
  const int shuffles = 60000;
  for (int i = 0; i < shuffles; ++i) {
    std::array<int, 3> v = {0, 1, 2};
    shuffle(rng, std::span<int>(v));
    // Lehmer code of a permutation of 3: index in 0..5.
    const int first = v[0];
    const int second_rank = v[1] - (v[1] > first ? 1 : 0);
    ++counts[first * 2 + second_rank];
  }
  // chi-square, 5 degrees of freedom: 99.9% point 20.52. observed 4.02
  EXPECT_LT(chi_square(counts, std::vector<double>(6, 1.0 / 6.0), shuffles), 20.52);
}

}  // namespace
}  // namespace scmforge::dist
