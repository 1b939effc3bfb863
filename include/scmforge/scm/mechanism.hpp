// scmforge/scm/mechanism.hpp: one node's causal mechanism: fitting options, fit, and sampling a row
// block.
//
// A mechanism turns the values of a node's parents (and fresh randomness) into the node's value:
//
//   node type     no parents                         parents
//   numeric       empirical: resample the training   additive noise model y = f(parents) + e,
//                 values (optionally + Gaussian       e resampled from the training residuals
//                 kernel noise: `smoothing`)          y - f(x); f = ridge or boosted trees
//   categorical   empirical: class shares of the     classifier: draw y from p(y | parents) by
//                 training column                     inverse CDF; multinomial logistic
//                                                     regression or boosted trees (softmax)
//   any           constant (after do(node = value))
//
// Parents enter the models as features: a numeric parent as its value, a categorical parent
// with L levels as L one-hot indicators (the code's level gets 1). This is DoWhy gcm's
// encoding of categorical inputs (it switches to target encoding above 7 categories; we keep
// one-hot).
//
// Model choice per node (`FitOptions::mechanisms`):
//   kLinear   ridge / logistic regression everywhere (DoWhy's "linear" zoo entries);
//   kBoosted  boosted trees everywhere (DoWhy's HistGradientBoosting entries);
//   kAuto     both are scored by k-fold cross-validation (shuffled folds, folds fixed by the
//             seed) and the better one is refitted on all rows: mean squared error for numeric
//             nodes, mean log-loss for categorical ones (DoWhy scores classifiers by macro F1 of
//             hard labels; a sampler draws from the probabilities, so we score those). This is
//             DoWhy's AssignmentQuality.GOOD preset (linear + histogram boosting, 5 folds, at
//             most 20,000 rows) without its polynomial models for <= 5 features. DoWhy's
//             BETTER (ten model families) and BEST (AutoGluon) have no counterpart.
//
// Short names: n = rows, d = columns, p = model features, k = classes.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scmforge/core/random.hpp"
#include "scmforge/core/table.hpp"
#include "scmforge/scm/boosting.hpp"
#include "scmforge/scm/linear.hpp"

namespace scmforge::scm {

/// Which models a non-root node may get.
enum class MechanismChoice : std::uint8_t { kAuto = 0, kLinear = 1, kBoosted = 2 };

/// What fitting does with missing values (NaN).
///   kError   any NaN is an InvalidInput error naming the column and the first row (default).
///   kImpute  NaN is replaced before fitting by the column's median (numeric) or most frequent
///            level (categorical, lowest code on ties); samples never contain NaN.
enum class MissingPolicy : std::uint8_t { kError = 0, kImpute = 1 };

/// "auto" | "linear" | "boosted" -> MechanismChoice; InvalidInput naming the choices otherwise.
MechanismChoice parse_mechanism_choice(std::string_view name);
/// The name parse_mechanism_choice accepts for `choice`.
std::string_view mechanism_choice_name(MechanismChoice choice) noexcept;
/// "error" | "impute" -> MissingPolicy; InvalidInput naming the choices otherwise.
MissingPolicy parse_missing_policy(std::string_view name);
/// The name parse_missing_policy accepts for `policy`.
std::string_view missing_policy_name(MissingPolicy policy) noexcept;

/// Every setting of SCM fitting and sampling (one table for C++, the CLI and Python).
struct FitOptions {
  MechanismChoice mechanisms = MechanismChoice::kAuto;  // model family per non-root node
  MissingPolicy missing = MissingPolicy::kError;        // NaN handling
  /// Numeric roots: add N(0, (smoothing * h)^2) to each resampled value, h = Silverman's
  /// bandwidth 0.9 * min(sd, IQR / 1.34) * n^(-1/5). 0 = plain resampling (DoWhy's
  /// EmpiricalDistribution). Must be >= 0.
  double smoothing = 0.0;
  double ridge_alpha = 1.0;          // ridge penalty on standardised features (scikit-learn Ridge)
  double logistic_l2 = 1.0;          // logistic penalty = 1 / C (scikit-learn LogisticRegression)
  BoostingOptions boosting;          // tree mechanisms
  std::int32_t cv_folds = 5;         // folds of the auto mode's cross-validation, >= 2
  std::int64_t cv_max_rows = 20000;  // the auto mode scores on at most this many rows
  /// Clip numeric samples to the training column's [min, max].
  bool clip_to_range = true;
  /// Round numeric samples to the training column's precision: to integers when every training
  /// value is an integer (as DoWhy's DiscreteAdditiveNoiseModel does), to D decimals when every
  /// training value has at most D <= 6 decimals; columns with finer values are left alone.
  bool round_to_precision = true;
  std::uint64_t seed = 0;  // fixes the cross-validation folds
  int threads = 0;         // fitting threads (one node per thread); <= 0 = all cores
};

/// What a node's mechanism is.
enum class MechanismKind : std::uint8_t {
  kEmpirical = 0,  // root: resampled values (numeric) or class shares (categorical)
  kLinear = 1,     // ridge ANM (numeric) or multinomial logistic regression (categorical)
  kBoosted = 2,    // boosted-tree ANM (numeric) or boosted softmax classifier (categorical)
  kConstant = 3,   // do(node = value)
};

/// A readable name: "empirical", "ridge", "logistic", "boosted_regressor",
/// "boosted_classifier" or "constant".
std::string_view mechanism_name(MechanismKind kind, bool categorical) noexcept;

/// Training range and precision of a numeric column (used to clip and round samples).
struct ColumnRange {
  double min = 0.0;
  double max = 0.0;
  /// Every training value v satisfies round(v * 10^decimals) / 10^decimals == v (0 =
  /// integers); -1 when more than 6 decimals are needed (no rounding).
  std::int32_t decimals = -1;
};

/// Largest precision of `values` as defined for ColumnRange::decimals (0..6, or -1).
std::int32_t detect_decimals(std::span<const double> values) noexcept;

/// One fitted mechanism. Which fields are used depends on `kind` and `categorical`.
struct Mechanism {
  MechanismKind kind = MechanismKind::kEmpirical;
  bool categorical = false;  // the node is categorical (values are level codes)
  /// Parents as column indices of the table, in table order; `parent_levels[i]` is 0 for a
  /// numeric parent and its number of levels (one-hot width) for a categorical one.
  std::vector<std::int32_t> parents;
  std::vector<std::int32_t> parent_levels;
  /// kLinear / kBoosted on a categorical node: the level code of each model output class
  /// (levels absent from the training column are never sampled and have no output).
  std::vector<std::int32_t> classes;
  LinearModel linear;      // kLinear
  BoostedTrees boosted;    // kBoosted
  CompiledTrees compiled;  // kBoosted: `boosted` for sampling (rebuilt on load, not saved)
  /// Numeric kEmpirical: the training values. Numeric kLinear / kBoosted: the residuals
  /// y - f(x) on the training rows (the additive noise).
  std::vector<double> values;
  /// Categorical kEmpirical: cumulative class shares, one per level (last = 1).
  std::vector<double> cdf;
  double bandwidth = 0.0;  // numeric kEmpirical: std of the smoothing kernel (0 = none)
  double constant = 0.0;   // kConstant: the value (a level code for a categorical node)
  /// Cross-validated error of each candidate in auto mode (NaN when not scored): mean squared
  /// error (numeric) or mean log-loss (categorical).
  double cv_linear = std::numeric_limits<double>::quiet_NaN();
  double cv_boosted = std::numeric_limits<double>::quiet_NaN();

  /// Number of model features p: numeric parents plus the one-hot widths.
  [[nodiscard]] std::int32_t n_features() const noexcept;

  /// Throws InvalidInput when the fields are inconsistent with each other or with the column
  /// (`n_levels` = 0 for numeric, else the levels): used after loading a file.
  void validate(std::int32_t n_levels) const;
};

/// Fits the mechanism of column `node` of `data` from `parents` (column indices, table order).
/// `data` must be complete (no NaN; missing values are handled before), numeric columns
/// finite and categorical codes valid. The cross-validation folds come from `seed` and the
/// node index only. Throws InvalidInput for a class with a single row at a categorical node
/// with parents (no model can learn p(y | parents) for it: merge or drop that class).
Mechanism fit_mechanism(const Table<double>& data, std::int32_t node,
                        const std::vector<std::int32_t>& parents, const FitOptions& options);

/// Fills rows [begin, end) of `out` (the node's column, indexed by absolute row) by sampling
/// the mechanism given the parents' sampled columns `columns[parents[i]]` (full columns,
/// indexed by absolute row). The rows of block b (rows [b * block, (b + 1) * block)) draw
/// their randomness, in row order, from `block_rng(b)`; `begin` is a multiple of `block`.
/// `range` clips / rounds numeric values when `clip` / `round` say so. `scratch` is reused
/// between calls.
void sample_rows(const Mechanism& mechanism, const ColumnRange& range, bool clip, bool round,
                 const std::vector<const double*>& columns, std::int64_t begin, std::int64_t end,
                 std::int64_t block, const std::function<Rng(std::int64_t)>& block_rng, double* out,
                 std::vector<double>& scratch);

}  // namespace scmforge::scm
