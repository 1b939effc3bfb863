// tests/cpp/prior/hyperparameters_test.cpp: the meta-distribution samplers against their formulas.
#include "scmforge/prior/hyperparameters.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace scmforge::prior {
namespace {

TEST(Hyperparameters, RoundHalfEvenMatchesPython) {
  EXPECT_EQ(round_half_even(0.5), 0.0);
  EXPECT_EQ(round_half_even(1.5), 2.0);
  EXPECT_EQ(round_half_even(2.5), 2.0);
  EXPECT_EQ(round_half_even(-0.5), -0.0);
  EXPECT_EQ(round_half_even(2.6), 3.0);
}

TEST(Hyperparameters, TabpfnMetaParametersStayInTheirFormulaRanges) {
  const PriorConfig c = preset("tabpfn-v1");
  Rng rng(1, streams::kTest);
  for (int i = 0; i < 2000; ++i) {
    const MetaDraw m = sample_meta(c, rng);
    // meta_gamma(max_alpha=2, max_scale=3, lb=2): shape e^alpha in [1, 2], mean shape*scale in [0,
    // 3].
    ASSERT_GE(m.num_layers.a, 1.0);
    ASSERT_LE(m.num_layers.a, 2.0);
    ASSERT_LE(m.num_layers.a * m.num_layers.b, 3.0 + 1e-12);
    ASSERT_EQ(m.num_layers.lower_bound, 2.0);
    // meta_beta(scale=0.6, 0.1, 5): both shapes in [0.1, 5].
    ASSERT_GE(m.dropout_prob.a, 0.1);
    ASSERT_LE(m.dropout_prob.b, 5.0);
    ASSERT_EQ(m.dropout_prob.scale, 0.6);
    // meta_trunc_norm_log_scaled(1e-4, 0.3): mu in [1e-4, 0.3], sigma / mu in [0.01, 1].
    ASSERT_GE(m.noise_std.a, 1e-4 * (1 - 1e-12));
    ASSERT_LE(m.noise_std.a, 0.3 * (1 + 1e-12));
    ASSERT_GE(m.noise_std.b / m.noise_std.a, 0.01 * (1 - 1e-12));
    ASSERT_LE(m.noise_std.b / m.noise_std.a, 1.0 + 1e-12);
    // Prior bag: P(GP) = softmax([1, w])[0] with w in [2, 10].
    ASSERT_GE(m.prior_bag_gp_probability, 1.0 / (1.0 + std::exp(9.0)) - 1e-15);
    ASSERT_LE(m.prior_bag_gp_probability, 1.0 / (1.0 + std::exp(1.0)) + 1e-15);
    // meta_choice: softmax([1, w]) with w in [-3, 5] -> P(first) in [e/(e+e^5), e/(e+e^-3)].
    ASSERT_GE(m.is_causal[0], std::exp(1.0) / (std::exp(1.0) + std::exp(5.0)) - 1e-12);
    ASSERT_LE(m.is_causal[0], std::exp(1.0) / (std::exp(1.0) + std::exp(-3.0)) + 1e-12);
    ASSERT_EQ(m.activation.size(), 3U);
  }
}

TEST(Hyperparameters, MetaGammaValueHasTheFormulaMean) {
  // value = lb + Gamma(shape a, scale b): mean lb + a * b (before rounding).
  RealDist d;
  d.kind = RealDist::Kind::kGamma;
  d.a = 1.7;
  d.b = 2.0;
  d.lower_bound = 2.0;
  Rng rng(2, streams::kTest);
  double sum = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) sum += d.sample(rng);
  EXPECT_NEAR(sum / n, 2.0 + 3.4, 0.03);  // sd of the mean 0.008; observed ~5.40
}

TEST(Hyperparameters, TruncatedNormalValueIsNonNegative) {
  RealDist d;
  d.kind = RealDist::Kind::kTruncNormal;
  d.a = 0.01;
  d.b = 0.5;
  Rng rng(3, streams::kTest);
  for (int i = 0; i < 10000; ++i) ASSERT_GE(d.sample(rng), 0.0);
}

TEST(Hyperparameters, GroupFeatureCountsCoverTheRange) {
  PriorConfig c = preset("tabicl");
  c.min_features = 3;
  c.max_features = 6;
  Rng rng(4, streams::kTest);
  std::array<int, 7> seen{};
  for (int i = 0; i < 4000; ++i) {
    const GroupHyper g = sample_group(c, sample_meta(c, rng), rng);
    ASSERT_GE(g.num_features, 3);
    ASSERT_LE(g.num_features, 6);
    seen[static_cast<std::size_t>(g.num_features)] += 1;
    ASSERT_GE(g.num_layers, 2);
    ASSERT_EQ(g.activation, -1) << "tabicl draws activations per layer";
    ASSERT_EQ(g.activation_weights.size(), 56U);
  }
  // round(U(3, 6)): 3 and 6 get half the mass of 4 and 5 (1/6 vs 1/3).
  EXPECT_NEAR(seen[3] / 4000.0, 1.0 / 6, 0.03);
  EXPECT_NEAR(seen[4] / 4000.0, 1.0 / 3, 0.03);
}

TEST(Hyperparameters, TabpfnGroupsFixOneActivationAndClassBoundaries) {
  const PriorConfig c = preset("metatree");
  Rng rng(5, streams::kTest);
  for (int i = 0; i < 500; ++i) {
    const GroupHyper g = sample_group(c, sample_meta(c, rng), rng);
    ASSERT_GE(g.activation, 0);
    ASSERT_LT(g.activation, 3);
    ASSERT_GE(g.group_classes, 2);
    ASSERT_LE(g.group_classes, 10);
    ASSERT_EQ(g.boundary_rows.size(), static_cast<std::size_t>(g.group_classes - 1));
    ASSERT_NE(g.scm, ScmType::kTree);
  }
}

}  // namespace
}  // namespace scmforge::prior
