// scmforge/scm/linear.hpp: ridge regression and multinomial logistic regression for SCM mechanisms.
//
// Both models standardise every feature (mean 0, standard deviation 1; a constant feature is
// left at 0) before fitting, so that the L2 penalty treats features alike, and fold the
// standardisation back into the stored weights: a fitted model predicts raw rows directly as
//   out[c] = intercept[c] + sum_j x[j] * weights[j * k + c].
// The intercept is never penalised.
//
//   * Ridge:    minimises sum_i (y_i - f(x_i))^2 + alpha * ||w||^2 (scikit-learn's Ridge, one
//               output). Solved exactly by an LDLT factorisation of the p x p normal equations.
//   * Logistic: minimises sum_i -log softmax(f(x_i))[y_i] + (l2 / 2) * ||W||^2 with one weight
//               vector per class (scikit-learn's LogisticRegression(C = 1 / l2), multinomial).
//               Solved by block Newton steps (one class at a time, exact block Hessian,
//               backtracking line search) until the largest gradient entry falls below
//               1e-5 * n, a sweep lowers the loss by <= 1e-12 of it, or 100 sweeps.
//
// Short names: n = rows, p = features, k = outputs (1 for ridge, classes for logistic).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace scmforge::scm {

/// A fitted linear model over raw (unstandardised) features.
struct LinearModel {
  std::int32_t n_features = 0;    // p
  std::int32_t n_outputs = 1;     // k
  std::vector<double> weights;    // p x k, row-major: weights[j * k + c]
  std::vector<double> intercept;  // k

  /// Writes the k raw outputs (regression value, or class logits) of one row into `out`.
  /// `x_row` holds the row's p features (contiguous); `out` has k entries.
  void predict_row(const double* x_row, double* out) const noexcept;

  /// Throws InvalidInput when the array sizes do not match p and k or a value is not finite.
  void validate() const;
};

/// Ridge regression of y (n values) on x (n x p, column-major: feature j at x[j * n, ...)).
/// alpha >= 0. Throws Numerical when the solution is not finite.
LinearModel fit_ridge(std::span<const double> x, std::int64_t n, std::int32_t p,
                      std::span<const double> y, double alpha);

/// Multinomial logistic regression of class codes y (n values in 0..k-1, stored as doubles) on
/// x (n x p, column-major), k >= 2 classes, penalty l2 > 0. Throws Numerical when the
/// solution is not finite.
LinearModel fit_logistic(std::span<const double> x, std::int64_t n, std::int32_t p,
                         std::span<const double> y, std::int32_t k, double l2);

}  // namespace scmforge::scm
