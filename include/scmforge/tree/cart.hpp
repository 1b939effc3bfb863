// scmforge/tree/cart.hpp: CART (greedy, depth-first) trees, identical to scikit-learn's.
//
// fit_cart reproduces sklearn.tree.DecisionTreeClassifier / DecisionTreeRegressor with
// splitter="best": the same stopping rules, candidate thresholds at midpoints of adjacent distinct
// float32 values (computed in float64 as scikit-learn does), the same impurity criteria and the
// same missing-value handling (scikit-learn >= 1.3: for each feature with NaNs, both "NaN left"
// and "NaN right" are tried, plus the split that sends exactly the NaN rows to one side; a node
// that saw no NaN at fit time sends NaN to its larger child). Where no two candidate splits tie
// in improvement, the fitted tree equals scikit-learn's node for node; with ties we may pick a
// different (equally good) split, because we do not reproduce scikit-learn's feature-visiting RNG.
//
// Categorical columns are treated as their integer codes (ordinal splits), as scikit-learn's
// trees see label-encoded data.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "scmforge/tree/tree.hpp"

namespace scmforge::tree {

enum class Criterion : std::uint8_t { kGini = 0, kEntropy = 1, kSquaredError = 2 };

/// Options with scikit-learn's names and defaults (integers only: the Python layer converts
/// fractional min_samples_split / min_samples_leaf and max_features="sqrt" etc. before calling).
struct CartOptions {
  Criterion criterion = Criterion::kGini;
  std::int32_t max_depth = -1;  // -1: unlimited
  std::int64_t min_samples_split = 2;
  std::int64_t min_samples_leaf = 1;
  double min_weight_fraction_leaf = 0.0;
  double min_impurity_decrease = 0.0;
  std::int32_t max_features = -1;  // -1: all d features
  /// Feature subsampling (used when max_features < d) draws from the Philox stream
  /// Rng(random_state, derive_stream(kCart, stream)). fit_cart_batch sets `stream` to the index
  /// of each training set, so the trees of a batch (a random forest) draw independent features
  /// and tree i equals fit_cart(sets[i]) with stream = i.
  std::uint64_t random_state = 0;
  std::uint64_t stream = 0;
};

/// Validates options and data (InvalidInput naming the problem: zero rows, NaN or out-of-range
/// labels, negative or all-zero weights, sizes that disagree, max_depth == 0 ...) and fits.
/// criterion kSquaredError fits a regression tree (uses `target`), the others a classifier
/// (uses `y`, `k`).
Tree fit_cart(const TrainingSet& data, const CartOptions& options);

/// Fits one tree per training set, in parallel across sets (threads <= 0: all cores), set i with
/// options.stream = i. The result is identical for any thread count. The first error is rethrown,
/// prefixed by the index of the failing set.
std::vector<Tree> fit_cart_batch(std::span<const TrainingSet> sets, const CartOptions& options,
                                 int threads);

}  // namespace scmforge::tree
