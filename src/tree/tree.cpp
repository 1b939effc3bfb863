// src/tree/tree.cpp: Tree storage, structural checks and prediction.
#include "scmforge/tree/tree.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "scmforge/core/error.hpp"

namespace scmforge::tree {

std::int32_t Tree::add_node(std::span<const double> node_value, double node_impurity,
                            std::int64_t samples, double weighted_samples) {
  SCMFORGE_CHECK(node_value.size() == static_cast<std::size_t>(n_outputs), Internal,
                 "node value has {} entries, the tree has {} outputs", node_value.size(),
                 n_outputs);
  const auto id = node_count();
  feature.push_back(-1);
  threshold.push_back(0.0);
  kind.push_back(SplitKind::kThreshold);
  missing_left.push_back(0);
  left.push_back(-1);
  right.push_back(-1);
  value.insert(value.end(), node_value.begin(), node_value.end());
  impurity.push_back(node_impurity);
  n_node_samples.push_back(samples);
  weighted_n_node_samples.push_back(weighted_samples);
  return id;
}

void Tree::set_split(std::int32_t node, std::int32_t split_feature, double split_threshold,
                     SplitKind split_kind, bool nan_left, std::int32_t left_child,
                     std::int32_t right_child) {
  SCMFORGE_CHECK(node >= 0 && node < node_count() && left_child > 0 && left_child < node_count() &&
                     right_child > 0 && right_child < node_count(),
                 Internal, "set_split: node {} children {} {} out of range [0, {})", node,
                 left_child, right_child, node_count());
  feature[node] = split_feature;
  threshold[node] = split_threshold;
  kind[node] = split_kind;
  missing_left[node] = nan_left ? 1 : 0;
  left[node] = left_child;
  right[node] = right_child;
}

std::int32_t Tree::depth() const {
  if (feature.empty()) {
    return 0;
  }
  std::int32_t best = 0;
  std::vector<std::pair<std::int32_t, std::int32_t>> stack{{0, 0}};
  while (!stack.empty()) {
    const auto [node, level] = stack.back();
    stack.pop_back();
    best = std::max(best, level);
    if (!is_leaf(node)) {
      stack.emplace_back(left[node], level + 1);
      stack.emplace_back(right[node], level + 1);
    }
  }
  return best;
}

std::int32_t Tree::leaf_count() const {
  return static_cast<std::int32_t>(std::count(feature.begin(), feature.end(), -1));
}

void Tree::validate() const {
  const auto m = static_cast<std::size_t>(node_count());
  SCMFORGE_CHECK(m > 0, InvalidInput, "tree has no nodes");
  SCMFORGE_CHECK(n_features > 0, InvalidInput, "tree: n_features must be > 0, got {}", n_features);
  SCMFORGE_CHECK(n_outputs > 0, InvalidInput, "tree: n_outputs must be > 0, got {}", n_outputs);
  SCMFORGE_CHECK(threshold.size() == m && kind.size() == m && missing_left.size() == m &&
                     left.size() == m && right.size() == m && impurity.size() == m &&
                     n_node_samples.size() == m && weighted_n_node_samples.size() == m &&
                     value.size() == m * static_cast<std::size_t>(n_outputs),
                 InvalidInput, "tree: per-node arrays disagree in length (feature has {})", m);
  SCMFORGE_CHECK(features.empty() || features.size() == static_cast<std::size_t>(n_features),
                 InvalidInput, "tree: {} feature descriptions for {} features", features.size(),
                 n_features);
  SCMFORGE_CHECK(task != TreeTask::kClassification || class_names.empty() ||
                     class_names.size() == static_cast<std::size_t>(n_outputs),
                 InvalidInput, "tree: {} class names for {} classes", class_names.size(),
                 n_outputs);
  std::vector<int> parents(m, 0);
  for (std::size_t i = 0; i < m; ++i) {
    if (feature[i] < 0) {
      SCMFORGE_CHECK(feature[i] == -1 && left[i] == -1 && right[i] == -1, InvalidInput,
                     "tree: leaf node {} must have feature -1 and children -1", i);
      continue;
    }
    SCMFORGE_CHECK(feature[i] < n_features, InvalidInput,
                   "tree: node {} splits on feature {} but the tree has {} features", i, feature[i],
                   n_features);
    SCMFORGE_CHECK(left[i] > 0 && static_cast<std::size_t>(left[i]) < m && right[i] > 0 &&
                       static_cast<std::size_t>(right[i]) < m && left[i] != right[i],
                   InvalidInput, "tree: node {} has children {} and {} (nodes 1..{} allowed)", i,
                   left[i], right[i], m - 1);
    SCMFORGE_CHECK(std::isfinite(threshold[i]) || std::isinf(threshold[i]), InvalidInput,
                   "tree: node {} has a NaN threshold", i);
    ++parents[static_cast<std::size_t>(left[i])];
    ++parents[static_cast<std::size_t>(right[i])];
  }
  for (std::size_t i = 1; i < m; ++i) {
    SCMFORGE_CHECK(parents[i] == 1, InvalidInput, "tree: node {} has {} parents (must have 1)", i,
                   parents[i]);
  }
  // Every non-root node has exactly one parent and the root none, so the graph is a forest;
  // it is one tree iff every node is reachable from the root.
  std::vector<std::int32_t> stack{0};
  std::size_t reached = 0;
  while (!stack.empty()) {
    const auto node = stack.back();
    stack.pop_back();
    ++reached;
    if (!is_leaf(node)) {
      stack.push_back(left[node]);
      stack.push_back(right[node]);
    }
    SCMFORGE_CHECK(reached <= m, InvalidInput, "tree: the node links contain a cycle");
  }
  SCMFORGE_CHECK(reached == m, InvalidInput, "tree: {} of {} nodes are unreachable from the root",
                 m - reached, m);
}

namespace {

void check_view(const Tree& tree, const DataView& x, std::size_t out_size, std::size_t per_row) {
  SCMFORGE_CHECK(x.d == tree.n_features, InvalidInput,
                 "the data has {} features but the tree was fitted on {}", x.d, tree.n_features);
  SCMFORGE_CHECK(out_size == static_cast<std::size_t>(x.n) * per_row, Internal,
                 "output has {} entries, expected {}", out_size,
                 static_cast<std::size_t>(x.n) * per_row);
  SCMFORGE_CHECK(tree.node_count() > 0, InvalidInput, "the tree has no nodes (not fitted?)");
}

}  // namespace

void Tree::apply(const DataView& x, std::span<std::int32_t> out) const {
  check_view(*this, x, out.size(), 1);
  for (std::int64_t i = 0; i < x.n; ++i) {
    std::int32_t node = 0;
    while (feature[node] >= 0) {
      const float v = x.x[feature[node] * x.n + i];
      bool go_left;
      if (std::isnan(v)) {
        go_left = missing_left[node] != 0;
      } else if (kind[node] == SplitKind::kThreshold) {
        go_left = static_cast<double>(v) <= threshold[node];
      } else {
        go_left = static_cast<double>(v) == threshold[node];
      }
      node = go_left ? left[node] : right[node];
    }
    out[static_cast<std::size_t>(i)] = node;
  }
}

void Tree::predict_values(const DataView& x, std::span<double> out) const {
  const auto k = static_cast<std::size_t>(n_outputs);
  check_view(*this, x, out.size(), k);
  std::vector<std::int32_t> leaves(static_cast<std::size_t>(x.n));
  apply(x, leaves);
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    const double* v = value.data() + static_cast<std::size_t>(leaves[i]) * k;
    double* o = out.data() + i * k;
    if (task == TreeTask::kRegression) {
      o[0] = v[0];
      continue;
    }
    double total = 0.0;
    for (std::size_t c = 0; c < k; ++c) {
      total += v[c];
    }
    for (std::size_t c = 0; c < k; ++c) {
      o[c] = total > 0.0 ? v[c] / total : 1.0 / static_cast<double>(k);
    }
  }
}

void Tree::predict_class(const DataView& x, std::span<std::int32_t> out) const {
  SCMFORGE_CHECK(task == TreeTask::kClassification, InvalidInput,
                 "predict_class needs a classification tree; this one is a regression tree");
  std::vector<std::int32_t> leaves(static_cast<std::size_t>(x.n));
  apply(x, leaves);
  const auto k = static_cast<std::size_t>(n_outputs);
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    const double* v = value.data() + static_cast<std::size_t>(leaves[i]) * k;
    out[i] = static_cast<std::int32_t>(std::max_element(v, v + k) - v);
  }
}

CompleteTree complete_view(const Tree& tree, std::int32_t depth) {
  SCMFORGE_CHECK(depth >= 1 && depth <= 20, InvalidInput,
                 "complete_view: depth must be in [1, 20], got {}", depth);
  SCMFORGE_CHECK(tree.depth() <= depth, InvalidInput, "complete_view: the tree has depth {} > {}",
                 tree.depth(), depth);
  SCMFORGE_CHECK(tree.task == TreeTask::kClassification, InvalidInput,
                 "complete_view needs a classification tree");
  const auto internal = (std::size_t{1} << depth) - 1;
  const auto k = static_cast<std::size_t>(tree.n_outputs);
  CompleteTree view;
  view.depth = depth;
  view.feature.assign(internal, -1);
  view.threshold.assign(internal, 0.0);
  view.leaf_value.assign((internal + 1) * k, 0.0);
  // (tree node, breadth-first slot)
  std::vector<std::pair<std::int32_t, std::size_t>> stack{{0, 0}};
  while (!stack.empty()) {
    const std::int32_t node = stack.back().first;
    std::size_t slot = stack.back().second;
    stack.pop_back();
    if (!tree.is_leaf(node)) {
      view.feature[slot] = tree.feature[node];
      view.threshold[slot] = tree.threshold[node];
      stack.emplace_back(tree.left[node], 2 * slot + 1);
      stack.emplace_back(tree.right[node], 2 * slot + 2);
      continue;
    }
    while (slot < internal) {
      slot = 2 * slot + 1;  // leftmost leaf slot below
    }
    const double* v = tree.value.data() + static_cast<std::size_t>(node) * k;
    std::copy(v, v + k,
              view.leaf_value.begin() + static_cast<std::ptrdiff_t>((slot - internal) * k));
  }
  return view;
}

}  // namespace scmforge::tree
