// src/tree/regression_tree.cpp: histogram split search and boosting for multi-output trees.
#include "scmforge/tree/regression_tree.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace scmforge::tree {
namespace {

// Per-feature bins: codes[j][i] is the bin of row i; cut[j][b] is the threshold between bin b
// and bin b + 1 (midpoint of the largest value in b and the smallest in b + 1).
struct Binned {
  std::vector<std::vector<std::uint16_t>> codes;
  std::vector<std::vector<float>> cut;
};

Binned bin_features(const Eigen::MatrixXf& x, int max_bins) {
  const Eigen::Index n = x.rows();
  Binned b;
  b.codes.resize(static_cast<std::size_t>(x.cols()));
  b.cut.resize(static_cast<std::size_t>(x.cols()));
  std::vector<float> sorted;
  for (Eigen::Index j = 0; j < x.cols(); ++j) {
    sorted.clear();
    for (Eigen::Index i = 0; i < n; ++i) {
      if (!std::isnan(x(i, j))) sorted.push_back(x(i, j));
    }
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    // Upper edges: every distinct value when few, else evenly spaced quantiles of them.
    std::vector<float> edges;
    if (static_cast<int>(sorted.size()) <= max_bins) {
      edges = sorted;
    } else {
      for (int k = 1; k <= max_bins; ++k) {
        const auto idx = static_cast<std::size_t>(
            std::ceil(static_cast<double>(k) * static_cast<double>(sorted.size()) / max_bins) - 1);
        edges.push_back(sorted[idx]);
      }
      edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
    }
    auto& cut = b.cut[static_cast<std::size_t>(j)];
    for (std::size_t k = 0; k + 1 < edges.size(); ++k) {
      // Smallest distinct value above edges[k] is the first value of the next bin.
      const auto next = std::upper_bound(sorted.begin(), sorted.end(), edges[k]);
      cut.push_back(0.5F * (edges[k] + *next));
    }
    auto& codes = b.codes[static_cast<std::size_t>(j)];
    codes.resize(static_cast<std::size_t>(n));
    for (Eigen::Index i = 0; i < n; ++i) {
      const float v = x(i, j);
      codes[static_cast<std::size_t>(i)] =
          std::isnan(v) ? 0
                        : static_cast<std::uint16_t>(std::upper_bound(cut.begin(), cut.end(), v) -
                                                     cut.begin());
    }
  }
  return b;
}

struct Builder {
  const Binned& bins;
  const Eigen::MatrixXf& residual;  // n x m
  double lambda;
  double eta;
  int max_depth;
  RegressionTree tree;

  int add_leaf(const std::vector<std::int32_t>& rows) {
    const Eigen::Index m = residual.cols();
    Eigen::VectorXd g = Eigen::VectorXd::Zero(m);
    for (std::int32_t r : rows) g += residual.row(r).transpose().cast<double>();
    const int id = static_cast<int>(tree.feature.size());
    tree.feature.push_back(-1);
    tree.threshold.push_back(0);
    tree.left.push_back(-1);
    tree.right.push_back(-1);
    tree.leaf_value.conservativeResize(m, id + 1);
    tree.leaf_value.col(id) = (eta * g / (static_cast<double>(rows.size()) + lambda)).cast<float>();
    return id;
  }

  int build(std::vector<std::int32_t>& rows, int depth) {
    const Eigen::Index m = residual.cols();
    const int node = add_leaf(rows);
    if (depth >= max_depth || rows.size() < 2) return node;
    Eigen::VectorXd total = Eigen::VectorXd::Zero(m);
    for (std::int32_t r : rows) total += residual.row(r).transpose().cast<double>();
    const double n_all = static_cast<double>(rows.size());
    const double parent_score = total.squaredNorm() / (n_all + lambda);
    double best_gain = 1e-12;
    int best_feature = -1;
    int best_bin = -1;
    Eigen::MatrixXd hist;
    std::vector<double> counts;
    for (std::size_t j = 0; j < bins.codes.size(); ++j) {
      const std::size_t n_bins = bins.cut[j].size() + 1;
      if (n_bins < 2) continue;
      hist.setZero(m, static_cast<Eigen::Index>(n_bins));
      counts.assign(n_bins, 0.0);
      const auto& codes = bins.codes[j];
      for (std::int32_t r : rows) {
        const auto c = codes[static_cast<std::size_t>(r)];
        hist.col(c) += residual.row(r).transpose().cast<double>();
        counts[c] += 1.0;
      }
      Eigen::VectorXd left = Eigen::VectorXd::Zero(m);
      double n_left = 0;
      for (std::size_t bin = 0; bin + 1 < n_bins; ++bin) {
        left += hist.col(static_cast<Eigen::Index>(bin));
        n_left += counts[bin];
        const double n_right = n_all - n_left;
        if (n_left < 1 || n_right < 1) continue;
        const double gain = left.squaredNorm() / (n_left + lambda) +
                            (total - left).squaredNorm() / (n_right + lambda) - parent_score;
        if (gain > best_gain) {
          best_gain = gain;
          best_feature = static_cast<int>(j);
          best_bin = static_cast<int>(bin);
        }
      }
    }
    if (best_feature < 0) return node;
    const auto& codes = bins.codes[static_cast<std::size_t>(best_feature)];
    std::vector<std::int32_t> left_rows, right_rows;
    for (std::int32_t r : rows) {
      (codes[static_cast<std::size_t>(r)] <= best_bin ? left_rows : right_rows).push_back(r);
    }
    rows.clear();
    rows.shrink_to_fit();
    tree.feature[static_cast<std::size_t>(node)] = best_feature;
    tree.threshold[static_cast<std::size_t>(node)] =
        bins.cut[static_cast<std::size_t>(best_feature)][static_cast<std::size_t>(best_bin)];
    const int l = build(left_rows, depth + 1);
    const int r = build(right_rows, depth + 1);
    tree.left[static_cast<std::size_t>(node)] = l;
    tree.right[static_cast<std::size_t>(node)] = r;
    return node;
  }
};

}  // namespace

void RegressionTree::predict_add(const Eigen::MatrixXf& x, Eigen::MatrixXf& out) const {
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    std::size_t node = 0;
    while (feature[node] >= 0) {
      const float v = x(i, feature[node]);
      node = static_cast<std::size_t>(!(v >= threshold[node]) ? left[node] : right[node]);
    }
    out.row(i) += leaf_value.col(static_cast<Eigen::Index>(node)).transpose();
  }
}

void BoostedRegressor::fit(const Eigen::MatrixXf& x, const Eigen::MatrixXf& targets) {
  const Binned bins = bin_features(x, options_.max_bins);
  base_score_ = targets.colwise().mean().transpose();
  Eigen::MatrixXf prediction = Eigen::MatrixXf::Zero(targets.rows(), targets.cols());
  prediction.rowwise() += base_score_.transpose();
  trees_.clear();
  for (int t = 0; t < options_.n_trees; ++t) {
    const Eigen::MatrixXf residual = targets - prediction;
    Builder builder{bins, residual, options_.lambda, options_.learning_rate, options_.max_depth,
                    {}};
    std::vector<std::int32_t> rows(static_cast<std::size_t>(x.rows()));
    std::iota(rows.begin(), rows.end(), 0);
    builder.build(rows, 0);
    builder.tree.predict_add(x, prediction);
    trees_.push_back(std::move(builder.tree));
  }
}

Eigen::MatrixXf BoostedRegressor::predict(const Eigen::MatrixXf& x) const {
  Eigen::MatrixXf out = Eigen::MatrixXf::Zero(x.rows(), base_score_.size());
  out.rowwise() += base_score_.transpose();
  for (const RegressionTree& tree : trees_) tree.predict_add(x, out);
  return out;
}

}  // namespace scmforge::tree
