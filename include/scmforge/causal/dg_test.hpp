// scmforge/causal/dg_test.hpp: the degenerate-Gaussian likelihood-ratio test for mixed
// numeric / categorical tables (Andrews, Ramsey & Cooper 2019; Tetrad's "DG-LRT").
//
// Each categorical column with k levels is embedded as k - 1 indicator columns (its first level
// dropped, so the embedding has full rank); a numeric column is itself. The embedded columns are
// treated as jointly Gaussian with the maximum-likelihood covariance C (divided by n). For
// variables x, y and a set S, with X, Y, Z their embedded blocks, the statistic is the
// likelihood ratio of regressing X on (Y, Z) against X on Z:
//   LR = n (ln|C(X|Z)| + ln|C(Y|Z)| - ln|C(X u Y|Z)|),
// where C(.|Z) is the covariance given Z (a Schur complement). Under independence it is
// asymptotically chi-square with |X| |Y| degrees of freedom. For two numeric columns it is
// -n ln(1 - r^2), r the partial correlation: the likelihood-ratio form of Fisher's z.
//
// Degenerate dimensions are dropped, not errors: a conditioning column that other conditioning
// columns determine adds nothing; a dimension of x (or y) that Z determines is constant given Z
// and carries no degrees of freedom (none left on one side: p = 1); a dimension of y that x
// determines given Z is a deterministic dependence (p = 0). "Determines" means a residual
// variance below 1e-10 of the column's own, Fisher z's floor. So one-hot groups, duplicated
// columns and levels that fix another column's level are handled.
//
// Assumptions, as the method's: dependence among the embedded columns is captured by their
// linear relations (a categorical column's effect is its per-level mean shift; interactions
// and non-linear effects are not seen); n large enough for the chi-square approximation.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace scmforge::causal {

class DegenerateGaussianTest {
 public:
  /// `data`: n x d, column-major, every value finite; `categorical[j]` marks columns whose
  /// distinct values are levels. Throws InvalidInput for fewer than 2 columns, no rows, a
  /// non-finite value, or a column with a single value (naming it).
  DegenerateGaussianTest(const Eigen::MatrixXd& data, const std::vector<bool>& categorical,
                         std::vector<std::string> names = {});

  /// The p-value of x independent of y given the columns in `s` (degenerate dimensions as in
  /// the file comment). Throws InvalidInput when the rows do not exceed the embedded columns
  /// involved.
  [[nodiscard]] double p_value(int x, int y, std::span<const int> s) const;

  /// Embedded columns of each variable (1 for numeric, levels - 1 for categorical).
  [[nodiscard]] int width(int column) const;

 private:
  [[nodiscard]] std::string name(int column) const;
  std::int64_t n_ = 0;
  std::vector<std::vector<Eigen::Index>> embedded_;  // per variable, its columns of cov_
  Eigen::MatrixXd cov_;                              // covariance of the embedded columns
  std::vector<std::string> names_;
};

}  // namespace scmforge::causal
