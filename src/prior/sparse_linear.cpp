// src/prior/sparse_linear.cpp: the column-sparse layer product, vectorised over rows.
#include "prior/sparse_linear.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/simd.hpp"
#include "scmforge/core/error.hpp"

namespace scmforge::prior {
namespace {

// Eight floats; in the default (SSE2) clone GCC lowers it to two 128-bit registers.
typedef float Vec8 __attribute__((vector_size(32)));  // NOLINT(modernize-use-using)
constexpr int kAccumulators = 8;
constexpr Eigen::Index kBlockRows = 8 * kAccumulators;

SCMFORGE_FP_CONTRACT_OFF_BEGIN
// Rows [r, r + rows) of every unit, from `block`: those rows of `in` packed column after column
// with stride kBlockRows (kBlockRows x inputs floats, which stay in L1 while every unit reads
// them; the columns of `in` itself are often 2^k floats apart and would evict each other).
// A full block runs in vectors, a shorter one row by row, with the same operations per row.
SCMFORGE_SIMD_CLONES void row_block(const float* __restrict block, Eigen::Index rows,
                                    Eigen::Index n, Eigen::Index r,
                                    const std::int32_t* __restrict start,
                                    const std::int32_t* __restrict column,
                                    const float* __restrict weight, const float* __restrict bias,
                                    Eigen::Index outputs, float* __restrict out) {
  for (Eigen::Index j = 0; j < outputs; ++j) {
    float* dst = out + j * n + r;
    if (rows == kBlockRows) {
      Vec8 acc[kAccumulators] = {};
      for (std::int32_t e = start[j]; e < start[j + 1]; ++e) {
        const float* x = block + column[e] * kBlockRows;
        const float w = weight[e];
        for (int q = 0; q < kAccumulators; ++q) {
          Vec8 v;
          std::memcpy(&v, x + 8 * q, sizeof v);
          acc[q] += w * v;
        }
      }
      for (int q = 0; q < kAccumulators; ++q) {
        const Vec8 v = acc[q] + bias[j];
        std::memcpy(dst + 8 * q, &v, sizeof v);
      }
      continue;
    }
    for (Eigen::Index i = 0; i < rows; ++i) {
      float a = 0.0F;
      for (std::int32_t e = start[j]; e < start[j + 1]; ++e)
        a += weight[e] * block[column[e] * kBlockRows + i];
      dst[i] = a + bias[j];
    }
  }
}
SCMFORGE_FP_CONTRACT_OFF_END

}  // namespace

SparseLinear::SparseLinear(const Eigen::MatrixXf& weight)
    : inputs_(weight.cols()), outputs_(weight.rows()) {
  // Every weight is written and the end advances past the non-zero ones only: dropout makes
  // "w != 0" a coin flip, which a branch would mispredict half the time.
  const auto size = static_cast<std::size_t>(weight.size());
  start_.resize(static_cast<std::size_t>(outputs_) + 1);
  column_.resize(size);
  weight_.resize(size);
  std::size_t end = 0;
  for (Eigen::Index j = 0; j < outputs_; ++j) {
    start_[static_cast<std::size_t>(j)] = static_cast<std::int32_t>(end);
    for (Eigen::Index k = 0; k < inputs_; ++k) {
      const float w = weight(j, k);
      column_[end] = static_cast<std::int32_t>(k);
      weight_[end] = w;
      end += static_cast<std::size_t>(w != 0.0F);
    }
  }
  start_[static_cast<std::size_t>(outputs_)] = static_cast<std::int32_t>(end);
  column_.resize(end);
  weight_.resize(end);
}

void SparseLinear::forward(const Eigen::MatrixXf& in, const Eigen::VectorXf& bias,
                           Eigen::MatrixXf& out) const {
  SCMFORGE_ASSERT(in.cols() == inputs_ && bias.size() == outputs_);
  const Eigen::Index n = in.rows();
  out.resize(n, outputs_);
  std::vector<float> block(static_cast<std::size_t>(kBlockRows * inputs_));
  for (Eigen::Index r = 0; r < n; r += kBlockRows) {
    const Eigen::Index rows = std::min(kBlockRows, n - r);
    for (Eigen::Index k = 0; k < inputs_; ++k)
      std::copy_n(in.col(k).data() + r, rows, block.data() + k * kBlockRows);
    row_block(block.data(), rows, n, r, start_.data(), column_.data(), weight_.data(), bias.data(),
              outputs_, out.data());
  }
}

}  // namespace scmforge::prior
