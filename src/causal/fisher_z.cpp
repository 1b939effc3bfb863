// src/causal/fisher_z.cpp: Fisher's z test from the correlation matrix.
#include "scmforge/causal/fisher_z.hpp"

#include <fmt/format.h>

#include <Eigen/Cholesky>
#include <cmath>
#include <limits>

#include "scmforge/core/error.hpp"

namespace scmforge::causal {

FisherZ::FisherZ(const Eigen::MatrixXd& data, std::vector<std::string> names)
    : n_(data.rows()), names_(std::move(names)) {
  const Eigen::Index d = data.cols();
  SCMFORGE_CHECK(names_.empty() || names_.size() == static_cast<std::size_t>(d), InvalidInput,
                 "fisherz: {} column names for {} columns", names_.size(), d);
  SCMFORGE_CHECK(d >= 2, InvalidInput, "fisherz needs at least 2 columns, got {}", d);
  SCMFORGE_CHECK(n_ >= 4, InvalidInput, "fisherz needs at least 4 rows (n - |S| - 3 > 0), got {}",
                 n_);
  Eigen::MatrixXd centred = data;
  for (Eigen::Index j = 0; j < d; ++j) {
    SCMFORGE_CHECK(centred.col(j).allFinite(), InvalidInput,
                   "fisherz: column {} holds NaN or infinite values; drop or impute them first "
                   "(missing=\"drop\")",
                   name(static_cast<int>(j)));
    centred.col(j).array() -= centred.col(j).mean();
    const double norm = centred.col(j).norm();
    SCMFORGE_CHECK(norm > 0.0, InvalidInput,
                   "fisherz: column {} is constant, so its correlations are undefined; drop it",
                   name(static_cast<int>(j)));
    centred.col(j) /= norm;
  }
  corr_ = centred.transpose() * centred;
  corr_.diagonal().setOnes();
}

std::string FisherZ::name(int column) const {
  return names_.empty() ? fmt::format("{}", column)
                        : fmt::format("'{}'", names_[static_cast<std::size_t>(column)]);
}

namespace {

double clipped(double r) {
  return std::abs(r) >= 1.0 ? (1.0 - std::numeric_limits<double>::epsilon()) * (r > 0 ? 1 : -1) : r;
}

// The p-value of a statistic as causal-learn computes it, 2 (1 - Phi(stat)) with scipy's ndtr
// (cephes: erf near 0, erfc beyond), so tiny p-values round to the same values, ties included
// (0 for a statistic above ~8.3): collider priorities sort by them.
double p_of_statistic(double stat) {
  const double x = stat * M_SQRT1_2;
  double cdf = 0.0;
  if (std::abs(x) < M_SQRT1_2) {
    cdf = 0.5 + 0.5 * std::erf(x);
  } else {
    cdf = 0.5 * std::erfc(std::abs(x));
    if (x > 0) cdf = 1.0 - cdf;
  }
  return 2.0 * (1.0 - cdf);
}

// p-value of partial correlation r with scale sqrt(n - |S| - 3).
double p_of(double r, double scale) {
  r = clipped(r);
  const double z = 0.5 * std::log((1.0 + r) / (1.0 - r));
  return p_of_statistic(scale * std::abs(z));
}

}  // namespace

double FisherZ::p_value(int x, int y, std::span<const int> s) const {
  double r = 0.0;
  partial_correlations(x, s, std::span<const int>(&y, 1), std::span<double>(&r, 1));
  return p_of(r, std::sqrt(static_cast<double>(n_ - static_cast<std::int64_t>(s.size()) - 3)));
}

double FisherZ::threshold(double alpha) {
  SCMFORGE_CHECK(alpha > 0.0 && alpha < 1.0, InvalidInput, "alpha must be in (0, 1), got {}",
                 alpha);
  double lo = 0.0, hi = 64.0;  // the p-value falls from 1 to 0 on [0, 64]
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (p_of_statistic(mid) > alpha ? lo : hi) = mid;
  }
  return lo;
}

void FisherZ::independent(int x, std::span<const int> s, std::span<const int> ys, double alpha,
                          double threshold, std::span<std::uint8_t> out) const {
  const double scale = std::sqrt(static_cast<double>(n_ - static_cast<std::int64_t>(s.size()) - 3));
  std::vector<double> r(ys.size());
  partial_correlations(x, s, ys, r);
  // p > alpha exactly when |r| < tanh(threshold / scale); away from that value by more than
  // rounding could move either side, the comparison decides, and near it the p-value does.
  const double critical = std::tanh(threshold / scale);
  const bool fast = critical < 1.0 - 1e-6;
  for (std::size_t i = 0; i < ys.size(); ++i) {
    const double a = std::abs(clipped(r[i]));
    if (fast && a < critical * (1.0 - 1e-9)) {
      out[i] = 1;
    } else if (fast && a > critical * (1.0 + 1e-9)) {
      out[i] = 0;
    } else {
      out[i] = p_of(r[i], scale) > alpha ? 1 : 0;
    }
  }
}

void FisherZ::partial_correlations(int x, std::span<const int> s, std::span<const int> ys,
                                   std::span<double> out) const {
  const auto l = static_cast<Eigen::Index>(s.size());
  SCMFORGE_CHECK(n_ - static_cast<std::int64_t>(l) - 3 > 0, InvalidInput,
                 "fisherz: {} rows are too few for a conditioning set of {} columns (need n - |S| "
                 "- 3 > 0); lower the maximum depth",
                 n_, l);
  if (l == 0) {
    for (std::size_t i = 0; i < ys.size(); ++i) out[i] = corr_(x, ys[i]);
    return;
  }
  // With L L^T the Cholesky factor of the correlations among S and w_v = L^-1 C(S, v), the
  // covariance of u and v given S is C(u, v) - w_u . w_v; the partial correlation of x and y is
  // that of x and y over the square root of their conditional variances (equal to -P_xy /
  // sqrt(P_xx P_yy) for P the inverse over (x, y, S)). One factorisation serves every y. A
  // conditioning set or a pair that is collinear to working precision (a pivot of the Cholesky
  // factor over (S, x, y) below 1e-5) is reported instead of giving a p-value.
  constexpr double kFloor = 1e-10;
  Eigen::MatrixXd css(l, l);
  for (Eigen::Index i = 0; i < l; ++i)
    for (Eigen::Index j = 0; j < l; ++j)
      css(i, j) = corr_(s[static_cast<std::size_t>(i)], s[static_cast<std::size_t>(j)]);
  const Eigen::LLT<Eigen::MatrixXd> llt(css);
  const auto singular = [&](std::span<const int> extra) {
    std::string cols;
    for (const int v : extra) cols += (cols.empty() ? "" : ", ") + name(v);
    for (const int v : s) cols += (cols.empty() ? "" : ", ") + name(v);
    SCMFORGE_THROW(Numerical,
                   "fisherz: the correlation matrix of columns {} is singular (duplicated or "
                   "perfectly collinear columns); drop the redundant columns",
                   cols);
  };
  if (llt.info() != Eigen::Success || llt.matrixLLT().diagonal().minCoeff() < std::sqrt(kFloor))
    singular(std::span<const int>(&x, 1));
  const auto m = static_cast<Eigen::Index>(ys.size());
  Eigen::MatrixXd w(l, m + 1);
  for (Eigen::Index i = 0; i < l; ++i) {
    const int si = s[static_cast<std::size_t>(i)];
    w(i, 0) = corr_(si, x);
    for (Eigen::Index j = 0; j < m; ++j) w(i, j + 1) = corr_(si, ys[static_cast<std::size_t>(j)]);
  }
  llt.matrixL().solveInPlace(w);
  const double vx = 1.0 - w.col(0).squaredNorm();
  for (Eigen::Index j = 0; j < m; ++j) {
    const int y = ys[static_cast<std::size_t>(j)];
    const double vy = 1.0 - w.col(j + 1).squaredNorm();
    const double c = corr_(x, y) - w.col(0).dot(w.col(j + 1));
    if (vx < kFloor || vy - c * c / vx < kFloor) {
      const int pair[2] = {x, y};
      singular(pair);
    }
    out[static_cast<std::size_t>(j)] = c / std::sqrt(vx * vy);
  }
}

}  // namespace scmforge::causal
