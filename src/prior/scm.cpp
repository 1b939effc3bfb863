// src/prior/scm.cpp: MLP-SCM, tree-SCM and GP base priors.
#include "scmforge/prior/scm.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <vector>

#include "prior/sparse_linear.hpp"
#include "scmforge/core/distributions.hpp"
#include "scmforge/core/error.hpp"
#include "scmforge/prior/activations.hpp"
#include "scmforge/tree/regression_tree.hpp"

namespace scmforge::prior {
namespace {

float standardised_std(const Eigen::VectorXf& v) {
  const double mean = v.cast<double>().mean();
  const double ss = (v.cast<double>().array() - mean).square().sum();
  return static_cast<float>(v.size() > 1 ? std::sqrt(ss / static_cast<double>(v.size() - 1)) : 0.0);
}

// One linear layer with its per-unit noise.
struct Linear {
  Eigen::MatrixXf weight;               // out x in
  Eigen::VectorXf bias;                 // out
  Eigen::VectorXf noise;                // out: noise std per unit (0 for the first layer)
  std::optional<SparseLinear> product;  // the non-zero weights, set once they are drawn
};

void init_weight(Linear& layer, bool first, const GroupHyper& hp, const std::string& family,
                 Rng& rng) {
  const Eigen::Index rows = layer.weight.rows();
  const Eigen::Index cols = layer.weight.cols();
  const double fan_in_bound = 1.0 / std::sqrt(static_cast<double>(cols));
  for (Eigen::Index i = 0; i < rows; ++i)
    layer.bias[i] = static_cast<float>(dist::uniform(rng, -fan_in_bound, fan_in_bound));
  if (hp.block_wise_dropout) {
    layer.weight.setZero();
    const auto max_blocks =
        static_cast<std::int64_t>(std::ceil(std::sqrt(static_cast<double>(std::min(rows, cols)))));
    const auto n_blocks = rng.integer(1, max_blocks);
    const Eigen::Index bh = rows / n_blocks;
    const Eigen::Index bw = cols / n_blocks;
    const double keep = static_cast<double>(n_blocks * bh * bw) / static_cast<double>(rows * cols);
    const double std = keep > 0 ? hp.init_std / std::sqrt(keep) : hp.init_std;
    // Block b, column j: bh contiguous entries of the column-major matrix.
    const auto block_rows = static_cast<std::size_t>(bh);
    for (Eigen::Index b = 0; b < n_blocks; ++b)
      for (Eigen::Index j = 0; j < bw; ++j)
        dist::fill_normal(rng, std::span<float>(&layer.weight(b * bh, b * bw + j), block_rows), 0.0,
                          std);
    return;
  }
  const double p = first ? 0.0 : std::min(hp.dropout_prob, 0.99);
  const double std =
      family == "tabpfn" ? hp.init_std / (1.0 - std::sqrt(p)) : hp.init_std / std::sqrt(1.0 - p);
  // All weights (column-major), then the keep mask; no mask draws when nothing is dropped.
  const std::span<float> weights(layer.weight.data(), static_cast<std::size_t>(rows * cols));
  dist::fill_normal(rng, weights, 0.0, std);
  if (p > 0.0) {
    std::vector<std::uint8_t> keep(weights.size());
    dist::fill_bernoulli(rng, keep, 1.0 - p);
    for (std::size_t k = 0; k < weights.size(); ++k)
      if (keep[k] == 0) weights[k] = 0.0F;
  }
}

Linear make_linear(int in, int out, bool first, const GroupHyper& hp, const std::string& family,
                   Rng& rng) {
  Linear layer{Eigen::MatrixXf(out, in), Eigen::VectorXf(out), Eigen::VectorXf::Zero(out), {}};
  init_weight(layer, first, hp, family, rng);
  layer.product.emplace(layer.weight);
  if (!first) {
    for (int i = 0; i < out; ++i)
      layer.noise[i] = static_cast<float>(
          hp.pre_sample_noise ? std::abs(hp.noise_std * dist::normal(rng)) : hp.noise_std);
  }
  return layer;
}

// h_out = h_in * W^T + b + noise.
Eigen::MatrixXf forward(const Linear& layer, const Eigen::MatrixXf& in, Rng& rng) {
  Eigen::MatrixXf out;
  layer.product->forward(in, layer.bias, out);
  // Column j's noise: rows() draws of N(0, s_j^2), in row order.
  Eigen::VectorXf noise(out.rows());
  const std::span<float> noise_span(noise.data(), static_cast<std::size_t>(noise.size()));
  for (Eigen::Index j = 0; j < out.cols(); ++j) {
    const float s = layer.noise[j];
    if (s > 0) {
      dist::fill_normal(rng, noise_span, 0.0, s);
      out.col(j) += noise;
    }
  }
  return out;
}

int draw_activation(const GroupHyper& hp, Rng& rng) {
  if (hp.activation >= 0) return hp.activation;
  return static_cast<int>(dist::categorical(rng, hp.activation_weights));
}

// Picks x and y columns from the concatenated hidden units (causal mode).
RawDataset select_causal(const std::vector<Eigen::MatrixXf>& outputs, const GroupHyper& hp, int d,
                         Rng& rng) {
  Eigen::Index width = 0;
  for (const auto& o : outputs) width += o.cols();
  const Eigen::Index n = outputs.front().rows();
  auto unit = [&](Eigen::Index index) -> Eigen::VectorXf {
    for (const auto& o : outputs) {
      if (index < o.cols()) return o.col(index);
      index -= o.cols();
    }
    SCMFORGE_ASSERT(false);
    return Eigen::VectorXf();
  };
  std::vector<Eigen::Index> perm;
  if (hp.in_clique) {
    const auto start = rng.integer(0, width - 1 - d);
    perm.resize(static_cast<std::size_t>(d + 1));
    std::iota(perm.begin(), perm.end(), start);
  } else {
    perm.resize(static_cast<std::size_t>(width - 1));
    std::iota(perm.begin(), perm.end(), 0);
  }
  dist::shuffle(rng, std::span<Eigen::Index>(perm));
  std::vector<Eigen::Index> x_index(perm.begin() + 1, perm.begin() + 1 + d);
  if (hp.sort_features) std::sort(x_index.begin(), x_index.end());
  RawDataset raw{Eigen::MatrixXf(n, d), Eigen::VectorXf(n)};
  for (int j = 0; j < d; ++j) raw.x.col(j) = unit(x_index[static_cast<std::size_t>(j)]);
  raw.y = unit(hp.y_is_effect ? width - 1 : perm[0]);
  return raw;
}

}  // namespace

Eigen::MatrixXf sample_causes(Sampling sampling, bool pre_stats, const std::string& family, int n,
                              int count, Rng& rng) {
  Eigen::MatrixXf x(n, count);
  const bool tabicl = family != "tabpfn";
  std::vector<double> means(static_cast<std::size_t>(count), 0.0),
      stds(static_cast<std::size_t>(count), 1.0);
  if (pre_stats) {
    for (auto& m : means) m = dist::normal(rng);
    for (std::size_t j = 0; j < stds.size(); ++j) stds[j] = std::abs(dist::normal(rng) * means[j]);
  }
  auto normal_column = [&](int j) {
    const auto jj = static_cast<std::size_t>(j);
    dist::fill_normal(rng, std::span<float>(&x(0, j), static_cast<std::size_t>(n)), means[jj],
                      stds[jj]);
  };
  if (sampling == Sampling::kNormal) {
    for (int j = 0; j < count; ++j) normal_column(j);
    return x;
  }
  if (sampling == Sampling::kUniform) {
    for (int j = 0; j < count; ++j)
      for (int i = 0; i < n; ++i) x(i, j) = static_cast<float>(rng.uniform());
    return x;
  }
  const double zipf_p = 0.66 * rng.uniform();
  const double multi_p = 0.66 * rng.uniform();
  const double normal_p = 0.66 * rng.uniform();
  for (int j = 0; j < count; ++j) {
    if (rng.uniform() > normal_p) {
      normal_column(j);
    } else if (rng.uniform() > multi_p) {
      const auto levels = rng.integer(2, tabicl ? 20 : 10);
      std::vector<double> probs(static_cast<std::size_t>(levels));
      for (auto& p : probs) p = rng.uniform();
      for (int i = 0; i < n; ++i) x(i, j) = static_cast<float>(dist::categorical(rng, probs));
      const float mean = x.col(j).mean();
      x.col(j).array() -= mean;
      const float std = standardised_std(x.col(j));
      if (std > 0) x.col(j) /= std;
    } else if (!tabicl || rng.uniform() > zipf_p) {
      const double a = 2.0 + 2.0 * rng.uniform();
      for (int i = 0; i < n; ++i)
        x(i, j) = static_cast<float>(std::min<std::int64_t>(dist::zipf(rng, a), 10));
      x.col(j).array() -= x.col(j).mean();
    } else {
      for (int i = 0; i < n; ++i) x(i, j) = static_cast<float>(rng.uniform());
    }
  }
  return x;
}

RawDataset sample_mlp_scm(const GroupHyper& hp, const std::string& family, int n, Rng& rng) {
  const int d = hp.num_features;
  int hidden = hp.hidden_dim;
  int causes = hp.num_causes;
  if (hp.is_causal) {
    hidden = std::max(hidden, 1 + 2 * d);
  } else {
    causes = d;
  }
  // Build the network (weights first, then the forward pass, so each layer's draws are fixed).
  std::vector<Linear> layers;
  std::vector<Activation> activations;
  layers.push_back(make_linear(causes, hidden, true, hp, family, rng));
  const int blocks = hp.num_layers - 1 + (hp.is_causal ? 0 : 1);
  for (int l = 0; l < blocks; ++l) {
    const bool output = !hp.is_causal && l == blocks - 1;
    activations.emplace_back(family, draw_activation(hp, rng), rng);
    layers.push_back(make_linear(hidden, output ? 1 : hidden, false, hp, family, rng));
  }
  const Eigen::MatrixXf x0 =
      sample_causes(hp.sampling, hp.pre_sample_causes, family, n, causes, rng);
  Eigen::MatrixXf h = forward(layers[0], x0, rng);
  std::vector<Eigen::MatrixXf> outputs;
  for (int l = 0; l < blocks; ++l) {
    Eigen::MatrixXf a = h;
    activations[static_cast<std::size_t>(l)].apply(a);
    h = forward(layers[static_cast<std::size_t>(l) + 1], a, rng);
    if (hp.is_causal) outputs.push_back(h);
  }
  if (hp.is_causal) return select_causal(outputs, hp, d, rng);
  return RawDataset{x0, h.col(0)};
}

RawDataset sample_tree_scm(const GroupHyper& hp, const std::string& family, int n, Rng& rng) {
  // TabICL forces is_causal=False, num_layers ~ U{1, 2}, hidden ~ U{3..9} per dataset.
  const int d = hp.num_features;
  const auto n_layers = static_cast<int>(rng.integer(1, 2));
  const auto hidden = static_cast<int>(rng.integer(3, 9));
  const Eigen::MatrixXf x0 = sample_causes(hp.sampling, hp.pre_sample_causes, family, n, d, rng);
  Eigen::MatrixXf h = x0;
  // Layer 0 (no noise), n_layers - 1 hidden layers and the output layer, each with noise.
  const int total = n_layers + 1;
  for (int l = 0; l < total; ++l) {
    const int out_dim = l == total - 1 ? 1 : hidden;
    const int depth = std::min(2 + static_cast<int>(dist::exponential(rng, 0.5)), 4);
    const int n_trees = std::min(1 + static_cast<int>(dist::exponential(rng, 0.5)), 4);
    Eigen::MatrixXf targets(n, out_dim);
    for (int j = 0; j < out_dim; ++j)
      for (int i = 0; i < n; ++i) targets(i, j) = static_cast<float>(dist::normal(rng));
    tree::BoostedRegressor model(tree::BoostedRegressor::Options{n_trees, depth});
    model.fit(h, targets);
    Eigen::MatrixXf next = model.predict(h);
    if (l > 0) {
      Eigen::VectorXf noise(n);
      for (int j = 0; j < out_dim; ++j) {
        const double s =
            hp.pre_sample_noise ? std::abs(hp.noise_std * dist::normal(rng)) : hp.noise_std;
        dist::fill_normal(rng, std::span<float>(noise.data(), static_cast<std::size_t>(n)), 0.0, s);
        next.col(j) += noise;
      }
    }
    h = std::move(next);
  }
  return RawDataset{x0, h.col(0)};
}

RawDataset sample_gp(const GroupHyper& hp, int n, Rng& rng) {
  const int d = hp.num_features;
  Eigen::MatrixXf x(n, d);
  for (int j = 0; j < d; ++j)
    for (int i = 0; i < n; ++i)
      x(i, j) =
          static_cast<float>(hp.sampling == Sampling::kUniform ? rng.uniform() : dist::normal(rng));
  // K = outputscale * exp(-|xi - xj|^2 / (2 l^2)) + noise * I, in float64 for the Cholesky.
  // Only the lower triangle: the Cholesky factorisation reads nothing else.
  const Eigen::MatrixXd xd = x.cast<double>();
  const Eigen::VectorXd sq = xd.rowwise().squaredNorm();
  Eigen::MatrixXd k = Eigen::MatrixXd::Zero(n, n);
  k.triangularView<Eigen::Lower>() = -2.0 * (xd * xd.transpose());
  const double inv = 1.0 / (2.0 * hp.gp_lengthscale * hp.gp_lengthscale);
  for (int j = 0; j < n; ++j) {
    auto col = k.col(j).tail(n - j).array();
    col = hp.gp_outputscale * (-((col + sq.tail(n - j).array() + sq[j]).max(0.0)) * inv).exp();
  }
  k.diagonal().array() += hp.gp_noise;
  Eigen::LLT<Eigen::MatrixXd> llt(k);
  Eigen::VectorXd z(n);
  for (int i = 0; i < n; ++i) z[i] = dist::normal(rng);
  Eigen::VectorXd y;
  if (llt.info() == Eigen::Success) {
    y = llt.matrixL() * z;
  } else {
    // Numerically indefinite kernel: add jitter until it factorises (at most 1e-2 * outputscale).
    double jitter = 1e-8 * hp.gp_outputscale;
    for (; jitter < 1e-2 * hp.gp_outputscale; jitter *= 10) {
      Eigen::MatrixXd kj = k;
      kj.diagonal().array() += jitter;
      llt.compute(kj);
      if (llt.info() == Eigen::Success) break;
    }
    if (llt.info() != Eigen::Success) {
      SCMFORGE_THROW(Numerical, "GP prior: kernel matrix is not positive definite");
    }
    y = llt.matrixL() * z;
  }
  return RawDataset{x, y.cast<float>()};
}

}  // namespace scmforge::prior
