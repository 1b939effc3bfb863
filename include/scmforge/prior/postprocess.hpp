// scmforge/prior/postprocess.hpp: regression draw -> classification dataset (Reg2Cls /
// FlexibleCategorical).
//
// family "tabpfn" (TabPFN v1 FlexibleCategorical, reference C.4):
//   1. with probability categorical_prob, p ~ U(0,1); each column with probability p becomes
//      categorical by MulticlassRank(K): K = max(round(Exp(mean 10)), 2), then 2 levels with
//      probability 1/2 else U{2..K}; boundaries = values at K-1 random rows; codes permuted with
//      probability 0.7, reversed with probability 1/2;
//   2. soft outlier compression at 4 sigma (two passes, log(1 + |x|) beyond the cut);
//   3. z-scoring of x and y (std + 1e-6), clipped to +-100;
//   4. classes of y by the group's MulticlassRank (same boundary rows for the whole group),
//      randomly permuted and reversed with probability 1/2;
//   5. x scaled by max_features / d (normalize_by_used_features); features rotated cyclically.
// family "tabicl" (TabICL Reg2Cls, reference C'):
//   1. with probability categorical_prob, p ~ U(0,1); each column with probability p becomes
//      categorical with K = min(max(round(Exp(mean 10)), 2), max_categories) rank levels,
//      permuted with probability 0.7 and reversed with probability 1/2;
//   2. hard outlier clamping at 4 sigma (two passes) and z-scoring (ddof 1) clipped to +-100;
//      features randomly permuted;
//   3. y clamped and z-scored, classes by value (N(0,1) boundaries) or rank (random rows),
//      permuted, reversed with probability 1/2, permuted again.
// Both: train (rows < single_eval_pos) and test must hold the same classes (>= 2); otherwise
// the rows are re-permuted up to 10 times; labels become 0..k-1 (TabPFN then rotates them);
// constant features are removed; with missing_rate > 0 cells become NaN completely at random.
#pragma once

#include "scmforge/core/random.hpp"
#include "scmforge/core/table.hpp"
#include "scmforge/prior/config.hpp"
#include "scmforge/prior/hyperparameters.hpp"
#include "scmforge/prior/scm.hpp"

namespace scmforge::prior {

/// Why a draw was rejected (counted by the generator).
enum class Rejection : std::uint8_t {
  kNone = 0,
  kNonFinite,     // NaN or infinity in x or y
  kOneClass,      // fewer than 2 classes after assignment
  kIncompatible,  // train and test class sets differ after 10 re-permutations
  kNoFeatures,    // every feature was constant
};

/// Turns `raw` into `out` (x, y, categorical, k, d); `num_classes` is the dataset's nominal
/// class count (TabICL) and ignored by the tabpfn family (it uses the group's).
/// Returns the reason for rejecting the draw, or kNone.
Rejection to_classification(const RawDataset& raw, const GroupHyper& hp, const PriorConfig& config,
                            std::int32_t num_classes, std::int32_t single_eval_pos, Rng& rng,
                            PriorDataset& out);

}  // namespace scmforge::prior
