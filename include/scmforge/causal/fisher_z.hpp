// scmforge/causal/fisher_z.hpp: Fisher's z conditional-independence test on partial correlations.
//
// For columns x, y and a conditioning set S of a numeric table (n rows), the partial correlation
// r of x and y given S is -P_xy / sqrt(|P_xx P_yy|) for P the inverse of the correlation
// submatrix over (x, y, S); we compute it from one Cholesky factor of the correlations among S
// (the covariance of x and y given S over their conditional standard deviations), which serves
// every y at once. The test statistic is sqrt(n - |S| - 3) |atanh(r)|, and the p-value
// 2 (1 - Phi(statistic)), evaluated as scipy does (so p-values below ~1e-16 round alike, and
// collider priorities that sort by them see the same ties). This is causal-learn's `fisherz` (the
// correlation matrix of all columns computed once, |r| clipped just below 1, a singular
// submatrix an error), so the same data give the same p-values up to rounding.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace scmforge::causal {

class FisherZ {
 public:
  /// `data`: n x d, column-major, every value finite; `names` (d entries or empty) only label
  /// errors. Throws InvalidInput for fewer than 4 rows, fewer than 2 columns, a non-finite value
  /// or a constant column (its correlations are undefined), naming the column.
  explicit FisherZ(const Eigen::MatrixXd& data, std::vector<std::string> names = {});

  /// The p-value of x independent of y given the columns in `s` (distinct, none equal to x or
  /// y). Throws InvalidInput when n - |s| - 3 <= 0 (too few rows for that conditioning set)
  /// and Numerical when the correlation submatrix is singular (collinear columns), naming them.
  [[nodiscard]] double p_value(int x, int y, std::span<const int> s) const;

  /// out[i] = 1 when p_value(x, ys[i], s) > alpha, exactly, else 0; `threshold` is
  /// threshold(alpha). Shares the work on s (one Cholesky factor of the correlations among s for
  /// every y) and compares partial correlations with the critical value, computing a p-value
  /// only within rounding of it.
  void independent(int x, std::span<const int> s, std::span<const int> ys, double alpha,
                   double threshold, std::span<std::uint8_t> out) const;
  /// The statistic t with erfc(t / sqrt 2) = alpha (p > alpha exactly when the statistic is
  /// below it). Throws InvalidInput for alpha outside (0, 1).
  static double threshold(double alpha);

  [[nodiscard]] int columns() const { return static_cast<int>(corr_.cols()); }
  [[nodiscard]] std::int64_t rows() const { return n_; }
  [[nodiscard]] const Eigen::MatrixXd& correlation() const { return corr_; }

 private:
  [[nodiscard]] std::string name(int column) const;
  // Partial correlations of x with each y given s (throws as p_value).
  void partial_correlations(int x, std::span<const int> s, std::span<const int> ys,
                            std::span<double> out) const;
  std::int64_t n_ = 0;
  Eigen::MatrixXd corr_;  // d x d Pearson correlations
  std::vector<std::string> names_;
};

}  // namespace scmforge::causal
