// tests/cpp/prior/sparse_linear_test.cpp: the column-sparse layer product against a plain loop.
#include "prior/sparse_linear.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "scmforge/core/distributions.hpp"
#include "scmforge/core/random.hpp"

namespace scmforge::prior {
namespace {

// The documented definition, one output at a time: terms in increasing k, zero weights skipped,
// the bias added last.
Eigen::MatrixXf reference(const Eigen::MatrixXf& in, const Eigen::MatrixXf& w,
                          const Eigen::VectorXf& bias) {
  Eigen::MatrixXf out(in.rows(), w.rows());
  for (Eigen::Index j = 0; j < w.rows(); ++j) {
    for (Eigen::Index i = 0; i < in.rows(); ++i) {
      float a = 0.0F;
      for (Eigen::Index k = 0; k < w.cols(); ++k) {
        if (w(j, k) != 0.0F) a += w(j, k) * in(i, k);
      }
      out(i, j) = a + bias[j];
    }
  }
  return out;
}

Eigen::MatrixXf normal_matrix(Rng& rng, Eigen::Index rows, Eigen::Index cols) {
  Eigen::MatrixXf m(rows, cols);
  dist::fill_normal(rng, std::span<float>(m.data(), static_cast<std::size_t>(m.size())), 0.0, 1.0);
  return m;
}

// Row counts around the 64-row block (full blocks, a short tail, a tail only) and sparsity from
// dense to all-zero units: the vector and row-by-row paths give the reference's exact bits.
TEST(SparseLinear, EqualsThePlainLoopBitForBit) {
  Rng rng(7, 1);
  for (const Eigen::Index n : {1, 31, 63, 64, 65, 128, 200, 256}) {
    for (const double keep : {1.0, 0.5, 0.1, 0.0}) {
      const Eigen::Index inputs = 1 + rng.integer(0, 40);
      const Eigen::Index outputs = 1 + rng.integer(0, 40);
      const Eigen::MatrixXf in = normal_matrix(rng, n, inputs);
      Eigen::MatrixXf w = normal_matrix(rng, outputs, inputs);
      for (Eigen::Index e = 0; e < w.size(); ++e) {
        if (rng.uniform() >= keep) w.data()[e] = 0.0F;
      }
      const Eigen::VectorXf bias = normal_matrix(rng, outputs, 1);
      Eigen::MatrixXf out;
      SparseLinear(w).forward(in, bias, out);
      const Eigen::MatrixXf expected = reference(in, w, bias);
      ASSERT_EQ(out.rows(), n);
      ASSERT_EQ(out.cols(), outputs);
      EXPECT_EQ(std::memcmp(out.data(), expected.data(), sizeof(float) * out.size()), 0)
          << "n " << n << ", keep " << keep << ", max difference "
          << (out - expected).cwiseAbs().maxCoeff();
    }
  }
}

}  // namespace
}  // namespace scmforge::prior
