// tests/cpp/prior/generator_test.cpp: determinism and dataset invariants of the prior generator.
#include "scmforge/prior/generator.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <set>

#include "scmforge/core/error.hpp"

namespace scmforge::prior {
namespace {

void expect_same(const PriorDataset& a, const PriorDataset& b) {
  ASSERT_EQ(a.id, b.id);
  ASSERT_EQ(a.n, b.n);
  ASSERT_EQ(a.d, b.d);
  ASSERT_EQ(a.k, b.k);
  ASSERT_EQ(a.single_eval_pos, b.single_eval_pos);
  ASSERT_EQ(a.y, b.y);
  ASSERT_EQ(a.categorical, b.categorical);
  ASSERT_EQ(a.prior_type, b.prior_type);
  ASSERT_EQ(a.x.size(), b.x.size());
  for (std::size_t i = 0; i < a.x.size(); ++i) {
    // Bitwise equality (NaN-safe).
    ASSERT_EQ(std::memcmp(&a.x[i], &b.x[i], sizeof(float)), 0)
        << "dataset " << a.id << " cell " << i;
  }
}

void check_invariants(const PriorConfig& c, const PriorDataset& ds) {
  ASSERT_EQ(ds.n, c.n_rows);
  ASSERT_GE(ds.d, 1);
  ASSERT_LE(ds.d, c.max_features);
  ASSERT_GE(ds.k, 2);
  ASSERT_LE(ds.k, c.max_classes);
  ASSERT_EQ(ds.x.size(), static_cast<std::size_t>(ds.n) * static_cast<std::size_t>(ds.d));
  ASSERT_EQ(ds.categorical.size(), static_cast<std::size_t>(ds.d));
  std::set<std::int32_t> classes(ds.y.begin(), ds.y.end());
  ASSERT_EQ(static_cast<std::int32_t>(classes.size()), ds.k) << "classes must be 0..k-1";
  ASSERT_EQ(*classes.begin(), 0);
  ASSERT_EQ(*classes.rbegin(), ds.k - 1);
  std::set<std::int32_t> train(ds.y.begin(), ds.y.begin() + ds.single_eval_pos);
  std::set<std::int32_t> test(ds.y.begin() + ds.single_eval_pos, ds.y.end());
  ASSERT_EQ(train, test) << "train and test must share their class set";
  for (float v : ds.x) ASSERT_FALSE(std::isnan(v)) << "no NaN unless missing_rate > 0";
  for (float v : ds.x) ASSERT_TRUE(std::isfinite(v));
  if (c.remove_constant_features) {
    for (std::int32_t j = 0; j < ds.d; ++j) {
      const float* col = ds.x.data() + static_cast<std::size_t>(j) * static_cast<std::size_t>(ds.n);
      bool constant = true;
      for (std::int32_t i = 1; i < ds.n; ++i) constant = constant && col[i] == col[0];
      ASSERT_FALSE(constant) << "feature " << j << " of dataset " << ds.id << " is constant";
    }
  }
}

class PresetTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PresetTest, InvariantsHoldForEveryDataset) {
  PriorConfig c = preset(GetParam());
  if (GetParam() == "tabpfn-v1" || GetParam() == "tabicl") c.n_rows = 256;  // keep the test fast
  const PriorGenerator gen(c, 11);
  GenerationStats stats;
  const auto datasets = gen.generate_range(
      0, GetParam() == "metatree" || GetParam() == "nanotabpfn" ? 300 : 80, 2, &stats);
  for (const auto& ds : datasets) check_invariants(c, ds);
  std::int64_t accepted = stats.by_scm[0] + stats.by_scm[1] + stats.by_scm[2];
  EXPECT_EQ(accepted, static_cast<std::int64_t>(datasets.size()));
}

TEST_P(PresetTest, SameBytesForOneAndTwoThreadsAndAnySlicing) {
  PriorConfig c = preset(GetParam());
  c.n_rows = std::min(c.n_rows, 200);
  const PriorGenerator gen(c, 3);
  const auto one = gen.generate_range(0, 24, 1);
  const auto two = gen.generate_range(0, 24, 2);
  const auto tail = gen.generate_range(10, 14, 2);
  for (std::size_t i = 0; i < one.size(); ++i) expect_same(one[i], two[i]);
  for (std::size_t i = 0; i < tail.size(); ++i) expect_same(one[10 + i], tail[i]);
  expect_same(one[5], gen.generate(5));
}

INSTANTIATE_TEST_SUITE_P(AllPresets, PresetTest,
                         ::testing::Values("tabpfn-v1", "tabicl", "metatree", "nanotabpfn"),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::erase(name, '-');
                           return name;
                         });

TEST(PriorGenerator, DifferentSeedsGiveDifferentData) {
  const PriorConfig c = preset("metatree");
  EXPECT_NE(PriorGenerator(c, 1).generate(0).x, PriorGenerator(c, 2).generate(0).x);
}

TEST(PriorGenerator, SplitGroupsShareSingleEvalPos) {
  PriorConfig c = preset("metatree");
  c.train_fraction_min = 0.2;
  c.train_fraction_max = 0.8;
  c.split_group_size = 8;
  const PriorGenerator gen(c, 5);
  std::set<std::int32_t> positions;
  for (std::uint64_t g = 0; g < 6; ++g) {
    const std::int32_t first = gen.single_eval_pos(g * 8);
    for (std::uint64_t i = 1; i < 8; ++i) EXPECT_EQ(gen.single_eval_pos(g * 8 + i), first);
    EXPECT_GE(first, 51);   // floor(256 * 0.2)
    EXPECT_LE(first, 204);  // floor(256 * 0.8)
    positions.insert(first);
  }
  EXPECT_GT(positions.size(), 3U) << "positions must vary between groups";
}

TEST(PriorGenerator, MissingRateGivesThatShareOfNaN) {
  PriorConfig c = preset("metatree");
  c.missing_rate = 0.2;
  const auto datasets = PriorGenerator(c, 9).generate_range(0, 50, 2);
  double nan = 0, total = 0;
  for (const auto& ds : datasets)
    for (float v : ds.x) {
      nan += std::isnan(v) ? 1 : 0;
      total += 1;
    }
  EXPECT_NEAR(nan / total, 0.2, 0.01);  // observed 0.200 (about 70k cells)
}

TEST(PriorGenerator, MixtureWeightsAreRespected) {
  PriorConfig c = preset("tabicl");
  c.n_rows = 128;
  c.max_features = 8;
  c.hp_group_size = c.meta_group_size = 1;
  GenerationStats stats;
  (void)PriorGenerator(c, 4).generate_range(0, 400, 2, &stats);
  const double tree_share = static_cast<double>(stats.by_scm[1]) / 400.0;
  EXPECT_NEAR(tree_share, 0.3, 0.07);  // binomial sd 0.023; observed ~0.3
  EXPECT_EQ(stats.by_scm[2], 0);
}

double binary_share(double binary_prob) {
  PriorConfig c = preset("metatree");
  c.family = "tabicl";
  c.mix = "fixed";
  c.mlp_weight = 1;
  c.tree_weight = 0;
  c.meta_group_size = c.hp_group_size = 4;
  c.binary_prob = binary_prob;
  const auto datasets = PriorGenerator(c, 21).generate_range(0, 400, 2);
  double binary = 0;
  for (const auto& ds : datasets) binary += ds.k == 2 ? 1 : 0;
  return binary / 400.0;
}

TEST(PriorGenerator, ClassCountsFollowTheTwoWithProbabilityHalfRule) {
  // Nominal k = 2 with probability 1/2 + 1/18; realised classes can only drop, so >= ~0.55.
  const double share = binary_share(0.5);
  EXPECT_GT(share, 0.5);
  EXPECT_LT(share, 0.9);
}

TEST(PriorGenerator, BinaryProbSetsTheOutrightTwoClassShare) {
  EXPECT_EQ(binary_share(1.0), 1.0);
  // Without the coin k is uniform on 2..10: nominal 1/9 binary (binomial sd 0.016 over 400).
  EXPECT_LT(binary_share(0.0), 0.25);
}

TEST(PriorGenerator, InvalidConfigIsRejectedAtConstruction) {
  PriorConfig c = preset("metatree");
  c.max_features = 0;
  EXPECT_THROW(PriorGenerator(c, 0), InvalidInput);
}

}  // namespace
}  // namespace scmforge::prior
