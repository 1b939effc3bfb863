// scmforge/tree/regression_tree.hpp: histogram-based multi-output regression trees and boosting.
//
// Used by the TabICL tree-SCM prior, which fits small gradient-boosted ensembles to random
// targets (TabICL uses XGBoost with tree_method="hist", multi_strategy="multi_output_tree").
// This is our own implementation of that model class with XGBoost's default settings for
// squared error: base score = per-output mean of the targets, learning rate 0.3, L2 leaf
// regularisation lambda = 1, at most 256 quantile bins per feature, at least one row per child.
// One tree predicts a vector (all outputs) per leaf; a split maximises
//   sum_outputs [ G_L^2 / (n_L + lambda) + G_R^2 / (n_R + lambda) - G^2 / (n + lambda) ]
// where G are residual sums, and a leaf stores eta * G / (n + lambda).
// Rows go left when x < threshold (thresholds are midpoints between adjacent bin values); NaN
// goes left.
//
// Shapes: x is n x d, column-major float32; targets and predictions are n x m.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

namespace scmforge::tree {

/// A fitted multi-output regression tree stored as flat arrays (node 0 is the root).
struct RegressionTree {
  std::vector<std::int32_t> feature;  // split feature, -1 for a leaf
  std::vector<float> threshold;       // go left when x < threshold
  std::vector<std::int32_t> left, right;
  Eigen::MatrixXf leaf_value;  // m x nodes (only leaf columns are meaningful)

  /// Adds the tree's prediction for every row of x to out (n x m).
  void predict_add(const Eigen::MatrixXf& x, Eigen::MatrixXf& out) const;
};

/// Gradient-boosted multi-output regression trees for squared error.
class BoostedRegressor {
 public:
  struct Options {
    int n_trees = 1;
    int max_depth = 3;
    double learning_rate = 0.3;
    double lambda = 1.0;
    int max_bins = 256;
  };

  explicit BoostedRegressor(Options options) : options_(options) {}

  /// Fits on x (n x d) and targets (n x m).
  void fit(const Eigen::MatrixXf& x, const Eigen::MatrixXf& targets);

  /// Predictions for x (n x d): n x m.
  [[nodiscard]] Eigen::MatrixXf predict(const Eigen::MatrixXf& x) const;

  [[nodiscard]] const std::vector<RegressionTree>& trees() const { return trees_; }

 private:
  Options options_;
  Eigen::VectorXf base_score_;
  std::vector<RegressionTree> trees_;
};

}  // namespace scmforge::tree
