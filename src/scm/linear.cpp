// src/scm/linear.cpp: ridge normal equations and block-Newton multinomial logistic regression.
#include "scmforge/scm/linear.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "scmforge/core/error.hpp"

namespace scmforge::scm {
namespace {

// Standardised copy of x (n x p) with the means and scales used (scale 1 for constant columns).
struct Standardised {
  Eigen::MatrixXd z;
  Eigen::VectorXd mean;
  Eigen::VectorXd scale;
};

Standardised standardise(std::span<const double> x, std::int64_t n, std::int32_t p) {
  Standardised s;
  s.z = Eigen::Map<const Eigen::MatrixXd>(x.data(), n, p);
  s.mean = s.z.colwise().mean().transpose();
  s.z.rowwise() -= s.mean.transpose();
  s.scale = (s.z.colwise().squaredNorm().transpose() / static_cast<double>(n)).cwiseSqrt();
  for (Eigen::Index j = 0; j < p; ++j) {
    if (!(s.scale(j) > 1e-12 * (1.0 + std::abs(s.mean(j))))) s.scale(j) = 1.0;
  }
  s.z.array().rowwise() /= s.scale.transpose().array();
  return s;
}

// Folds the standardisation into weights (p x k) and intercepts (k).
LinearModel unstandardise(const Standardised& s, const Eigen::MatrixXd& w,
                          const Eigen::VectorXd& b) {
  LinearModel m;
  m.n_features = static_cast<std::int32_t>(w.rows());
  m.n_outputs = static_cast<std::int32_t>(w.cols());
  m.weights.resize(static_cast<std::size_t>(w.size()));
  m.intercept.resize(static_cast<std::size_t>(w.cols()));
  for (Eigen::Index c = 0; c < w.cols(); ++c) {
    double b0 = b(c);
    for (Eigen::Index j = 0; j < w.rows(); ++j) {
      const double raw = w(j, c) / s.scale(j);
      m.weights[static_cast<std::size_t>(j * w.cols() + c)] = raw;
      b0 -= raw * s.mean(j);
    }
    m.intercept[static_cast<std::size_t>(c)] = b0;
  }
  for (double v : m.weights) {
    SCMFORGE_CHECK(std::isfinite(v), Numerical, "linear model: non-finite weight after fitting");
  }
  for (double v : m.intercept) {
    SCMFORGE_CHECK(std::isfinite(v), Numerical, "linear model: non-finite intercept");
  }
  return m;
}

// Softmax cross-entropy + (l2 / 2) ||W||^2, and the class probabilities.
double logistic_loss(const Eigen::MatrixXd& z, const Eigen::VectorXi& y, const Eigen::MatrixXd& w,
                     const Eigen::VectorXd& b, double l2, Eigen::MatrixXd& prob) {
  prob = z * w;
  prob.rowwise() += b.transpose();
  double loss = 0.5 * l2 * w.squaredNorm();
  for (Eigen::Index i = 0; i < prob.rows(); ++i) {
    const double top = prob.row(i).maxCoeff();
    prob.row(i).array() = (prob.row(i).array() - top).exp();
    const double total = prob.row(i).sum();
    prob.row(i) /= total;
    loss -= std::log(std::max(prob(i, y(i)), 1e-300));
  }
  return loss;
}

}  // namespace

void LinearModel::predict_row(const double* x_row, double* out) const noexcept {
  const auto k = static_cast<std::size_t>(n_outputs);
  for (std::size_t c = 0; c < k; ++c) out[c] = intercept[c];
  for (std::size_t j = 0; j < static_cast<std::size_t>(n_features); ++j) {
    const double v = x_row[j];
    const double* w = weights.data() + j * k;
    for (std::size_t c = 0; c < k; ++c) out[c] += v * w[c];
  }
}

void LinearModel::validate() const {
  SCMFORGE_CHECK(n_features >= 0 && n_outputs >= 1 &&
                     weights.size() == static_cast<std::size_t>(n_features) *
                                           static_cast<std::size_t>(n_outputs) &&
                     intercept.size() == static_cast<std::size_t>(n_outputs),
                 InvalidInput, "linear model: {} weights and {} intercepts for p = {}, k = {}",
                 weights.size(), intercept.size(), n_features, n_outputs);
  for (double v : weights) {
    SCMFORGE_CHECK(std::isfinite(v), InvalidInput, "linear model: non-finite weight");
  }
  for (double v : intercept) {
    SCMFORGE_CHECK(std::isfinite(v), InvalidInput, "linear model: non-finite intercept");
  }
}

LinearModel fit_ridge(std::span<const double> x, std::int64_t n, std::int32_t p,
                      std::span<const double> y, double alpha) {
  SCMFORGE_CHECK(n >= 1 && x.size() == static_cast<std::size_t>(n * p) &&
                     y.size() == static_cast<std::size_t>(n) && alpha >= 0,
                 InvalidInput, "fit_ridge: {} values, {} targets, n = {}, p = {}, alpha = {}",
                 x.size(), y.size(), n, p, alpha);
  const Standardised s = standardise(x, n, p);
  const Eigen::Map<const Eigen::VectorXd> target(y.data(), n);
  const double y_mean = target.mean();
  Eigen::MatrixXd gram = s.z.transpose() * s.z;
  // A tiny floor keeps the system solvable for collinear one-hot blocks when alpha = 0.
  gram.diagonal().array() += std::max(alpha, 1e-10 * static_cast<double>(n));
  const Eigen::VectorXd rhs = s.z.transpose() * (target.array() - y_mean).matrix();
  const Eigen::MatrixXd w = gram.ldlt().solve(rhs);
  return unstandardise(s, w, Eigen::VectorXd::Constant(1, y_mean));
}

LinearModel fit_logistic(std::span<const double> x, std::int64_t n, std::int32_t p,
                         std::span<const double> y, std::int32_t k, double l2) {
  SCMFORGE_CHECK(n >= 1 && k >= 2 && x.size() == static_cast<std::size_t>(n * p) &&
                     y.size() == static_cast<std::size_t>(n) && l2 > 0,
                 InvalidInput,
                 "fit_logistic: {} values, {} targets, n = {}, p = {}, k = {}, l2 = {}", x.size(),
                 y.size(), n, p, k, l2);
  const Standardised s = standardise(x, n, p);
  Eigen::VectorXi labels(n);
  Eigen::MatrixXd onehot = Eigen::MatrixXd::Zero(n, k);
  for (Eigen::Index i = 0; i < n; ++i) {
    labels(i) = static_cast<int>(y[static_cast<std::size_t>(i)]);
    onehot(i, labels(i)) = 1.0;
  }
  Eigen::MatrixXd w = Eigen::MatrixXd::Zero(p, k);
  Eigen::VectorXd b(k);
  for (int c = 0; c < k; ++c) b(c) = std::log(std::max(onehot.col(c).mean(), 1e-3));
  Eigen::MatrixXd prob;
  double loss = logistic_loss(s.z, labels, w, b, l2, prob);
  // Augmented design [z 1] for one class block: p weights then the intercept.
  Eigen::MatrixXd za(n, p + 1);
  za.leftCols(p) = s.z;
  za.col(p).setOnes();
  Eigen::MatrixXd weighted(n, p + 1);
  for (int sweep = 0; sweep < 100; ++sweep) {
    const double loss_before = loss;
    double max_grad = 0;
    for (int c = 0; c < k; ++c) {
      const Eigen::VectorXd resid = prob.col(c) - onehot.col(c);
      Eigen::VectorXd grad = za.transpose() * resid;
      grad.head(p) += l2 * w.col(c);
      max_grad = std::max(max_grad, grad.cwiseAbs().maxCoeff());
      const Eigen::ArrayXd curv = (prob.col(c).array() * (1.0 - prob.col(c).array())).max(1e-12);
      weighted = za.array().colwise() * curv;
      Eigen::MatrixXd hess = za.transpose() * weighted;
      hess.diagonal().head(p).array() += l2;
      hess(p, p) += 1e-8 * static_cast<double>(n);
      const Eigen::VectorXd step = hess.ldlt().solve(grad);
      const double slope = grad.dot(step);
      if (!(slope > 0)) continue;
      Eigen::MatrixXd trial_prob;
      double t = 1.0;
      for (int halving = 0; halving < 30; ++halving, t *= 0.5) {
        Eigen::MatrixXd w_try = w;
        Eigen::VectorXd b_try = b;
        w_try.col(c) -= t * step.head(p);
        b_try(c) -= t * step(p);
        const double trial = logistic_loss(s.z, labels, w_try, b_try, l2, trial_prob);
        if (trial <= loss - 1e-4 * t * slope) {
          w = std::move(w_try);
          b = std::move(b_try);
          loss = trial;
          prob = std::move(trial_prob);
          break;
        }
      }
    }
    // Converged: gradient entries below 1e-5 per row (scikit-learn's lbfgs stops at 1e-4 on the
    // mean loss), or a sweep that no longer lowers the loss.
    if (max_grad < 1e-5 * static_cast<double>(n) || loss_before - loss <= 1e-12 * loss) break;
  }
  SCMFORGE_CHECK(std::isfinite(loss), Numerical, "logistic regression: the loss is not finite");
  return unstandardise(s, w, b);
}

}  // namespace scmforge::scm
