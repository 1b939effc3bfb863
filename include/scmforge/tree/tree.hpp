// scmforge/tree/tree.hpp: the fitted decision tree (flat arrays), prediction and exports.
//
// Short names: n = rows, d = features, k = classes (1 for regression), m = nodes.
//
// Every builder (CART in cart.hpp, the optimal solver in optimal.hpp) returns a `Tree`. Storage
// follows scikit-learn's `sklearn.tree._tree.Tree`: node 0 is the root, nodes are numbered in the
// order the builder created them (depth first for CART), and a leaf has feature == -1 and
// left == right == -1.
//
// Split semantics (shared by predict, the exports and every builder):
//   - kind == kThreshold: a row goes left when x[feature] <= threshold (scikit-learn's rule).
//     Features are float32 (as scikit-learn casts them); thresholds are float64 midpoints.
//   - kind == kCategory: a row goes left when x[feature] == threshold (one level of a
//     categorical column against the rest; used by the optimal solver on categorical columns).
//   - a missing value (NaN) goes left when missing_left[node] != 0, else right.
//
// value holds k numbers per node (row-major, m x k): for classification the weighted class
// counts of the training rows that reached the node (scikit-learn >= 1.4 stores fractions; we
// keep counts and normalise on demand), for regression (k == 1) the weighted mean target.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "scmforge/core/table.hpp"

namespace scmforge::tree {

enum class SplitKind : std::uint8_t { kThreshold = 0, kCategory = 1 };

enum class TreeTask : std::uint8_t { kClassification = 0, kRegression = 1 };

/// Read-only view of a training or prediction set. x is column-major float32: column j holds
/// x[j * n, (j + 1) * n). NaN marks a missing value.
struct DataView {
  std::int64_t n = 0;
  std::int64_t d = 0;
  const float* x = nullptr;
  /// Levels per column (0 = numeric); empty means every column is numeric.
  std::span<const std::int32_t> categorical;

  [[nodiscard]] const float* column(std::int64_t j) const { return x + j * n; }
};

/// Labels and weights of one training set. For classification y holds k classes 0..k-1 (a class
/// may be absent from y: its counts are then 0); for regression `target` holds n values.
/// sample_weight (n values >= 0) and class_weight (k values > 0) are optional (empty = 1); the
/// weight of row i is sample_weight[i] * class_weight[y[i]], as in scikit-learn.
struct TrainingSet {
  DataView x;
  std::span<const std::int32_t> y;
  std::int32_t k = 0;
  std::span<const double> target;
  std::span<const double> sample_weight;
  std::span<const double> class_weight;
};

/// A fitted tree as flat arrays with one entry per node (m nodes).
struct Tree {
  TreeTask task = TreeTask::kClassification;
  std::int32_t n_features = 0;  // d seen at fit time
  std::int32_t n_outputs = 1;   // k: classes (classification) or 1 (regression)
  /// d column descriptions (name, kind, level labels) kept for exports and for re-encoding
  /// categorical columns at predict time, or empty when unknown.
  std::vector<ColumnInfo> features;
  std::vector<std::string> class_names;  // k labels (classification), or empty

  std::vector<std::int32_t> feature;  // split feature, -1 for a leaf
  std::vector<double> threshold;      // split value (see the split semantics above)
  std::vector<SplitKind> kind;
  std::vector<std::uint8_t> missing_left;  // 1: NaN goes left
  std::vector<std::int32_t> left;          // child ids, -1 for a leaf
  std::vector<std::int32_t> right;
  std::vector<double> value;  // m x k row-major (see above)
  std::vector<double> impurity;
  std::vector<std::int64_t> n_node_samples;
  std::vector<double> weighted_n_node_samples;

  [[nodiscard]] std::int32_t node_count() const {
    return static_cast<std::int32_t>(feature.size());
  }
  [[nodiscard]] bool is_leaf(std::int32_t node) const { return feature[node] < 0; }
  /// Depth of the deepest leaf (a single leaf has depth 0).
  [[nodiscard]] std::int32_t depth() const;
  [[nodiscard]] std::int32_t leaf_count() const;

  /// Appends a node and returns its id; children are set later with set_children().
  std::int32_t add_node(std::span<const double> node_value, double node_impurity,
                        std::int64_t samples, double weighted_samples);
  /// Turns leaf `node` into a split; the children must already exist.
  void set_split(std::int32_t node, std::int32_t split_feature, double split_threshold,
                 SplitKind split_kind, bool nan_left, std::int32_t left_child,
                 std::int32_t right_child);

  /// Checks the structural invariants (ids in range, every non-root node has one parent, no
  /// cycles, array sizes agree); throws InvalidInput naming the first violation. from_json calls
  /// it.
  void validate() const;

  /// The leaf each row of x reaches: out has x.n entries.
  void apply(const DataView& x, std::span<std::int32_t> out) const;
  /// Class probabilities (classification: out is n x k row-major, the normalised leaf counts) or
  /// predictions (regression: out is n x 1).
  void predict_values(const DataView& x, std::span<double> out) const;
  /// Predicted class per row: argmax of the leaf counts, lowest index on ties (scikit-learn's).
  void predict_class(const DataView& x, std::span<std::int32_t> out) const;
};

/// Complete breadth-first view of the top `depth` levels, the layout of MetaTree targets:
/// internal slot i (0 <= i < 2^depth - 1) has children 2i+1 and 2i+2; leaf slot j (0 <= j <
/// 2^depth) is breadth-first slot 2^depth - 1 + j. Where the tree has a leaf above the last
/// level, the internal slots below it get feature -1 and its class counts go to its leftmost leaf
/// slot (the other leaf slots below it hold zeros), so the leaf counts still sum to the root's.
struct CompleteTree {
  std::int32_t depth = 0;
  std::vector<std::int32_t> feature;  // 2^depth - 1 internal slots, -1 where no split
  std::vector<double> threshold;      // 2^depth - 1 (0 where no split)
  std::vector<double> leaf_value;     // 2^depth x k row-major: class counts per leaf slot
};

/// The complete view of `tree` (whose depth must be <= depth; throws InvalidInput otherwise).
CompleteTree complete_view(const Tree& tree, std::int32_t depth);

/// JSON export (schema in docs/trees.md); from_json(to_json(t)) reproduces t exactly (doubles
/// are written with 17 significant digits). from_json rejects malformed or inconsistent input
/// with InvalidInput naming the field.
std::string to_json(const Tree& tree);
Tree from_json(const std::string& text);
/// Graphviz DOT: one box per node with its split or class counts.
std::string to_dot(const Tree& tree);
/// Indented text in the style of sklearn.tree.export_text ("|--- x3 <= 0.50").
std::string to_text(const Tree& tree, int decimals = 2);

}  // namespace scmforge::tree
