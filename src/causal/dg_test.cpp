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

namespace {

// Greedy basis: the members of `cols` (positions in `m`, in order) whose variance given the
// members kept before them exceeds kRatio times `scale` of that member; the others are exact
// linear combinations of the kept ones, to working precision.
std::vector<Eigen::Index> independent_dims(const Eigen::MatrixXd& m,
                                           const std::vector<Eigen::Index>& cols,
                                           const std::vector<double>& scale) {
  constexpr double kRatio = 1e-10;  // a pivot of 1e-5 standard deviations, Fisher z's floor
  std::vector<Eigen::Index> kept;
  for (std::size_t i = 0; i < cols.size(); ++i) {
    const Eigen::Index c = cols[i];
    double residual = m(c, c);
    if (!kept.empty()) {
      const auto k = static_cast<Eigen::Index>(kept.size());
      Eigen::MatrixXd kk(k, k);
      Eigen::VectorXd kc(k);
      for (Eigen::Index a = 0; a < k; ++a) {
        kc(a) = m(kept[static_cast<std::size_t>(a)], c);
        for (Eigen::Index b = 0; b < k; ++b)
          kk(a, b) = m(kept[static_cast<std::size_t>(a)], kept[static_cast<std::size_t>(b)]);
      }
      residual -= kc.dot(kk.llt().solve(kc));
    }
    if (residual > kRatio * scale[i]) kept.push_back(c);
  }
  return kept;
}

Eigen::MatrixXd submatrix(const Eigen::MatrixXd& m, const std::vector<Eigen::Index>& rows,
                          const std::vector<Eigen::Index>& cols) {
  Eigen::MatrixXd out(static_cast<Eigen::Index>(rows.size()),
                      static_cast<Eigen::Index>(cols.size()));
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t j = 0; j < cols.size(); ++j)
      out(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = m(rows[i], cols[j]);
  return out;
}

}  // namespace

double DegenerateGaussianTest::p_value(int x, int y, std::span<const int> s) const {
  std::vector<Eigen::Index> z;
  for (const int v : s) {
    const auto& cols = embedded_[static_cast<std::size_t>(v)];
    z.insert(z.end(), cols.begin(), cols.end());
  }
  const auto& xc = embedded_[static_cast<std::size_t>(x)];
  const auto& yc = embedded_[static_cast<std::size_t>(y)];
  SCMFORGE_CHECK(n_ > static_cast<std::int64_t>(z.size() + xc.size() + yc.size()), InvalidInput,
                 "dg test: {} rows are too few for {} embedded columns (categorical levels count "
                 "one column each); lower the maximum depth",
                 n_, z.size() + xc.size() + yc.size());
  const auto variances = [this](const std::vector<Eigen::Index>& cols) {
    std::vector<double> v;
    for (const Eigen::Index c : cols) v.push_back(cov_(c, c));
    return v;
  };
  // Degenerate dimensions (the model's name): conditioning columns that others among them
  // determine add nothing and are dropped.
  z = independent_dims(cov_, z, variances(z));
  std::vector<Eigen::Index> xy = xc;
  xy.insert(xy.end(), yc.begin(), yc.end());
  // C(XY | Z) = C(XY, XY) - W^T W with W = L^-1 C(Z, XY), L L^T = C(Z, Z).
  Eigen::MatrixXd cond = submatrix(cov_, xy, xy);
  if (!z.empty()) {
    const Eigen::LLT<Eigen::MatrixXd> llt(submatrix(cov_, z, z));
    Eigen::MatrixXd w = submatrix(cov_, z, xy);
    llt.matrixL().solveInPlace(w);
    cond.noalias() -= w.transpose() * w;
  }
  // Dimensions of x (or y) that Z determines are constant given Z: they carry no dependence and
  // no degrees of freedom. No dimension left on one side: independent (p = 1).
  const auto nx = static_cast<Eigen::Index>(xc.size());
  std::vector<Eigen::Index> xs, ys;
  for (Eigen::Index i = 0; i < static_cast<Eigen::Index>(xy.size()); ++i)
    (i < nx ? xs : ys).push_back(i);
  const std::vector<double> scale = variances(xy);
  const auto scales = [&scale](const std::vector<Eigen::Index>& idx) {
    std::vector<double> v;
    for (const Eigen::Index i : idx) v.push_back(scale[static_cast<std::size_t>(i)]);
    return v;
  };
  xs = independent_dims(cond, xs, scales(xs));
  ys = independent_dims(cond, ys, scales(ys));
  if (xs.empty() || ys.empty()) return 1.0;
  std::vector<Eigen::Index> both = xs;
  both.insert(both.end(), ys.begin(), ys.end());
  // A dimension of y that x determines given Z is a deterministic dependence: p = 0.
  if (independent_dims(cond, both, scales(both)).size() < both.size()) return 0.0;
  const auto log_det = [](const Eigen::MatrixXd& m) {
    return 2.0 * Eigen::LLT<Eigen::MatrixXd>(m).matrixLLT().diagonal().array().log().sum();
  };
  const double lr = static_cast<double>(n_) *
                    (log_det(submatrix(cond, xs, xs)) + log_det(submatrix(cond, ys, ys)) -
                     log_det(submatrix(cond, both, both)));
  return chi2_sf(std::max(lr, 0.0),
                 static_cast<double>(xs.size()) * static_cast<double>(ys.size()));
}

}  // namespace scmforge::causal
