// scmforge/corpus/example.hpp: one MetaTree pre-training example from one prior dataset.
//
// The pipeline of the synthetic-model-generation paper (arXiv 2511.04000, steps 2-4) applied to
// a dataset drawn from the prior:
//   1. class-balance filters on the drawn labels y:
//        majority share  max_c n_c / n                        must be <= max_majority_share;
//        imbalance       I = 1 - H(p) / log(k)                must be <  max_imbalance,
//      where p are the class shares, H the Shannon entropy and k the number of classes present
//      (k >= 2 always holds for prior datasets). I is 0 for perfectly balanced classes and tends
//      to 1 as one class takes over: one minus the normalised entropy (Pielou's evenness);
//   2. the target tree: CART (scikit-learn's, gini) or the optimal tree, of depth <= depth, fitted
//      on all n rows; its training accuracy a on y must be > min_tree_accuracy, and the share of
//      the majority guess's errors it removes, (a - m) / (1 - m) with m the majority share
//      (Goodman and Kruskal's lambda), must be >= min_error_reduction. Both count as the
//      tree_accuracy rejection;
//   3. relabelling: y_clean = the tree's predictions; y_noisy = y_clean with exactly
//      round(label_noise * n) rows, drawn uniformly without replacement, moved to a different
//      class of the dataset's k classes chosen uniformly.
// Everything an example holds is a pure function of (config, seed, dataset id): the noise draws
// come from the stream derive_stream(kCorpusNoise, id).
//
// Short names: n = rows, d = features, k = classes, D = target depth, S = 2^D - 1 internal slots.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "scmforge/core/table.hpp"
#include "scmforge/tree/tree.hpp"

namespace scmforge::corpus {

enum class TargetKind : std::uint8_t { kCart = 0, kOptimal = 1 };

/// Why a dataset did not become an example (index into ExampleStats::rejections).
enum class Rejection : std::uint8_t { kMajority = 0, kImbalance = 1, kTreeAccuracy = 2 };
inline constexpr std::size_t kRejectionCount = 3;
/// Names used in manifests, statistics and the CLI ("majority", "imbalance", "tree_accuracy").
const char* rejection_name(Rejection reason);

struct ExampleConfig {
  TargetKind target = TargetKind::kCart;
  std::int32_t depth = 2;                   // D >= 1
  double max_majority_share = 0.75;         // in (0, 1]
  double max_imbalance = 0.3;               // in (0, 1]; 1 turns the filter off
  double min_tree_accuracy = 0.70;          // in [0, 1)
  double min_error_reduction = 0.0;         // in [0, 1); 0 turns the filter off
  double label_noise = 0.05;                // in [0, 1)
  double optimal_time_limit = 0.0;          // seconds per optimal tree (0 = none)
  std::int32_t optimal_max_thresholds = 0;  // per numeric column (0 = every midpoint)
};

/// Throws InvalidInput naming the first field out of range.
void validate(const ExampleConfig& config);

/// The class-balance measures of labels y with k classes.
struct Balance {
  double majority_share = 0.0;
  double imbalance = 0.0;  // 1 - H(p) / log(k present)
};
Balance class_balance(const std::vector<std::int32_t>& y, std::int32_t k);

/// An accepted example.
struct Example {
  PriorDataset data;                  // x (n x d column-major), the drawn labels in data.y
  std::vector<std::int32_t> y_clean;  // n: the target tree's predictions
  std::vector<std::int32_t> y_noisy;  // n: y_clean with the label noise
  tree::Tree tree;                    // the target tree (fitted on data.y)
  tree::CompleteTree target;          // its complete breadth-first view of depth D
  double tree_accuracy = 0.0;         // on data.y
  Balance balance;                    // of data.y
};

/// The example made from `dataset` (moved in), or the reason it was rejected.
struct Outcome {
  std::optional<Example> example;
  std::optional<Rejection> rejection;
};
Outcome make_example(PriorDataset dataset, const ExampleConfig& config, std::uint64_t seed);

/// Per node slot s < S of the complete tree: which rows reach it (n bytes, 1 = reaches), as the
/// tree routes the rows (x <= threshold left; NaN never occurs in prior data). A slot below a
/// leaf of a shallower tree is reached by no row. Returns S x n row-major.
std::vector<std::uint8_t> node_masks(const Example& example);

/// Per node slot s < S: |x[i, f_s] - v_s| for every row i (0 where the slot has no split), where
/// v_s, the split's lower value, is the largest x[., f_s] <= t_s among the rows reaching s
/// (`masks`: node_masks(example)).
/// MetaTree's soft target peaks at distance 0: the rows whose value, taken as the split's
/// lower value with the threshold at the midpoint to the next value, give the target split.
/// Returns S x n row-major float32.
std::vector<float> threshold_distances(const Example& example,
                                       const std::vector<std::uint8_t>& masks);

}  // namespace scmforge::corpus
