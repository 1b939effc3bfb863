// tests/cpp/tree/regression_tree_test.cpp: histogram multi-output regression trees and boosting.
#include "scmforge/tree/regression_tree.hpp"

#include <gtest/gtest.h>

namespace scmforge::tree {
namespace {

TEST(BoostedRegressor, OneTreeSplitsAStepAtTheMidpoint) {
  // x = 0..9, y = 0 below 5 and 10 from 5: the root splits at 4.5.
  Eigen::MatrixXf x(10, 1), y(10, 1);
  for (int i = 0; i < 10; ++i) {
    x(i, 0) = static_cast<float>(i);
    y(i, 0) = i < 5 ? 0.0F : 10.0F;
  }
  BoostedRegressor model(BoostedRegressor::Options{1, 1, 1.0, 0.0, 256});
  model.fit(x, y);
  ASSERT_EQ(model.trees().size(), 1U);
  const RegressionTree& t = model.trees()[0];
  EXPECT_EQ(t.feature[0], 0);
  EXPECT_FLOAT_EQ(t.threshold[0], 4.5F);
  // eta = 1, lambda = 0: leaves reproduce the step exactly.
  const Eigen::MatrixXf p = model.predict(x);
  for (int i = 0; i < 10; ++i) EXPECT_NEAR(p(i, 0), y(i, 0), 1e-5);
}

TEST(BoostedRegressor, LeafValuesAreShrunkByEtaAndLambda) {
  Eigen::MatrixXf x(4, 1), y(4, 1);
  x << 0, 1, 2, 3;
  y << -1, -1, 1, 1;
  BoostedRegressor model(BoostedRegressor::Options{1, 1, 0.3, 1.0, 256});
  model.fit(x, y);
  // base score 0; leaf = 0.3 * sum(residual) / (n + 1) = 0.3 * 2 / 3 = 0.2.
  const Eigen::MatrixXf p = model.predict(x);
  EXPECT_NEAR(p(3, 0), 0.2, 1e-6);
  EXPECT_NEAR(p(0, 0), -0.2, 1e-6);
}

TEST(BoostedRegressor, MultiOutputSplitUsesTheSumOfGains) {
  // Feature 0 separates output 0, feature 1 separates output 1 more strongly: the root picks 1.
  Eigen::MatrixXf x(8, 2), y(8, 2);
  for (int i = 0; i < 8; ++i) {
    x(i, 0) = static_cast<float>(i % 2);
    x(i, 1) = static_cast<float>(i / 4);
    y(i, 0) = i % 2 == 0 ? -1.0F : 1.0F;
    y(i, 1) = i / 4 == 0 ? -5.0F : 5.0F;
  }
  BoostedRegressor model(BoostedRegressor::Options{1, 1, 1.0, 0.0, 256});
  model.fit(x, y);
  EXPECT_EQ(model.trees()[0].feature[0], 1);
}

TEST(BoostedRegressor, MoreTreesReduceTrainingError) {
  Eigen::MatrixXf x(64, 1), y(64, 1);
  for (int i = 0; i < 64; ++i) {
    x(i, 0) = static_cast<float>(i);
    y(i, 0) = static_cast<float>((i * 37) % 11);
  }
  auto error = [&](int trees) {
    BoostedRegressor m(BoostedRegressor::Options{trees, 3, 0.3, 1.0, 256});
    m.fit(x, y);
    return (m.predict(x) - y).squaredNorm();
  };
  EXPECT_LT(error(4), error(1));
}

TEST(BoostedRegressor, ConstantFeatureGivesASingleLeaf) {
  Eigen::MatrixXf x = Eigen::MatrixXf::Ones(5, 1), y(5, 1);
  y << 1, 2, 3, 4, 5;
  BoostedRegressor model(BoostedRegressor::Options{2, 3, 0.3, 1.0, 256});
  model.fit(x, y);
  for (const auto& t : model.trees()) EXPECT_EQ(t.feature.size(), 1U);
}

}  // namespace
}  // namespace scmforge::tree
