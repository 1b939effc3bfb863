// src/tree/cart.cpp: CART builder (scikit-learn's DepthFirstTreeBuilder), validation and batches.
#include "scmforge/tree/cart.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "cart_criterion.hpp"
#include "cart_splitter.hpp"
#include "scmforge/core/error.hpp"
#include "scmforge/core/parallel.hpp"
#include "scmforge/core/random.hpp"

namespace scmforge::tree {
namespace {

// Stream of the feature subsampling draws (max_features < d).
constexpr std::uint64_t kCartStream = 0x63617274ULL;  // "cart"

void validate_options(const CartOptions& o, std::int64_t d) {
  SCMFORGE_CHECK(o.max_depth == -1 || o.max_depth >= 1, InvalidInput,
                 "max_depth must be >= 1 or -1 (unlimited), got {}", o.max_depth);
  SCMFORGE_CHECK(o.min_samples_split >= 2, InvalidInput, "min_samples_split must be >= 2, got {}",
                 o.min_samples_split);
  SCMFORGE_CHECK(o.min_samples_leaf >= 1, InvalidInput, "min_samples_leaf must be >= 1, got {}",
                 o.min_samples_leaf);
  SCMFORGE_CHECK(o.min_weight_fraction_leaf >= 0.0 && o.min_weight_fraction_leaf <= 0.5,
                 InvalidInput, "min_weight_fraction_leaf must be in [0, 0.5], got {}",
                 o.min_weight_fraction_leaf);
  SCMFORGE_CHECK(o.min_impurity_decrease >= 0.0, InvalidInput,
                 "min_impurity_decrease must be >= 0, got {}", o.min_impurity_decrease);
  SCMFORGE_CHECK(o.max_features == -1 || (o.max_features >= 1 && o.max_features <= d), InvalidInput,
                 "max_features must be in [1, d = {}] or -1 (all), got {}", d, o.max_features);
}

// Validates the training set and fills `problem` (rows with positive weight renumbered).
void make_problem(const TrainingSet& data, const CartOptions& options, cart::Problem& problem) {
  const DataView& x = data.x;
  SCMFORGE_CHECK(x.n >= 1, InvalidInput, "the training set has zero rows");
  SCMFORGE_CHECK(x.d >= 1, InvalidInput, "the training set has zero features (d = {})", x.d);
  SCMFORGE_CHECK(x.n <= std::numeric_limits<std::int32_t>::max(), InvalidInput,
                 "the training set has {} rows; at most 2^31 - 1 are supported", x.n);
  SCMFORGE_CHECK(x.x != nullptr, InvalidInput, "X is null");
  validate_options(options, x.d);
  const auto n = static_cast<std::size_t>(x.n);
  const bool regression = options.criterion == Criterion::kSquaredError;
  problem.x = &x;
  problem.criterion = options.criterion;
  problem.regression = regression;
  problem.d = static_cast<std::int32_t>(x.d);
  problem.k = 1;
  if (regression) {
    SCMFORGE_CHECK(data.target.size() == n, InvalidInput,
                   "target has {} values, expected one per row (n = {})", data.target.size(), n);
    for (std::size_t i = 0; i < n; ++i) {
      SCMFORGE_CHECK(std::isfinite(data.target[i]), InvalidInput,
                     "target[{}] = {} is not finite (NaN or infinite targets are not allowed)", i,
                     data.target[i]);
    }
    SCMFORGE_CHECK(data.class_weight.empty(), InvalidInput,
                   "class_weight is only for classification (criterion squared_error)");
  } else {
    SCMFORGE_CHECK(data.k >= 1, InvalidInput, "k (number of classes) must be >= 1, got {}", data.k);
    SCMFORGE_CHECK(data.y.size() == n, InvalidInput,
                   "y has {} labels, expected one per row (n = {})", data.y.size(), n);
    for (std::size_t i = 0; i < n; ++i) {
      SCMFORGE_CHECK(data.y[i] >= 0 && data.y[i] < data.k, InvalidInput,
                     "label y[{}] = {} is out of range [0, k = {})", i, data.y[i], data.k);
    }
    SCMFORGE_CHECK(
        data.class_weight.empty() || data.class_weight.size() == static_cast<std::size_t>(data.k),
        InvalidInput, "class_weight has {} values, expected k = {}", data.class_weight.size(),
        data.k);
    for (std::size_t c = 0; c < data.class_weight.size(); ++c) {
      SCMFORGE_CHECK(std::isfinite(data.class_weight[c]) && data.class_weight[c] > 0.0,
                     InvalidInput, "class_weight[{}] = {} must be finite and > 0", c,
                     data.class_weight[c]);
    }
    problem.k = data.k;
  }
  SCMFORGE_CHECK(data.sample_weight.empty() || data.sample_weight.size() == n, InvalidInput,
                 "sample_weight has {} values, expected one per row (n = {})",
                 data.sample_weight.size(), n);
  for (std::size_t i = 0; i < data.sample_weight.size(); ++i) {
    SCMFORGE_CHECK(std::isfinite(data.sample_weight[i]) && data.sample_weight[i] >= 0.0,
                   InvalidInput, "sample_weight[{}] = {} must be finite and >= 0", i,
                   data.sample_weight[i]);
  }
  const bool use_class_weight = !regression && !data.class_weight.empty();
  problem.unit_weights = data.sample_weight.empty() && !use_class_weight;
  problem.row.clear();
  problem.label.clear();
  problem.target.clear();
  problem.weight.clear();
  problem.row.reserve(n);
  double total = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    double w = 1.0;
    if (!problem.unit_weights) {
      w = data.sample_weight.empty() ? 1.0 : data.sample_weight[i];
      if (use_class_weight) {
        w *= data.class_weight[static_cast<std::size_t>(data.y[i])];
      }
    }
    total += w;
    if (w == 0.0) {
      continue;  // scikit-learn keeps only positively weighted rows
    }
    problem.row.push_back(static_cast<std::int32_t>(i));
    if (regression) {
      problem.target.push_back(data.target[i]);
    } else {
      problem.label.push_back(data.y[i]);
    }
    if (!problem.unit_weights) {
      problem.weight.push_back(w);
    }
  }
  SCMFORGE_CHECK(total > 0.0, InvalidInput,
                 "the weights sum to {}; at least one row needs a positive weight", total);
  problem.m = static_cast<std::int64_t>(problem.row.size());
  problem.weighted_n_samples = total;
  problem.min_samples_leaf = options.min_samples_leaf;
  problem.min_weight_leaf = options.min_weight_fraction_leaf * total;
}

// Depth-first builder state, reused across trees by one thread.
struct Builder {
  cart::Problem problem;
  cart::Splitter splitter;
  std::vector<double> stats;           // node statistics pool (stats_size() per record)
  std::vector<std::int32_t> features;  // feature-list pool
  std::vector<std::int32_t> constant;  // features found constant at the current node
  std::vector<std::int32_t> carried;   // features passed to the children
  std::vector<double> value;           // k
  struct Record {
    std::int64_t start;
    std::int64_t end;
    std::int32_t depth;
    std::int32_t parent;
    bool is_left;
    double impurity;
    std::size_t stats_at;
    std::size_t features_at;
    std::size_t feature_count;
  };
  std::vector<Record> stack;

  Tree fit(const TrainingSet& data, const CartOptions& options);
};

Tree Builder::fit(const TrainingSet& data, const CartOptions& options) {
  make_problem(data, options, problem);
  splitter.init(problem);
  const auto ss = static_cast<std::size_t>(problem.stats_size());
  const std::int32_t k = problem.k;
  const std::int64_t max_depth =
      options.max_depth < 0 ? std::numeric_limits<std::int32_t>::max() : options.max_depth;
  const std::int64_t min_samples_split =
      std::max(options.min_samples_split, 2 * options.min_samples_leaf);
  const std::int64_t min_samples_leaf = options.min_samples_leaf;
  const double min_weight_leaf = problem.min_weight_leaf;
  Rng rng(options.random_state, derive_stream(kCartStream, options.stream));

  Tree tree;
  tree.task = problem.regression ? TreeTask::kRegression : TreeTask::kClassification;
  tree.n_features = problem.d;
  tree.n_outputs = k;
  if (max_depth <= 10) {
    const auto cap = (std::size_t{1} << (max_depth + 1)) - 1;
    const auto bound = std::min<std::size_t>(cap, 2 * static_cast<std::size_t>(problem.m));
    tree.feature.reserve(bound);
    tree.threshold.reserve(bound);
    tree.kind.reserve(bound);
    tree.missing_left.reserve(bound);
    tree.left.reserve(bound);
    tree.right.reserve(bound);
    tree.value.reserve(bound * static_cast<std::size_t>(k));
    tree.impurity.reserve(bound);
    tree.n_node_samples.reserve(bound);
    tree.weighted_n_node_samples.reserve(bound);
  }

  stats.assign(ss, 0.0);
  splitter.root_stats(stats);
  features.resize(static_cast<std::size_t>(problem.d));
  for (std::int32_t j = 0; j < problem.d; ++j) {
    features[static_cast<std::size_t>(j)] = j;
  }
  value.resize(static_cast<std::size_t>(k));
  stack.clear();
  stack.push_back(Record{0, problem.m, 0, -1, false, 0.0, 0, 0, features.size()});
  bool first = true;
  cart::SplitRecord split;
  while (!stack.empty()) {
    const Record r = stack.back();
    stack.pop_back();
    const std::int64_t n_node = r.end - r.start;
    const double* node_stats = stats.data() + r.stats_at;
    const double weighted_n = node_stats[ss - 1];
    bool is_leaf = r.depth >= max_depth || n_node < min_samples_split ||
                   n_node < 2 * min_samples_leaf || weighted_n < 2 * min_weight_leaf;
    double impurity = r.impurity;
    if (first) {
      impurity = splitter.node_impurity(node_stats);
      first = false;
    }
    is_leaf = is_leaf || impurity <= cart::kEpsilon;
    constant.clear();
    if (!is_leaf) {
      const std::span<const std::int32_t> node_features(features.data() + r.features_at,
                                                        r.feature_count);
      is_leaf = !splitter.find_split(r.start, r.end, node_stats, impurity, node_features,
                                     options.max_features, rng, constant, split);
    }
    if (!is_leaf) {
      // Features constant here stay constant below: drop them for the children.
      carried.clear();
      for (std::size_t q = 0; q < r.feature_count; ++q) {
        const std::int32_t f = features[r.features_at + q];
        if (std::find(constant.begin(), constant.end(), f) == constant.end()) {
          carried.push_back(f);
        }
      }
      const std::size_t left_at = stats.size();
      stats.resize(left_at + 2 * ss);
      // Children that will be leaves whatever their rows need no sorted lists.
      const std::int64_t n_left = split.n_left;
      const bool partition =
          r.depth + 1 < max_depth && std::max(n_left, n_node - n_left) >= min_samples_split;
      splitter.apply_split(r.start, r.end, stats.data() + r.stats_at, impurity, carried, partition,
                           split, std::span<double>(stats.data() + left_at, ss),
                           std::span<double>(stats.data() + left_at + ss, ss));
      node_stats = stats.data() + r.stats_at;  // the pool may have moved
      is_leaf = split.improvement + cart::kEpsilon < options.min_impurity_decrease;
      if (is_leaf) {
        stats.resize(left_at);  // undo the partition's bookkeeping (the lists stay valid)
      }
    }
    if (problem.regression) {
      value[0] = node_stats[0] / weighted_n;
    } else {
      std::copy(node_stats, node_stats + k, value.begin());
    }
    const std::int32_t id = tree.add_node(value, impurity, n_node, weighted_n);
    if (r.parent >= 0) {
      (r.is_left ? tree.left : tree.right)[static_cast<std::size_t>(r.parent)] = id;
    }
    if (!is_leaf) {
      tree.feature[static_cast<std::size_t>(id)] = split.feature;
      tree.threshold[static_cast<std::size_t>(id)] = split.threshold;
      tree.missing_left[static_cast<std::size_t>(id)] = split.missing_left ? 1 : 0;
      const std::size_t left_at = stats.size() - 2 * ss;
      const std::size_t features_at = features.size();
      features.insert(features.end(), carried.begin(), carried.end());
      const std::int64_t mid = r.start + split.n_left;
      stack.push_back(Record{mid, r.end, r.depth + 1, id, false, split.impurity_right, left_at + ss,
                             features_at, carried.size()});
      stack.push_back(Record{r.start, mid, r.depth + 1, id, true, split.impurity_left, left_at,
                             features_at, carried.size()});
    }
  }
  return tree;
}

Builder& thread_builder() {
  thread_local Builder builder;
  return builder;
}

}  // namespace

Tree fit_cart(const TrainingSet& data, const CartOptions& options) {
  return thread_builder().fit(data, options);
}

std::vector<Tree> fit_cart_batch(std::span<const TrainingSet> sets, const CartOptions& options,
                                 int threads) {
  std::vector<Tree> trees(sets.size());
  parallel_for(static_cast<std::int64_t>(sets.size()), threads, [&](std::int64_t i) {
    const auto s = static_cast<std::size_t>(i);
    try {
      CartOptions local = options;
      local.stream = static_cast<std::uint64_t>(i);
      trees[s] = thread_builder().fit(sets[s], local);
    } catch (const InvalidInput& e) {
      SCMFORGE_THROW(InvalidInput, "training set {}: {}", i, e.what());
    } catch (const Internal& e) {
      SCMFORGE_THROW(Internal, "training set {}: {}", i, e.what());
    }
  });
  return trees;
}

}  // namespace scmforge::tree
