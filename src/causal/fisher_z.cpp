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

double FisherZ::p_value(int x, int y, std::span<const int> s) const {
  const auto k = static_cast<Eigen::Index>(s.size()) + 2;
  SCMFORGE_CHECK(n_ - static_cast<std::int64_t>(s.size()) - 3 > 0, InvalidInput,
                 "fisherz: {} rows are too few for a conditioning set of {} columns (need n - |S| "
                 "- 3 > 0); lower the maximum depth",
                 n_, s.size());
  double r = 0.0;
  if (s.empty()) {
    r = corr_(x, y);
  } else {
    // P = inverse of the correlation submatrix over (x, y, S); only its top-left 2 x 2 block is
    // needed: P e_0 and P e_1 by one Cholesky solve. A submatrix that is not positive definite
    // to working precision (collinear columns) is reported instead of giving a p-value.
    Eigen::MatrixXd sub(k, k);
    const auto var = [&](Eigen::Index i) {
      return i == 0 ? x : i == 1 ? y : s[static_cast<std::size_t>(i - 2)];
    };
    for (Eigen::Index i = 0; i < k; ++i)
      for (Eigen::Index j = 0; j < k; ++j) sub(i, j) = corr_(var(i), var(j));
    const Eigen::LLT<Eigen::MatrixXd> llt(sub);
    const double floor = 1e-10;
    if (llt.info() != Eigen::Success || llt.matrixLLT().diagonal().minCoeff() < std::sqrt(floor)) {
      std::string cols;
      for (Eigen::Index i = 0; i < k; ++i) cols += (cols.empty() ? "" : ", ") + name(var(i));
      SCMFORGE_THROW(Numerical,
                     "fisherz: the correlation matrix of columns {} is singular (duplicated or "
                     "perfectly collinear columns); drop the redundant columns",
                     cols);
    }
    const Eigen::MatrixXd inv = llt.solve(Eigen::MatrixXd::Identity(k, 2));
    r = -inv(0, 1) / std::sqrt(std::abs(inv(0, 0) * inv(1, 1)));
  }
  if (std::abs(r) >= 1.0) r = (1.0 - std::numeric_limits<double>::epsilon()) * (r > 0 ? 1.0 : -1.0);
  const double z = 0.5 * std::log((1.0 + r) / (1.0 - r));
  const double stat =
      std::sqrt(static_cast<double>(n_ - static_cast<std::int64_t>(s.size()) - 3)) * std::abs(z);
  return std::erfc(stat / std::sqrt(2.0));
}

}  // namespace scmforge::causal
