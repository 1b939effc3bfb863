// src/tree/cart_splitter.hpp: CART split search and partitioning over per-feature sorted row lists.
//
// The rows of a training set (those with positive weight, renumbered 0..m-1 as scikit-learn
// drops zero-weight rows) are sorted once per feature at the root; NaN rows sit after the sorted
// values. A node owns the range [start, end) of every feature's list, and a split partitions the
// lists of the features still in play stably, so children stay sorted without re-sorting.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "scmforge/core/random.hpp"
#include "scmforge/tree/cart.hpp"

namespace scmforge::tree::cart {

/// One row of a feature's sorted list: the float32 value and the row id (0..m-1).
struct Entry {
  float value;
  std::int32_t id;
};

/// A validated training set: rows with positive weight renumbered 0..m-1.
struct Problem {
  const DataView* x = nullptr;
  Criterion criterion = Criterion::kGini;
  bool regression = false;
  bool unit_weights = true;         // every weight is 1 (no sample_weight, no class_weight)
  std::int32_t k = 1;               // classes (1 for regression)
  std::int32_t d = 0;               // features
  std::int64_t m = 0;               // rows with positive weight
  double weighted_n_samples = 0.0;  // total weight, zero-weight rows included (0-weights add 0)
  std::int64_t min_samples_leaf = 1;
  double min_weight_leaf = 0.0;
  std::vector<std::int32_t> row;    // m original row indices
  std::vector<std::int32_t> label;  // m classes (classification)
  std::vector<double> target;       // m targets (regression)
  std::vector<double> weight;       // m weights, empty when unit_weights

  /// Node statistics layout: class sums (k) or (sum, sum of squares), then the weight.
  [[nodiscard]] std::int32_t stats_size() const { return (regression ? 2 : k) + 1; }
};

/// The best split of a node (scikit-learn's SplitRecord).
struct SplitRecord {
  std::int32_t feature = -1;
  std::int64_t n_left_values = 0;  // non-NaN rows (the smallest values) sent left
  bool nan_left = false;           // the node's NaN rows go left (second search pass)
  bool missing_left = false;       // what the tree stores: NaN at predict time goes left
  double threshold = 0.0;
  double proxy = -std::numeric_limits<double>::infinity();
  std::int64_t n_left = 0;
  double impurity_left = 0.0;
  double impurity_right = 0.0;
  double improvement = -std::numeric_limits<double>::infinity();
};

/// Split search and partitioning for one tree at a time; buffers are reused across trees.
class Splitter {
 public:
  /// Sorts every feature's rows (throws InvalidInput on infinite feature values).
  void init(const Problem& problem);

  /// Statistics of all rows (layout: Problem::stats_size()).
  void root_stats(std::span<double> out) const;

  /// Node impurity from its statistics.
  [[nodiscard]] double node_impurity(const double* stats) const;

  /// Best split of rows [start, end) over `features` (visited in order, or a random subset of
  /// max_features when max_features < features.size()). Features found constant at this node
  /// are appended to `constant`. Returns false when no valid split exists.
  bool find_split(std::int64_t start, std::int64_t end, const double* stats, double impurity,
                  std::span<const std::int32_t> features, std::int32_t max_features, Rng& rng,
                  std::vector<std::int32_t>& constant, SplitRecord& best);

  /// Partitions rows [start, end) of `features` by `split` (left rows first, order kept) and
  /// writes the children's statistics; fills impurity_left/right and improvement of `split`.
  /// With partition == false only the statistics are computed (the children will be leaves).
  void apply_split(std::int64_t start, std::int64_t end, const double* stats, double impurity,
                   std::span<const std::int32_t> features, bool partition, SplitRecord& split,
                   std::span<double> left_stats, std::span<double> right_stats);

 private:
  void sort_feature(std::int32_t j);
  template <typename Wide>
  void scan_gini_unit(std::int32_t f, const Entry* seg, std::int64_t len, std::int64_t n_values,
                      const double* stats, SplitRecord& best1, SplitRecord& best2);
  void scan_entropy_unit(std::int32_t f, const Entry* seg, std::int64_t len, std::int64_t n_values,
                         const double* stats, SplitRecord& best1, SplitRecord& best2);
  template <bool kUnit>
  void scan_classification(std::int32_t f, const Entry* seg, std::int64_t len,
                           std::int64_t n_values, const double* stats, SplitRecord& best1,
                           SplitRecord& best2);
  template <bool kUnit>
  void scan_regression(std::int32_t f, const Entry* seg, std::int64_t len, std::int64_t n_values,
                       const double* stats, SplitRecord& best1, SplitRecord& best2);
  [[nodiscard]] double class_proxy(const double* left, const double* right, double w_left,
                                   double w_right) const;
  [[nodiscard]] double weight_of(std::int32_t id) const {
    return problem_->unit_weights ? 1.0 : problem_->weight[static_cast<std::size_t>(id)];
  }

  const Problem* problem_ = nullptr;
  std::vector<Entry> entries_;           // d lists of m entries
  std::vector<Entry> scratch_;           // m
  std::vector<std::uint64_t> keys_;      // m sort keys (value key << 32 | id)
  std::vector<std::uint64_t> keys_tmp_;  // m
  std::vector<std::int64_t> counts_;     // integer class counts, 3 blocks of k
  std::vector<double> xlogx_;            // i ln i for i = 0..m (entropy, unit weights)
  std::vector<std::uint8_t> goes_left_;  // m
  std::vector<std::int32_t> order_;      // feature visiting order
  std::vector<double> left_;             // class sums, 4 blocks of k
};

}  // namespace scmforge::tree::cart
