// scmforge/scm/boosting.hpp: histogram gradient-boosted trees (squared error and softmax) for SCM
// mechanisms.
//
// The SCM's tree mechanisms need what tree/regression_tree.hpp (the prior's XGBoost-style
// multi-output booster) does not give: second-order (Newton) leaves for the softmax loss, a
// minimum leaf size, float64 thresholds on raw values, per-row prediction without an Eigen
// matrix, and flat arrays that can be saved. This is a separate, small model class in the
// style of scikit-learn's HistGradientBoostingRegressor / Classifier (what DoWhy gcm's GOOD
// preset uses), grown depth-wise instead of leaf-wise:
//
//   * features are binned once into at most `max_bins` (<= 255) quantile bins; a split sends a
//     row left when x < threshold, thresholds being midpoints between adjacent bin values;
//     NaN goes left (the SCM never passes NaN: missing values are an error or imputed first);
//   * every round fits one tree per output to the gradients g and hessians h of the loss at the
//     current raw scores: squared error (g = F - y, h = 1, one output) or softmax cross-entropy
//     over k classes (g = p_c - [y = c], h = p_c (1 - p_c), k outputs);
//   * a split maximises G_L^2 / (H_L + lambda) + G_R^2 / (H_R + lambda) - G^2 / (H + lambda)
//     subject to >= min_leaf rows per child; a leaf stores -learning_rate * G / (H + lambda);
//   * raw scores start at the mean of y (squared error) or at log of the class shares (softmax).
//
// Fitting is single-threaded and deterministic (no row or feature subsampling): the same input
// gives the same trees on every machine.
//
// Short names: n = rows, p = features, k = outputs (1 for regression, classes for softmax).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace scmforge::scm {

/// Loss of a booster.
enum class BoostingLoss : std::uint8_t { kSquaredError = 0, kSoftmax = 1 };

/// Settings of a booster. The defaults follow scikit-learn's HistGradientBoosting* defaults
/// (100 rounds, learning rate 0.1, 20 rows per leaf, 255 bins) with depth 5 (at most 32 leaves,
/// where scikit-learn grows up to 31 leaves best-first) and L2 leaf regularisation 1.
struct BoostingOptions {
  std::int32_t n_rounds = 100;  // boosting rounds (trees per output)
  std::int32_t max_depth = 5;   // depth of each tree (root = depth 0)
  double learning_rate = 0.1;   // shrinkage of every leaf value
  double lambda = 1.0;          // L2 regularisation of leaf values
  std::int64_t min_leaf = 20;   // rows per leaf, at least (clamped to >= 1)
  std::int32_t max_bins = 255;  // quantile bins per feature, 2..255
};

/// A fitted booster: trees stored as flat arrays, tree t adding to output t % k.
struct BoostedTrees {
  BoostingLoss loss = BoostingLoss::kSquaredError;
  std::int32_t n_features = 0;        // p
  std::int32_t n_outputs = 1;         // k
  std::vector<double> base_score;     // k initial raw scores
  std::vector<std::int64_t> roots;    // node index of each tree's root, trees in fitting order
  std::vector<std::int32_t> feature;  // split feature per node, -1 for a leaf
  std::vector<double> threshold;      // go left when x < threshold (NaN goes left)
  std::vector<std::int32_t> left;     // left child (node index), -1 for a leaf
  std::vector<std::int32_t> right;    // right child (node index), -1 for a leaf
  std::vector<double> value;          // leaf value (0 for split nodes)

  /// Writes the k raw scores of one row into `out` (base score plus every tree's leaf).
  /// `x_row` holds the row's p features (contiguous); `out` has k entries.
  void predict_row(const double* x_row, double* out) const noexcept;

  /// Throws InvalidInput when the arrays are inconsistent (sizes, child indices out of range or
  /// not after their parent, feature index >= p): used after loading a file.
  void validate() const;
};

/// The same ensemble stored as complete binary trees of one depth D (the deepest tree's), for
/// branch-free walks over row blocks. A leaf above depth D is pushed down: every node below it
/// splits on feature 0 and both sides reach its value.
struct FlatTrees {
  std::int32_t depth = 0;             // D
  std::int32_t n_outputs = 1;         // k
  std::vector<std::int32_t> feature;  // trees x (2^D - 1) split features, heap order per tree
  std::vector<double> threshold;      // trees x (2^D - 1); go right when x >= threshold
  std::vector<double> leaf;           // trees x 2^D leaf values

  /// Adds the leaves of trees [first, last) to the raw scores of `rows` rows, tree by tree (tree
  /// t to output t % k): x is a column-major block (feature j of row r at x[j * stride + r],
  /// stride >= rows); out is rows x k, row-major (out[r * k + c]).
  void add_block(const double* x, std::int64_t rows, std::int64_t stride, std::int64_t first,
                 std::int64_t last, double* out) const noexcept;
};

/// `trees` as FlatTrees; `trees` must be valid (BoostedTrees::validate).
FlatTrees flatten(const BoostedTrees& trees);

/// The ensemble compiled for sampling, where every row walks every tree. Between two adjacent
/// thresholds of every feature the whole ensemble is constant, so a run of boosting rounds
/// whose trees split on few distinct thresholds is one lookup table: a row's cell is given by
/// its rank among each feature's thresholds, and the cell holds the sum of those trees'
/// leaves. Rounds are cut greedily, in order, into such tables (at most `max_table_cells`
/// cells x k values each, `max_total_cells` in all); a round that fits in no table is walked.
/// A table's cell holds its trees' leaves summed in order from 0, so a prediction is the base
/// score plus each segment's sum: it can differ from BoostedTrees::predict_row (leaves added
/// one by one) in the last bits, and is the same on every machine and thread count.
struct CompiledTrees {
  /// Trees [first_tree, last_tree) (whole rounds): a table, or walked when `cells` is empty.
  struct Segment {
    std::int64_t first_tree = 0;
    std::int64_t last_tree = 0;
    std::vector<std::int32_t> features;              // the features the trees split on
    std::vector<std::vector<std::int32_t>> offsets;  // per listed feature: cell offset by rank
    std::vector<double> cells;                       // cells x k sums, row-major
  };
  std::int32_t n_outputs = 1;             // k
  std::vector<double> base_score;         // k
  std::vector<std::vector<double>> cuts;  // per feature: its distinct thresholds, ascending
  std::vector<std::int32_t> ranked;       // features some table reads, ascending
  std::vector<Segment> segments;          // in tree order, covering every tree
  FlatTrees flat;                         // every tree, for the walked segments

  /// Raw scores of `rows` rows, x and out laid out as in FlatTrees::add_block.
  void predict_block(const double* x, std::int64_t rows, std::int64_t stride, double* out) const;
  /// Cells in all tables (each holding k values).
  [[nodiscard]] std::int64_t table_cells() const noexcept;
};

/// Default table sizes of `compile`: 32,768 cells (256 KiB at k = 1, within a core's L2 cache)
/// per table and 2^20 in all (8 MiB at k = 1).
inline constexpr std::int64_t kMaxTableCells = std::int64_t{1} << 15;
inline constexpr std::int64_t kMaxTotalCells = std::int64_t{1} << 20;

/// `trees` compiled; `trees` must be valid (BoostedTrees::validate). Cell counts include the
/// factor k.
CompiledTrees compile(const BoostedTrees& trees, std::int64_t max_table_cells = kMaxTableCells,
                      std::int64_t max_total_cells = kMaxTotalCells);

/// Fits a booster on x (n x p, column-major: feature j at x[j * n, (j + 1) * n)) and targets y
/// (n values: real targets for kSquaredError, class codes 0..k-1 stored as doubles for
/// kSoftmax). `n_classes` is k for kSoftmax (>= 2) and ignored otherwise. x and y must be
/// finite; n >= 1.
BoostedTrees fit_boosted(std::span<const double> x, std::int64_t n, std::int32_t p,
                         std::span<const double> y, BoostingLoss loss, std::int32_t n_classes,
                         const BoostingOptions& options);

}  // namespace scmforge::scm
