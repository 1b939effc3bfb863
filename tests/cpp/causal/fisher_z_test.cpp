// tests/cpp/causal/fisher_z_test.cpp: Fisher's z: partial correlations, batched decisions, errors.
#include "scmforge/causal/fisher_z.hpp"

#include <gtest/gtest.h>

#include <Eigen/LU>
#include <cmath>
#include <random>
#include <vector>

#include "causal/fixtures.hpp"
#include "scmforge/core/error.hpp"

namespace scmforge::causal {
namespace {

using testing::kFixtures;
using testing::load_matrix;

// Random (x, S, ys) draws over d columns: S of size 0..4, ys the rest in random order.
struct Draw {
  int x;
  std::vector<int> s, ys;
};
std::vector<Draw> draws(int d, int count, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<Draw> out;
  for (int c = 0; c < count; ++c) {
    std::vector<int> perm(static_cast<std::size_t>(d));
    for (int i = 0; i < d; ++i) perm[static_cast<std::size_t>(i)] = i;
    std::shuffle(perm.begin(), perm.end(), rng);
    const auto l = static_cast<std::size_t>(c % 5);
    Draw dr{perm[0], std::vector<int>(perm.begin() + 1, perm.begin() + 1 + static_cast<long>(l)),
            std::vector<int>(perm.begin() + 1 + static_cast<long>(l), perm.end())};
    std::sort(dr.s.begin(), dr.s.end());
    out.push_back(dr);
  }
  return out;
}

// The partial correlation from the inverse P of the correlation submatrix over (x, y, S):
// -P_xy / sqrt(P_xx P_yy), turned into causal-learn's p-value.
double reference_p(const FisherZ& z, int x, int y, const std::vector<int>& s) {
  std::vector<int> vars{x, y};
  vars.insert(vars.end(), s.begin(), s.end());
  const auto k = static_cast<Eigen::Index>(vars.size());
  Eigen::MatrixXd sub(k, k);
  for (Eigen::Index i = 0; i < k; ++i)
    for (Eigen::Index j = 0; j < k; ++j)
      sub(i, j) =
          z.correlation()(vars[static_cast<std::size_t>(i)], vars[static_cast<std::size_t>(j)]);
  const Eigen::MatrixXd p = sub.inverse();
  const double r = -p(0, 1) / std::sqrt(std::abs(p(0, 0) * p(1, 1)));
  const double stat =
      std::sqrt(static_cast<double>(z.rows() - static_cast<std::int64_t>(s.size()) - 3)) *
      std::abs(std::atanh(r));
  return std::erfc(stat / std::sqrt(2.0));
}

TEST(CausalFisherZ, PValuesEqualTheInverseMatrixFormula) {
  const FisherZ z(load_matrix(kFixtures + "data_linear_10.txt", 1));
  for (const Draw& dr : draws(z.columns(), 300, 1))
    for (const int y : dr.ys) {
      const double want = reference_p(z, dr.x, y, dr.s);
      EXPECT_NEAR(z.p_value(dr.x, y, dr.s), want, 1e-10 + 1e-9 * want);
    }
}

// The batched decision is p_value > alpha exactly, for usual levels and for alpha set to a
// p-value itself (where the comparison falls back to the p-value).
TEST(CausalFisherZ, BatchedDecisionsEqualPValueComparisons) {
  const FisherZ z(load_matrix(kFixtures + "data_linear_10.txt", 1));
  std::vector<double> alphas = {0.05, 0.01, 0.2, 1e-8};
  for (const Draw& dr : draws(z.columns(), 40, 2)) {
    const double p = z.p_value(dr.x, dr.ys[0], dr.s);
    if (p > 1e-12 && p < 1.0) alphas.push_back(p);
  }
  EXPECT_GT(alphas.size(), 10U);
  int independent = 0, dependent = 0;
  for (const double alpha : alphas) {
    const double threshold = FisherZ::threshold(alpha);
    // causal-learn's p-value, 2 (1 - Phi), is exact to about 1e-16 absolute.
    EXPECT_NEAR(std::erfc(threshold / std::sqrt(2.0)), alpha, 1e-15 + 1e-9 * alpha);
    for (const Draw& dr : draws(z.columns(), 200, 3)) {
      std::vector<std::uint8_t> got(dr.ys.size());
      z.independent(dr.x, dr.s, dr.ys, alpha, threshold, got);
      for (std::size_t i = 0; i < dr.ys.size(); ++i) {
        const bool want = z.p_value(dr.x, dr.ys[i], dr.s) > alpha;
        EXPECT_EQ(got[i] != 0, want) << "alpha " << alpha << " x " << dr.x << " y " << dr.ys[i];
        (want ? independent : dependent) += 1;
      }
    }
  }
  EXPECT_GT(independent, 100);
  EXPECT_GT(dependent, 100);
  EXPECT_THROW(FisherZ::threshold(0.0), InvalidInput);
  EXPECT_THROW(FisherZ::threshold(1.0), InvalidInput);
}

TEST(CausalFisherZ, CollinearColumnsAndTooFewRowsAreNamed) {
  Eigen::MatrixXd data = load_matrix(kFixtures + "data_linear_10.txt", 1);
  data.col(3) = 2.0 * data.col(1) - data.col(2);
  std::vector<std::string> names;
  for (Eigen::Index j = 0; j < data.cols(); ++j)
    names.push_back(std::string(1, static_cast<char>('a' + j)));
  const FisherZ z(data, names);
  const std::vector<int> s = {1, 2};
  try {
    (void)z.p_value(0, 3, s);
    FAIL() << "a collinear set gave a p-value";
  } catch (const Numerical& e) {
    EXPECT_NE(std::string(e.what()).find("'d'"), std::string::npos) << e.what();
  }
  std::vector<std::uint8_t> out(1);
  const std::vector<int> ys = {3};
  EXPECT_THROW(z.independent(0, s, ys, 0.05, FisherZ::threshold(0.05), out), Numerical);
  const FisherZ small(data.topRows(5));
  const std::vector<int> big = {1, 2, 4};
  EXPECT_THROW((void)small.p_value(0, 5, big), InvalidInput);
}

}  // namespace
}  // namespace scmforge::causal
