// tests/cpp/causal/dg_test.cpp: the degenerate-Gaussian test against direct regressions, its
// calibration under independence, its power, and its errors.
#include "scmforge/causal/dg_test.hpp"

#include <gtest/gtest.h>

#include <Eigen/LU>
#include <Eigen/QR>
#include <cmath>
#include <random>

#include "scmforge/causal/discrete_test.hpp"
#include "scmforge/core/error.hpp"

namespace scmforge::causal {
namespace {

// Mixed data: a numeric root u, a 3-level category c depending on u, a numeric v depending on c,
// and w independent of everything; `effect` scales the dependences.
Eigen::MatrixXd mixed(int n, unsigned seed, double effect) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> unif;
  Eigen::MatrixXd x(n, 4);
  for (int i = 0; i < n; ++i) {
    const double u = normal(rng);
    const double t = unif(rng) + effect * 0.3 * u;
    const double c = t < 0.33 ? 0 : t < 0.66 ? 1 : 2;
    x(i, 0) = u;
    x(i, 1) = c;
    x(i, 2) = effect * (c == 1 ? 1.0 : c == 2 ? -0.5 : 0.0) + normal(rng);
    x(i, 3) = normal(rng);
  }
  return x;
}

// n ln(RSS without y / RSS with y) for numeric x regressed on an intercept, the indicator columns
// of the given categorical columns and the numeric ones: the likelihood ratio when x is one
// numeric column.
double regression_lr(const Eigen::MatrixXd& data, const std::vector<bool>& categorical, int x,
                     int y, const std::vector<int>& s) {
  const auto design = [&](const std::vector<int>& vars) {
    std::vector<Eigen::VectorXd> cols{Eigen::VectorXd::Ones(data.rows())};
    for (const int v : vars) {
      if (!categorical[static_cast<std::size_t>(v)]) {
        cols.emplace_back(data.col(v));
        continue;
      }
      const double top = data.col(v).maxCoeff();
      for (double level = 1; level <= top; ++level)
        cols.emplace_back((data.col(v).array() == level).cast<double>());
    }
    Eigen::MatrixXd m(data.rows(), static_cast<Eigen::Index>(cols.size()));
    for (std::size_t j = 0; j < cols.size(); ++j) m.col(static_cast<Eigen::Index>(j)) = cols[j];
    return m;
  };
  const auto rss = [&](const std::vector<int>& vars) {
    const Eigen::MatrixXd m = design(vars);
    const Eigen::VectorXd beta = m.colPivHouseholderQr().solve(data.col(x));
    return (data.col(x) - m * beta).squaredNorm();
  };
  std::vector<int> with = s;
  with.push_back(y);
  return static_cast<double>(data.rows()) * std::log(rss(s) / rss(with));
}

TEST(CausalDgTest, EqualsTheRegressionLikelihoodRatioForANumericColumn) {
  const Eigen::MatrixXd data = mixed(800, 1, 1.0);
  const std::vector<bool> categorical = {false, true, false, false};
  const DegenerateGaussianTest t(data, categorical);
  EXPECT_EQ(t.width(1), 2);
  EXPECT_EQ(t.width(0), 1);
  const std::vector<std::tuple<int, int, std::vector<int>>> cases = {
      {0, 1, {}}, {2, 1, {}}, {2, 1, {0}}, {2, 0, {1}}, {0, 2, {1, 3}}, {3, 1, {0, 2}}};
  for (const auto& [x, y, s] : cases) {
    const double lr = regression_lr(data, categorical, x, y, s);
    const double df = t.width(y);
    EXPECT_NEAR(t.p_value(x, y, s), chi2_sf(lr, df), 1e-9) << x << " " << y;
    EXPECT_NEAR(t.p_value(y, x, s), t.p_value(x, y, s), 1e-9);  // symmetric
  }
  EXPECT_LT(t.p_value(0, 1, {}), 1e-6);                   // u -> c
  EXPECT_LT(t.p_value(1, 2, {}), 1e-6);                   // c -> v
  EXPECT_GT(t.p_value(0, 2, std::vector<int>{1}), 1e-3);  // u _||_ v | c
}

// Under independence the p-values are about uniform: 5 % +- a binomial margin fall below 0.05.
TEST(CausalDgTest, IsCalibratedUnderIndependenceAndPowerfulUnderDependence) {
  int rejections = 0;
  const int trials = 300;
  for (int k = 0; k < trials; ++k) {
    const DegenerateGaussianTest t(mixed(300, 100 + static_cast<unsigned>(k), 0.0),
                                   {false, true, false, false});
    rejections += t.p_value(1, 3, std::vector<int>{0}) < 0.05 ? 1 : 0;
  }
  EXPECT_GE(rejections, 6);   // 2 %
  EXPECT_LE(rejections, 27);  // 9 %
  const DegenerateGaussianTest strong(mixed(300, 7, 1.0), {false, true, false, false});
  EXPECT_LT(strong.p_value(1, 2, {}), 1e-6);
}

TEST(CausalDgTest, BadInputsAreNamed) {
  Eigen::MatrixXd data = mixed(50, 3, 1.0);
  const std::vector<std::string> names = {"u", "c", "v", "w"};
  const std::vector<bool> categorical = {false, true, false, false};
  Eigen::MatrixXd constant = data;
  constant.col(3).setConstant(2.0);
  EXPECT_THROW(DegenerateGaussianTest(constant, categorical, names), InvalidInput);
  // Degenerate dimensions: w = 2u is constant given u (p = 1 against anything), determined by
  // u (p = 0), and adds nothing to a conditioning set that holds u.
  Eigen::MatrixXd duplicate = data;
  duplicate.col(3) = 2.0 * data.col(0);
  const DegenerateGaussianTest dup(duplicate, categorical, names);
  EXPECT_EQ(dup.p_value(2, 3, std::vector<int>{0}), 1.0);
  EXPECT_EQ(dup.p_value(0, 3, {}), 0.0);
  const DegenerateGaussianTest plain(data, categorical, names);
  EXPECT_EQ(dup.p_value(1, 2, std::vector<int>{0, 3}), plain.p_value(1, 2, std::vector<int>{0}));
  // A level of one categorical column that fixes a level of another (partly determined).
  Eigen::MatrixXd levels = data;
  for (Eigen::Index i = 0; i < levels.rows(); ++i)
    levels(i, 3) = data(i, 1) == 2 ? 5.0 : (i % 2 == 0 ? 0.0 : 1.0);
  const DegenerateGaussianTest part(levels, {false, true, false, true}, names);
  const double p = part.p_value(0, 3, std::vector<int>{1});
  EXPECT_TRUE(p >= 0.0 && p <= 1.0);
  const DegenerateGaussianTest tiny(data.topRows(4), categorical, names);
  EXPECT_THROW((void)tiny.p_value(0, 2, std::vector<int>{1}), InvalidInput);
  EXPECT_THROW(DegenerateGaussianTest(data, {true, false}, names), InvalidInput);
  Eigen::MatrixXd nan = data;
  nan(3, 2) = std::nan("");
  EXPECT_THROW(DegenerateGaussianTest(nan, categorical, names), InvalidInput);
}

}  // namespace
}  // namespace scmforge::causal
