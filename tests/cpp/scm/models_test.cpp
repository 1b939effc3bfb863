// tests/cpp/scm/models_test.cpp: the SCM's models: boosted trees, ridge and logistic regression.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "scmforge/core/distributions.hpp"
#include "scmforge/core/error.hpp"
#include "scmforge/core/random.hpp"
#include "scmforge/scm/boosting.hpp"
#include "scmforge/scm/linear.hpp"

namespace scmforge::scm {
namespace {

Rng test_rng(std::uint64_t child) { return Rng(1, derive_stream(streams::kTest, child)); }

TEST(ScmBoosting, OneRoundOneSplitIsANewtonStepOnAStep) {
  // x = 0..9, y = 0 below 5 and 10 from 5; lr 1, lambda 0, depth 1: exact fit, split at 4.5.
  std::vector<double> x(10), y(10);
  for (int i = 0; i < 10; ++i) {
    x[i] = i;
    y[i] = i < 5 ? 0.0 : 10.0;
  }
  BoostingOptions o;
  o.n_rounds = 1;
  o.max_depth = 1;
  o.learning_rate = 1.0;
  o.lambda = 0.0;
  o.min_leaf = 1;
  const BoostedTrees m = fit_boosted(x, 10, 1, y, BoostingLoss::kSquaredError, 0, o);
  ASSERT_EQ(m.roots.size(), 1U);
  EXPECT_EQ(m.feature[0], 0);
  EXPECT_DOUBLE_EQ(m.threshold[0], 4.5);
  for (int i = 0; i < 10; ++i) {
    double out = 0;
    m.predict_row(&x[i], &out);
    EXPECT_NEAR(out, y[i], 1e-12);
  }
  EXPECT_NO_THROW(m.validate());
}

TEST(ScmBoosting, MinLeafIsRespected) {
  std::vector<double> x(100), y(100);
  for (int i = 0; i < 100; ++i) {
    x[i] = i;
    y[i] = i == 99 ? 100.0 : 0.0;  // an outlier that a 1-row leaf would isolate
  }
  BoostingOptions o;
  o.n_rounds = 1;
  o.max_depth = 3;
  o.min_leaf = 20;
  const BoostedTrees m = fit_boosted(x, 100, 1, y, BoostingLoss::kSquaredError, 0, o);
  for (std::size_t u = 0; u < m.feature.size(); ++u) {
    if (m.feature[u] >= 0) {
      EXPECT_GE(m.threshold[u], 19.5);
      EXPECT_LE(m.threshold[u], 79.5);
    }
  }
}

TEST(ScmBoosting, RegressionRecoversASmoothFunction) {
  const int n = 2000;
  Rng rng = test_rng(1);
  std::vector<double> x(n), y(n);
  for (int i = 0; i < n; ++i) {
    x[i] = dist::uniform(rng, -3, 3);
    y[i] = std::sin(2 * x[i]) + 0.1 * dist::normal(rng);
  }
  const BoostedTrees m = fit_boosted(x, n, 1, y, BoostingLoss::kSquaredError, 0, {});
  double mse = 0;
  for (int g = 0; g < 200; ++g) {
    const double v = -2.5 + 5.0 * g / 199;
    double out = 0;
    m.predict_row(&v, &out);
    mse += (out - std::sin(2 * v)) * (out - std::sin(2 * v)) / 200;
  }
  EXPECT_LT(mse, 0.01);  // observed 0.0011
}

TEST(ScmBoosting, SoftmaxLearnsThreeClassesOnTwoFeatures) {
  const int n = 1500;
  Rng rng = test_rng(2);
  std::vector<double> x(2 * n), y(n);
  for (int i = 0; i < n; ++i) {
    x[i] = dist::uniform(rng, -1, 1);
    x[n + i] = dist::uniform(rng, -1, 1);
    y[i] = x[i] < -0.3 ? 0 : (x[n + i] < 0 ? 1 : 2);
  }
  const BoostedTrees m = fit_boosted(x, n, 2, y, BoostingLoss::kSoftmax, 3, {});
  ASSERT_EQ(m.n_outputs, 3);
  EXPECT_EQ(m.roots.size(), 300U);
  int right = 0;
  for (int i = 0; i < n; ++i) {
    const double row[2] = {x[i], x[n + i]};
    double out[3];
    m.predict_row(row, out);
    const int best = static_cast<int>(std::max_element(out, out + 3) - out);
    right += best == static_cast<int>(y[i]) ? 1 : 0;
  }
  EXPECT_GT(right, n * 99 / 100);  // observed 1500 / 1500
}

TEST(ScmBoosting, CompiledTreesPredictLikeTheTrees) {
  // Trees of uneven depth (min_leaf stops some branches early), softmax with 3 outputs, and a
  // duplicated feature value grid so that rows fall exactly on thresholds.
  const int n = 600;
  Rng rng = test_rng(5);
  std::vector<double> x(3 * n), y(n);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < 3; ++j) x[j * n + i] = std::round(dist::normal(rng) * 8) / 8;
    y[i] = x[i] + x[n + i] > 0.5 ? 2 : (x[2 * n + i] > 0 ? 1 : 0);
  }
  BoostingOptions o;
  o.n_rounds = 20;
  o.max_depth = 4;
  o.min_leaf = 40;
  const BoostedTrees m = fit_boosted(x, n, 3, y, BoostingLoss::kSoftmax, 3, o);
  // Thresholds are midpoints; rows on a threshold test x >= threshold exactly.
  std::vector<double> rows = x;
  for (int i = 0; i < 40; ++i) rows[i] = m.threshold[static_cast<std::size_t>(i)];
  std::vector<double> truth(static_cast<std::size_t>(n) * 3);
  for (int i = 0; i < n; ++i) {
    const double row[3] = {rows[i], rows[n + i], rows[2 * n + i]};
    m.predict_row(row, truth.data() + static_cast<std::ptrdiff_t>(i) * 3);
  }
  struct Case {
    std::int64_t table, total;
    bool tables, walks;
  };
  // Everything walked (bitwise equal), one table per round or more, and a mix of both.
  for (const Case& c : {Case{0, 0, false, true}, Case{kMaxTableCells, kMaxTotalCells, true, false},
                        Case{300, 1500, true, true}}) {
    const CompiledTrees f = compile(m, c.table, c.total);
    bool tables = false, walks = false;
    for (const auto& s : f.segments) (s.cells.empty() ? walks : tables) = true;
    EXPECT_EQ(tables, c.tables) << c.table;
    EXPECT_EQ(walks, c.walks) << c.table;
    EXPECT_LE(f.table_cells(), c.total);
    EXPECT_EQ(f.segments.back().last_tree, static_cast<std::int64_t>(m.roots.size()));
    std::vector<double> block(static_cast<std::size_t>(n) * 3);
    f.predict_block(rows.data(), n, n, block.data());
    for (std::size_t i = 0; i < block.size(); ++i) {
      if (c.tables) {
        ASSERT_NEAR(block[i], truth[i], 1e-12) << i;  // leaves summed in another grouping
      } else {
        ASSERT_EQ(block[i], truth[i]) << i;
      }
    }
  }
}

TEST(ScmBoosting, ValidateRejectsBrokenTrees) {
  std::vector<double> x = {0, 1, 2, 3}, y = {0, 0, 1, 1};
  BoostingOptions o;
  o.min_leaf = 1;
  BoostedTrees m = fit_boosted(x, 4, 1, y, BoostingLoss::kSquaredError, 0, o);
  m.left[0] = 1000;
  EXPECT_THROW(m.validate(), InvalidInput);
  BoostedTrees m2 = fit_boosted(x, 4, 1, y, BoostingLoss::kSquaredError, 0, o);
  m2.feature[0] = 5;
  EXPECT_THROW(m2.validate(), InvalidInput);
}

TEST(ScmLinear, RidgeRecoversCoefficientsOnRawScale) {
  const int n = 3000;
  Rng rng = test_rng(3);
  std::vector<double> x(2 * n), y(n);
  for (int i = 0; i < n; ++i) {
    x[i] = 10 + 5 * dist::normal(rng);
    x[n + i] = dist::normal(rng);
    y[i] = 1.0 + 2.0 * x[i] - 3.0 * x[n + i] + 0.5 * dist::normal(rng);
  }
  const LinearModel m = fit_ridge(x, n, 2, y, 1.0);
  EXPECT_NEAR(m.weights[0], 2.0, 0.01);   // observed 2.0023
  EXPECT_NEAR(m.weights[1], -3.0, 0.03);  // observed -2.9913
  EXPECT_NEAR(m.intercept[0], 1.0, 0.1);  // observed 0.973
  const double row[2] = {10, 1};
  double out = 0;
  m.predict_row(row, &out);
  EXPECT_NEAR(out, m.intercept[0] + 10 * m.weights[0] + m.weights[1], 1e-12);
}

TEST(ScmLinear, RidgeHandlesCollinearOneHotBlocks) {
  // Two one-hot columns that always sum to 1 (plus the intercept): singular without ridge.
  std::vector<double> x = {1, 0, 1, 0, 0, 1, 0, 1}, y = {1, 3, 1, 3};
  const LinearModel m = fit_ridge(x, 4, 2, y, 0.0);
  double out = 0;
  const double row0[2] = {1, 0}, row1[2] = {0, 1};
  m.predict_row(row0, &out);
  EXPECT_NEAR(out, 1.0, 1e-6);
  m.predict_row(row1, &out);
  EXPECT_NEAR(out, 3.0, 1e-6);
}

TEST(ScmLinear, LogisticRecoversMultinomialProbabilities) {
  // p(y = c | x) proportional to exp(b_c * x), b = (0, 1.5, -1.5).
  const int n = 6000;
  Rng rng = test_rng(4);
  std::vector<double> x(n), y(n);
  const double b[3] = {0, 1.5, -1.5};
  for (int i = 0; i < n; ++i) {
    x[i] = dist::normal(rng);
    double w[3];
    for (int c = 0; c < 3; ++c) w[c] = std::exp(b[c] * x[i]);
    y[i] = static_cast<double>(dist::categorical(rng, w));
  }
  const LinearModel m = fit_logistic(x, n, 1, y, 3, 1.0);
  for (double v : {-1.0, 0.0, 1.0}) {
    double z[3];
    m.predict_row(&v, z);
    double total = 0, truth_total = 0;
    for (int c = 0; c < 3; ++c) {
      total += std::exp(z[c]);
      truth_total += std::exp(b[c] * v);
    }
    for (int c = 0; c < 3; ++c) {
      EXPECT_NEAR(std::exp(z[c]) / total, std::exp(b[c] * v) / truth_total, 0.03);  // obs <= 0.019
    }
  }
}

}  // namespace
}  // namespace scmforge::scm
