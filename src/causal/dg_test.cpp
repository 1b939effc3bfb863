// src/causal/dg_test.cpp: the degenerate-Gaussian likelihood-ratio test.
#include "scmforge/causal/dg_test.hpp"

#include <fmt/format.h>

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>

#include "scmforge/causal/discrete_test.hpp"
#include "scmforge/core/error.hpp"

namespace scmforge::causal {

DegenerateGaussianTest::DegenerateGaussianTest(const Eigen::MatrixXd& data,
                                               const std::vector<bool>& categorical,
                                               std::vector<std::string> names)
    : n_(data.rows()), names_(std::move(names)) {
  const Eigen::Index d = data.cols();
  SCMFORGE_CHECK(d >= 2, InvalidInput, "dg test needs at least 2 columns, got {}", d);
  SCMFORGE_CHECK(n_ > 0, InvalidInput, "dg test needs rows, got none");
  SCMFORGE_CHECK(categorical.size() == static_cast<std::size_t>(d), InvalidInput,
                 "dg test: {} categorical flags for {} columns", categorical.size(), d);
  SCMFORGE_CHECK(names_.empty() || names_.size() == static_cast<std::size_t>(d), InvalidInput,
                 "dg test: {} column names for {} columns", names_.size(), d);
  std::vector<Eigen::VectorXd> columns;
  for (Eigen::Index j = 0; j < d; ++j) {
    const auto col = data.col(j);
    SCMFORGE_CHECK(col.allFinite(), InvalidInput,
                   "dg test: column {} holds NaN or infinite values; drop or impute them first "
                   "(missing=\"drop\")",
                   name(static_cast<int>(j)));
    SCMFORGE_CHECK(col.maxCoeff() > col.minCoeff(), InvalidInput,
                   "dg test: column {} has a single value; drop it", name(static_cast<int>(j)));
    std::vector<Eigen::Index> mine;
    if (categorical[static_cast<std::size_t>(j)]) {
      std::vector<double> levels(col.begin(), col.end());
      std::sort(levels.begin(), levels.end());
      levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
      for (std::size_t l = 1; l < levels.size(); ++l) {  // the first level is the reference
        mine.push_back(static_cast<Eigen::Index>(columns.size()));
        columns.emplace_back((col.array() == levels[l]).cast<double>());
      }
    } else {
      mine.push_back(static_cast<Eigen::Index>(columns.size()));
      columns.emplace_back(col);
    }
    embedded_.push_back(std::move(mine));
  }
  Eigen::MatrixXd e(n_, static_cast<Eigen::Index>(columns.size()));
  for (std::size_t c = 0; c < columns.size(); ++c) {
    e.col(static_cast<Eigen::Index>(c)) = columns[c];
    e.col(static_cast<Eigen::Index>(c)).array() -= e.col(static_cast<Eigen::Index>(c)).mean();
  }
  cov_ = e.transpose() * e / static_cast<double>(n_);
}

std::string DegenerateGaussianTest::name(int column) const {
  return names_.empty() ? fmt::format("{}", column)
                        : fmt::format("'{}'", names_[static_cast<std::size_t>(column)]);
}

int DegenerateGaussianTest::width(int column) const {
  return static_cast<int>(embedded_[static_cast<std::size_t>(column)].size());
}

double DegenerateGaussianTest::p_value(int x, int y, std::span<const int> s) const {
  std::vector<Eigen::Index> z;
  for (const int v : s) {
    const auto& cols = embedded_[static_cast<std::size_t>(v)];
    z.insert(z.end(), cols.begin(), cols.end());
  }
  const auto& xc = embedded_[static_cast<std::size_t>(x)];
  const auto& yc = embedded_[static_cast<std::size_t>(y)];
  std::vector<Eigen::Index> xy = xc;
  xy.insert(xy.end(), yc.begin(), yc.end());
  const auto nz = static_cast<Eigen::Index>(z.size());
  const auto nxy = static_cast<Eigen::Index>(xy.size());
  const auto nx = static_cast<Eigen::Index>(xc.size());
  SCMFORGE_CHECK(n_ > nz + nxy, InvalidInput,
                 "dg test: {} rows are too few for {} embedded columns (categorical levels count "
                 "one column each); lower the maximum depth",
                 n_, nz + nxy);
  constexpr double kPivot = 1e-5;
  const auto singular = [&] {
    std::string cols = name(x) + ", " + name(y);
    for (const int v : s) cols += ", " + name(v);
    SCMFORGE_THROW(Numerical,
                   "dg test: the covariance of columns {} (categorical columns as level "
                   "indicators) is singular (duplicated or collinear columns, or a level that "
                   "another column determines); drop the redundant columns",
                   cols);
  };
  // C(XY | Z) = C(XY, XY) - W^T W with W = L^-1 C(Z, XY), L L^T = C(Z, Z).
  Eigen::MatrixXd cond(nxy, nxy);
  for (Eigen::Index i = 0; i < nxy; ++i)
    for (Eigen::Index j = 0; j < nxy; ++j)
      cond(i, j) = cov_(xy[static_cast<std::size_t>(i)], xy[static_cast<std::size_t>(j)]);
  if (nz > 0) {
    Eigen::MatrixXd czz(nz, nz), w(nz, nxy);
    for (Eigen::Index i = 0; i < nz; ++i) {
      for (Eigen::Index j = 0; j < nz; ++j)
        czz(i, j) = cov_(z[static_cast<std::size_t>(i)], z[static_cast<std::size_t>(j)]);
      for (Eigen::Index j = 0; j < nxy; ++j)
        w(i, j) = cov_(z[static_cast<std::size_t>(i)], xy[static_cast<std::size_t>(j)]);
    }
    const Eigen::LLT<Eigen::MatrixXd> llt(czz);
    if (llt.info() != Eigen::Success) singular();
    for (Eigen::Index i = 0; i < nz; ++i)
      if (!(llt.matrixLLT()(i, i) > kPivot * std::sqrt(czz(i, i)))) singular();
    llt.matrixL().solveInPlace(w);
    cond.noalias() -= w.transpose() * w;
  }
  // ln|C| by Cholesky; a pivot below 1e-5 of its column's unconditional standard deviation
  // (a variance ratio of 1e-10, Fisher z's floor) counts as singular.
  const auto log_det = [&](const Eigen::MatrixXd& m, Eigen::Index first) {
    const Eigen::LLT<Eigen::MatrixXd> llt(m);
    if (llt.info() != Eigen::Success) singular();
    const Eigen::VectorXd diag = llt.matrixLLT().diagonal();
    for (Eigen::Index i = 0; i < diag.size(); ++i) {
      const Eigen::Index c = xy[static_cast<std::size_t>(first + i)];
      if (!(diag(i) > kPivot * std::sqrt(cov_(c, c)))) singular();
    }
    return 2.0 * diag.array().log().sum();
  };
  const double lr = static_cast<double>(n_) *
                    (log_det(cond.topLeftCorner(nx, nx), 0) +
                     log_det(cond.bottomRightCorner(nxy - nx, nxy - nx), nx) - log_det(cond, 0));
  return chi2_sf(std::max(lr, 0.0), static_cast<double>(nx * (nxy - nx)));
}

}  // namespace scmforge::causal
