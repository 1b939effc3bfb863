// tests/cpp/corpus/example_test.cpp: filters, relabelling, label noise and target tensors.
#include "scmforge/corpus/example.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "scmforge/core/error.hpp"
#include "scmforge/core/random.hpp"
#include "scmforge/prior/config.hpp"
#include "scmforge/prior/generator.hpp"

namespace scmforge::corpus {
namespace {

// n rows, d uniform features in [-1, 1); labels from `label(row values)`.
template <typename Label>
PriorDataset synthetic(std::int32_t n, std::int32_t d, std::int32_t k, std::uint64_t id,
                       Label label) {
  PriorDataset ds;
  ds.id = id;
  ds.n = n;
  ds.d = d;
  ds.k = k;
  ds.single_eval_pos = n / 2;
  ds.x.resize(static_cast<std::size_t>(n * d));
  ds.categorical.assign(static_cast<std::size_t>(d), 0);
  Rng rng(99, derive_stream(streams::kTest, id));
  for (auto& v : ds.x) v = static_cast<float>(2.0 * rng.uniform() - 1.0);
  ds.y.resize(static_cast<std::size_t>(n));
  for (std::int32_t i = 0; i < n; ++i) {
    std::vector<float> row(static_cast<std::size_t>(d));
    for (std::int32_t j = 0; j < d; ++j) row[j] = ds.x[static_cast<std::size_t>(j * n + i)];
    ds.y[static_cast<std::size_t>(i)] = label(row, rng);
  }
  return ds;
}

TEST(CorpusExample, ClassBalanceKnownAnswers) {
  const Balance even = class_balance({0, 1, 0, 1}, 2);
  EXPECT_DOUBLE_EQ(even.majority_share, 0.5);
  EXPECT_NEAR(even.imbalance, 0.0, 1e-15);
  // shares 3/4, 1/4: H = 0.5623 nats, I = 1 - H / ln 2 = 0.18872.
  const Balance skew = class_balance({0, 0, 0, 1}, 2);
  EXPECT_DOUBLE_EQ(skew.majority_share, 0.75);
  EXPECT_NEAR(skew.imbalance, 0.188722, 1e-6);
  // An absent class does not count: k present = 2.
  EXPECT_NEAR(class_balance({0, 2, 0, 2}, 3).imbalance, 0.0, 1e-15);
}

TEST(CorpusExample, EachFilterRejectsForItsReason) {
  const ExampleConfig config;
  // 80% majority.
  auto majority = synthetic(200, 3, 2, 1, [](auto&, Rng& r) { return r.uniform() < 0.8 ? 0 : 1; });
  EXPECT_EQ(make_example(majority, config, 7).rejection, Rejection::kMajority);
  // Shares 0.70 / 0.29 / 0.01: majority passes, I = 0.404 >= 0.3.
  auto skewed = synthetic(1000, 3, 3, 2, [](auto&, Rng&) { return 0; });
  for (int i = 0; i < 1000; ++i) skewed.y[i] = i < 700 ? 0 : i < 990 ? 1 : 2;
  EXPECT_EQ(make_example(skewed, config, 7).rejection, Rejection::kImbalance);
  // Labels independent of x: a depth-2 tree fits about 58% of them, below 70%.
  auto noise = synthetic(256, 4, 2, 3, [](auto&, Rng& r) { return r.uniform() < 0.5 ? 0 : 1; });
  const Outcome o = make_example(noise, config, 7);
  EXPECT_EQ(o.rejection, Rejection::kTreeAccuracy);
  EXPECT_FALSE(o.example.has_value());
}

TEST(CorpusExample, ErrorReductionFilterIsRelativeToTheMajorityGuess) {
  // 8 classes: the quadrant of (x0, x1) picks a pair of classes and a coin picks one of the pair.
  // A depth-2 tree finds the quadrants and gets about half the rows right: below the 70%
  // accuracy filter, but it removes about (0.5 - 0.14) / 0.86 = 0.4 of the majority guess's errors.
  const auto pairs = synthetic(800, 3, 8, 4, [](const std::vector<float>& row, Rng& r) {
    return 4 * (row[0] > 0 ? 1 : 0) + 2 * (row[1] > 0 ? 1 : 0) + (r.uniform() < 0.5 ? 1 : 0);
  });
  ExampleConfig off;
  off.max_imbalance = 1.0;
  off.min_tree_accuracy = 0.0;
  const Outcome measured = make_example(pairs, off, 7);
  ASSERT_TRUE(measured.example.has_value());
  const double a = measured.example->tree_accuracy;
  const double m = measured.example->balance.majority_share;
  const double lambda = (a - m) / (1.0 - m);
  EXPECT_LT(a, 0.7);
  EXPECT_GT(lambda, 0.3);
  EXPECT_EQ(make_example(pairs, ExampleConfig{}, 7).rejection, Rejection::kTreeAccuracy);
  ExampleConfig relative = off;
  relative.min_error_reduction = lambda;  // the bound is inclusive
  EXPECT_TRUE(make_example(pairs, relative, 7).example.has_value());
  relative.min_error_reduction = std::nextafter(lambda, 1.0);
  EXPECT_EQ(make_example(pairs, relative, 7).rejection, Rejection::kTreeAccuracy);
  // Binary labels independent of x: the tree beats the majority guess by little.
  auto noise = synthetic(256, 4, 2, 3, [](auto&, Rng& r) { return r.uniform() < 0.5 ? 0 : 1; });
  relative.min_error_reduction = 0.3;
  EXPECT_EQ(make_example(noise, relative, 7).rejection, Rejection::kTreeAccuracy);
}

TEST(CorpusExample, RelabelsWithTheTreeAndFlipsExactlyTheNoiseShare) {
  ExampleConfig config;
  config.label_noise = 0.05;
  auto ds = synthetic(256, 5, 3, 4, [](const std::vector<float>& x, Rng&) {
    return x[1] <= 0.0F ? 0 : (x[3] <= 0.2F ? 1 : 2);
  });
  const Outcome o = make_example(ds, config, 11);
  ASSERT_TRUE(o.example.has_value());
  const Example& ex = *o.example;
  EXPECT_DOUBLE_EQ(ex.tree_accuracy, 1.0);
  std::vector<std::int32_t> predicted(256);
  ex.tree.predict_class(tree::DataView{256, 5, ex.data.x.data(), {}}, predicted);
  EXPECT_EQ(ex.y_clean, predicted);
  int flipped = 0;
  for (std::size_t i = 0; i < 256; ++i) {
    if (ex.y_noisy[i] != ex.y_clean[i]) {
      ++flipped;
      EXPECT_GE(ex.y_noisy[i], 0);
      EXPECT_LT(ex.y_noisy[i], 3);
    }
  }
  EXPECT_EQ(flipped, 13);  // round(0.05 * 256) = 12.8 -> 13
  EXPECT_EQ(ex.target.feature, (std::vector<std::int32_t>{1, -1, 3}));
  // Same seed and id: the same noise; another seed: different rows.
  const Outcome again = make_example(ds, config, 11);
  EXPECT_EQ(again.example->y_noisy, ex.y_noisy);
  const Outcome other = make_example(ds, config, 12);
  EXPECT_NE(other.example->y_noisy, ex.y_noisy);
}

TEST(CorpusExample, NodeMasksAndDistancesFollowTheTree) {
  ExampleConfig config;
  config.label_noise = 0.0;
  auto ds = synthetic(128, 3, 2, 5, [](const std::vector<float>& x, Rng&) {
    return (x[0] <= 0.1F) == (x[2] <= -0.3F) ? 0 : 1;
  });
  const Outcome o = make_example(ds, config, 1);
  ASSERT_TRUE(o.example.has_value());
  const Example& ex = *o.example;
  EXPECT_EQ(ex.y_noisy, ex.y_clean);
  const auto masks = node_masks(ex);
  const auto dist = threshold_distances(ex, masks);
  ASSERT_EQ(masks.size(), 3U * 128U);
  const auto f = static_cast<std::size_t>(ex.target.feature[0]);
  double lower = -1e300;  // the split's lower value: the largest x <= threshold
  for (std::size_t i = 0; i < 128; ++i) {
    const double x = ex.data.x[f * 128 + i];
    if (x <= ex.target.threshold[0]) lower = std::max(lower, x);
  }
  for (std::size_t i = 0; i < 128; ++i) {
    EXPECT_EQ(masks[i], 1);
    EXPECT_EQ(masks[128 + i] + masks[256 + i], 1);  // the children partition the rows
    const double x = ex.data.x[f * 128 + i];
    EXPECT_EQ(masks[128 + i], x <= ex.target.threshold[0] ? 1 : 0);
    EXPECT_EQ(dist[i], static_cast<float>(std::abs(x - lower)));
    if (x > lower) EXPECT_GT(x, ex.target.threshold[0]);  // no row between v and the threshold
  }
}

TEST(CorpusExample, PriorDatasetsAreAcceptedOrRejectedDeterministically) {
  const prior::PriorGenerator generator(prior::preset("metatree"), 5);
  const ExampleConfig config;
  int accepted = 0;
  for (std::uint64_t id = 0; id < 60; ++id) {
    const Outcome a = make_example(generator.generate(id), config, 5);
    const Outcome b = make_example(generator.generate(id), config, 5);
    ASSERT_EQ(a.example.has_value(), b.example.has_value());
    ASSERT_EQ(a.rejection, b.rejection);
    if (a.example) {
      ++accepted;
      EXPECT_EQ(a.example->y_noisy, b.example->y_noisy);
      EXPECT_GT(a.example->tree_accuracy, 0.7);
      EXPECT_LE(a.example->balance.majority_share, 0.75);
      EXPECT_LT(a.example->balance.imbalance, 0.3);
    }
  }
  EXPECT_GT(accepted, 0);  // observed: 22 of 60 (28 majority, 10 tree accuracy)
}

TEST(CorpusExample, ConfigValidationNamesTheField) {
  const std::vector<std::pair<void (*)(ExampleConfig&), std::string>> cases = {
      {[](ExampleConfig& c) { c.depth = 0; }, "depth"},
      {[](ExampleConfig& c) { c.max_majority_share = 0; }, "max_majority_share"},
      {[](ExampleConfig& c) { c.max_imbalance = 1.5; }, "max_imbalance"},
      {[](ExampleConfig& c) { c.min_tree_accuracy = 1; }, "min_tree_accuracy"},
      {[](ExampleConfig& c) { c.min_error_reduction = -0.1; }, "min_error_reduction"},
      {[](ExampleConfig& c) { c.label_noise = -0.1; }, "label_noise"},
  };
  for (const auto& [mutate, field] : cases) {
    ExampleConfig c;
    mutate(c);
    try {
      validate(c);
      FAIL() << field;
    } catch (const InvalidInput& e) {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace scmforge::corpus
