// src/prior/sparse_linear.hpp: the MLP-SCM's linear layer as a column-sparse product (private).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

namespace scmforge::prior {

/// The weight matrix W (out x in) of a layer stored by output unit: unit j's non-zero weights
/// and the input columns they read, in increasing input order. The SCM's dropout zeroes many
/// weights (often most of them), and block-wise dropout keeps only a block diagonal, so the
/// product skips them.
class SparseLinear {
 public:
  /// Keeps the non-zero entries of `weight` (out x in, column-major).
  explicit SparseLinear(const Eigen::MatrixXf& weight);

  /// out (n x out, column-major) = in (n x in, column-major) W^T + bias. Unit j sums its terms
  /// w_jk in(i, k) in increasing k, starting from 0, then adds bias[j]; a weight of exactly zero
  /// contributes no term. Every row is computed this way at any SIMD width, so the result has
  /// the same bits on every x86-64 CPU (no FMA contraction).
  void forward(const Eigen::MatrixXf& in, const Eigen::VectorXf& bias, Eigen::MatrixXf& out) const;

  [[nodiscard]] Eigen::Index outputs() const { return outputs_; }

 private:
  Eigen::Index inputs_ = 0;
  Eigen::Index outputs_ = 0;
  std::vector<std::int32_t> start_;   // unit j's entries: [start_[j], start_[j + 1])
  std::vector<std::int32_t> column_;  // input column of each entry
  std::vector<float> weight_;         // its weight
};

}  // namespace scmforge::prior
