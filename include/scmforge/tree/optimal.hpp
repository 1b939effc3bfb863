// scmforge/tree/optimal.hpp: provably optimal depth-limited classification trees.
//
// Minimises  misclassified(tree) + leaf_penalty * n * leaves(tree)  over all binary trees of
// depth <= max_depth (and at most max_leaves leaves when set) whose splits are drawn from the
// candidate set below. leaf_penalty is GOSDT's lambda (a share of the rows per leaf); 0 means
// plain minimum misclassification, the MurTree / DL8.5 objective. Rows are unweighted.
//
// Candidate splits, directly on the raw columns (no separate binarisation step):
//   - numeric column: x <= t for every midpoint t of adjacent distinct values (NaN goes right),
//     or, when max_thresholds > 0, at most max_thresholds thresholds at quantile midpoints;
//   - categorical column (levels > 0): x == c for every level c present (one-vs-rest).
// The result states how many candidates each column contributed.
//
// Search: dynamic programming over (row subset, depth budget) in the MurTree / STreeD family: a
// specialised depth-2 solver from pairwise frequency counts, a cache of solved subproblems keyed
// by their row set, similarity-based lower bounds, and branch-and-bound on the upper bound of
// the best tree so far; threads split the root's candidate splits. It is anytime: when
// time_limit expires it returns the best tree found so far with a proven lower bound.
#pragma once

#include <cstdint>
#include <vector>

#include "scmforge/tree/tree.hpp"

namespace scmforge::tree {

struct OptimalOptions {
  std::int32_t max_depth = 3;       // >= 1
  std::int32_t max_leaves = -1;     // -1: no limit (2^max_depth)
  double leaf_penalty = 0.0;        // lambda >= 0, a share of n per leaf
  std::int32_t max_thresholds = 0;  // per numeric column; 0: every midpoint
  std::int64_t min_samples_leaf = 1;
  double time_limit = 0.0;  // seconds; 0: none
  int threads = 1;          // <= 0: all cores; the tree is the same for any count
};

struct OptimalResult {
  Tree tree;
  std::int64_t misclassified = 0;                    // training errors of `tree`
  double objective = 0.0;                            // misclassified + leaf_penalty * n * leaves
  double lower_bound = 0.0;                          // proven lower bound on the optimal objective
  bool optimal = false;                              // lower_bound == objective (search finished)
  std::vector<std::int32_t> candidates_per_feature;  // d counts of candidate splits
  std::int64_t subproblems = 0;                      // DP states solved
  std::int64_t cache_hits = 0;
  double seconds = 0.0;
};

/// Fits the optimal tree for labels y (k classes) on x. Uses data.x, data.y, data.k; weights
/// must be empty (InvalidInput otherwise). Errors as fit_cart, plus max_depth < 1.
OptimalResult fit_optimal(const TrainingSet& data, const OptimalOptions& options);

/// One optimal tree per set, in parallel across sets (each solve single-threaded).
std::vector<OptimalResult> fit_optimal_batch(std::span<const TrainingSet> sets,
                                             const OptimalOptions& options, int threads);

}  // namespace scmforge::tree
