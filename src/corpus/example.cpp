// src/corpus/example.cpp: filters, target tree, relabelling and label noise for one example.
#include "scmforge/corpus/example.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "scmforge/core/error.hpp"
#include "scmforge/core/random.hpp"
#include "scmforge/tree/cart.hpp"
#include "scmforge/tree/optimal.hpp"

namespace scmforge::corpus {
namespace {

// Stream domain of the label noise ("cnoi").
constexpr std::uint64_t kCorpusNoise = 0x636e6f69ULL;

tree::Tree fit_target(const PriorDataset& ds, const ExampleConfig& config) {
  const tree::DataView view{ds.n, ds.d, ds.x.data(), ds.categorical};
  const tree::TrainingSet set{view, ds.y, ds.k, {}, {}, {}};
  if (config.target == TargetKind::kCart) {
    tree::CartOptions options;
    options.max_depth = config.depth;
    return tree::fit_cart(set, options);
  }
  tree::OptimalOptions options;
  options.max_depth = config.depth;
  options.time_limit = config.optimal_time_limit;
  options.max_thresholds = config.optimal_max_thresholds;
  // Category splits are not in MetaTree's vocabulary (a split is "feature j at a value"), so
  // the optimal target treats every column as numeric, as CART does.
  tree::TrainingSet numeric = set;
  numeric.x.categorical = {};
  return tree::fit_optimal(numeric, options).tree;
}

}  // namespace

const char* rejection_name(Rejection reason) {
  switch (reason) {
    case Rejection::kMajority:
      return "majority";
    case Rejection::kImbalance:
      return "imbalance";
    case Rejection::kTreeAccuracy:
      return "tree_accuracy";
  }
  return "unknown";
}

void validate(const ExampleConfig& c) {
  SCMFORGE_CHECK(c.depth >= 1 && c.depth <= 10, InvalidInput, "depth must be in [1, 10], got {}",
                 c.depth);
  SCMFORGE_CHECK(c.max_majority_share > 0.0 && c.max_majority_share <= 1.0, InvalidInput,
                 "max_majority_share must be in (0, 1], got {}", c.max_majority_share);
  SCMFORGE_CHECK(c.max_imbalance > 0.0 && c.max_imbalance <= 1.0, InvalidInput,
                 "max_imbalance must be in (0, 1] (1 turns the filter off), got {}",
                 c.max_imbalance);
  SCMFORGE_CHECK(c.min_tree_accuracy >= 0.0 && c.min_tree_accuracy < 1.0, InvalidInput,
                 "min_tree_accuracy must be in [0, 1), got {}", c.min_tree_accuracy);
  SCMFORGE_CHECK(c.min_error_reduction >= 0.0 && c.min_error_reduction < 1.0, InvalidInput,
                 "min_error_reduction must be in [0, 1) (0 turns the filter off), got {}",
                 c.min_error_reduction);
  SCMFORGE_CHECK(c.label_noise >= 0.0 && c.label_noise < 1.0, InvalidInput,
                 "label_noise must be in [0, 1), got {}", c.label_noise);
  SCMFORGE_CHECK(c.optimal_time_limit >= 0.0, InvalidInput,
                 "optimal_time_limit must be >= 0 seconds, got {}", c.optimal_time_limit);
  SCMFORGE_CHECK(c.optimal_max_thresholds >= 0, InvalidInput,
                 "optimal_max_thresholds must be >= 0, got {}", c.optimal_max_thresholds);
}

Balance class_balance(const std::vector<std::int32_t>& y, std::int32_t k) {
  SCMFORGE_CHECK(!y.empty() && k >= 1, InvalidInput, "class_balance needs rows and k >= 1");
  std::vector<std::int64_t> counts(static_cast<std::size_t>(k), 0);
  for (const auto label : y) {
    SCMFORGE_CHECK(label >= 0 && label < k, InvalidInput, "label {} outside [0, {})", label, k);
    ++counts[static_cast<std::size_t>(label)];
  }
  const auto n = static_cast<double>(y.size());
  Balance b;
  double entropy = 0.0;
  int present = 0;
  for (const auto c : counts) {
    if (c == 0) continue;
    ++present;
    const double p = static_cast<double>(c) / n;
    entropy -= p * std::log(p);
    b.majority_share = std::max(b.majority_share, p);
  }
  b.imbalance = present < 2 ? 1.0 : 1.0 - entropy / std::log(static_cast<double>(present));
  return b;
}

Outcome make_example(PriorDataset dataset, const ExampleConfig& config, std::uint64_t seed) {
  Outcome out;
  const Balance balance = class_balance(dataset.y, dataset.k);
  if (balance.majority_share > config.max_majority_share) {
    out.rejection = Rejection::kMajority;
    return out;
  }
  if (balance.imbalance >= config.max_imbalance) {
    out.rejection = Rejection::kImbalance;
    return out;
  }
  Example ex;
  ex.tree = fit_target(dataset, config);
  const auto n = static_cast<std::size_t>(dataset.n);
  ex.y_clean.resize(n);
  ex.tree.predict_class(tree::DataView{dataset.n, dataset.d, dataset.x.data(), {}}, ex.y_clean);
  std::int64_t right = 0;
  for (std::size_t i = 0; i < n; ++i) right += ex.y_clean[i] == dataset.y[i] ? 1 : 0;
  ex.tree_accuracy = static_cast<double>(right) / static_cast<double>(n);
  // A tree is at least as accurate as the majority guess (each leaf predicts its majority), so
  // this is in [0, 1]; labels of one class leave no error to remove (0).
  const double majority_errors = 1.0 - balance.majority_share;
  const double error_reduction =
      majority_errors > 0.0 ? (ex.tree_accuracy - balance.majority_share) / majority_errors : 0.0;
  if (!(ex.tree_accuracy > config.min_tree_accuracy) ||
      !(error_reduction >= config.min_error_reduction)) {
    out.rejection = Rejection::kTreeAccuracy;
    return out;
  }
  ex.balance = balance;
  ex.target = tree::complete_view(ex.tree, config.depth);
  ex.y_noisy = ex.y_clean;
  const auto flips =
      static_cast<std::size_t>(std::floor(config.label_noise * static_cast<double>(n) + 0.5));
  if (flips > 0 && dataset.k >= 2) {
    Rng rng(seed, derive_stream(kCorpusNoise, dataset.id));
    // A partial Fisher-Yates shuffle picks `flips` distinct rows.
    std::vector<std::uint32_t> rows(n);
    std::iota(rows.begin(), rows.end(), 0U);
    for (std::size_t i = 0; i < flips; ++i) {
      const auto j = i + static_cast<std::size_t>(rng.below(n - i));
      std::swap(rows[i], rows[j]);
      auto& label = ex.y_noisy[rows[i]];
      const auto shift =
          1 + static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(dataset.k - 1)));
      label = (label + shift) % dataset.k;
    }
  }
  ex.data = std::move(dataset);
  out.example = std::move(ex);
  return out;
}

std::vector<std::uint8_t> node_masks(const Example& ex) {
  const auto slots = ex.target.feature.size();
  const auto n = static_cast<std::size_t>(ex.data.n);
  std::vector<std::uint8_t> masks(slots * n, 0);
  std::fill(masks.begin(), masks.begin() + static_cast<std::ptrdiff_t>(n), 1);
  for (std::size_t s = 0; s < slots; ++s) {
    const auto f = ex.target.feature[s];
    if (f < 0) continue;
    const float* column = ex.data.x.data() + static_cast<std::size_t>(f) * n;
    for (const std::size_t child : {2 * s + 1, 2 * s + 2}) {
      if (child >= slots) continue;
      const bool left = child == 2 * s + 1;
      for (std::size_t i = 0; i < n; ++i) {
        const bool goes_left = static_cast<double>(column[i]) <= ex.target.threshold[s];
        masks[child * n + i] = masks[s * n + i] != 0 && goes_left == left ? 1 : 0;
      }
    }
  }
  return masks;
}

std::vector<float> threshold_distances(const Example& ex, const std::vector<std::uint8_t>& masks) {
  const auto slots = ex.target.feature.size();
  const auto n = static_cast<std::size_t>(ex.data.n);
  SCMFORGE_ASSERT(masks.size() == slots * n);
  std::vector<float> out(slots * n, 0.0F);
  for (std::size_t s = 0; s < slots; ++s) {
    const auto f = ex.target.feature[s];
    if (f < 0) continue;
    const float* column = ex.data.x.data() + static_cast<std::size_t>(f) * n;
    // The split's lower value: the largest value at most the threshold among the node's rows
    // (a CART threshold lies between two of them, so the node has one).
    double lower = -std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < n; ++i) {
      const double x = column[i];
      if (masks[s * n + i] != 0 && x <= ex.target.threshold[s]) lower = std::max(lower, x);
    }
    if (!std::isfinite(lower)) lower = ex.target.threshold[s];
    for (std::size_t i = 0; i < n; ++i) {
      out[s * n + i] = static_cast<float>(std::abs(static_cast<double>(column[i]) - lower));
    }
  }
  return out;
}

}  // namespace scmforge::corpus
