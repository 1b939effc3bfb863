// scmforge/prior/scm.hpp: the three base priors (MLP-SCM, tree-SCM, GP) and their root causes.
//
// Each base prior draws one regression dataset: x (n rows x d features, column-major float32)
// and a continuous target y (n). Post-processing (postprocess.hpp) turns it into a
// classification dataset. All randomness comes from the dataset's own Rng.
//
// MLP-SCM (TabPFN priors/mlp.py, TabICL _mlp_scm.py): layers Linear(causes -> H), then L-1
// blocks [activation, Linear(H -> H), Gaussian noise], plus [activation, Linear(H -> 1), noise]
// in non-causal mode. Weights: block-wise dropout (n_blocks ~ U{1..ceil(sqrt(min(rows, cols)))}
// diagonal blocks filled with N(0, init_std / sqrt(keep))) or N(0, s) times a Bernoulli(1 - p)
// mask (no dropout in the first layer), with s = init_std / (1 - p^(1/2)) in TabPFN and
// init_std / sqrt(1 - p) in TabICL. Biases keep PyTorch's default U(+-1/sqrt(fan_in)).
// Causal mode: H >= 1 + 2d, and x / y are hidden units (y the last unit if y_is_effect).
// Non-causal mode: x = the d root causes, y = the output unit.
//
// Tree-SCM (TabICL _tree_scm.py): 1-2 layers of small boosted multi-output regression trees
// (depth min(2 + floor(Exp(mean 2)), 4), trees min(1 + floor(Exp(mean 2)), 4)) fitted to random
// N(0, 1) targets of width H ~ U{3..9}; each layer's predictions plus Gaussian noise feed the
// next; x = root causes, y = the 1-wide output layer.
//
// GP (TabPFN priors/fast_gp.py): x ~ N(0, 1) (U(0, 1) with sampling=uniform); y ~ GP(0,
// outputscale * exp(-|x - x'|^2 / (2 lengthscale^2))) + N(0, noise) at those points.
#pragma once

#include <Eigen/Core>
#include <string>

#include "scmforge/core/random.hpp"
#include "scmforge/prior/hyperparameters.hpp"

namespace scmforge::prior {

/// A regression dataset before post-processing.
struct RawDataset {
  Eigen::MatrixXf x;  // n x d, column-major
  Eigen::VectorXf y;  // n
};

/// Root causes (TabICL XSampler / TabPFN causes): n x count, column-major.
/// normal: N(mean_j, std_j) with mean_j ~ N(0,1), std_j = |N(0,1) * mean_j| if pre_stats, else
/// N(0,1); uniform: U(0,1); mixed: per column normal / standardised multinomial (2-20 levels in
/// TabICL, 2-10 in TabPFN) / Zipf(2 + 2U) clipped at 10 and centred / (TabICL only) uniform,
/// chosen with three U(0, 0.66) thresholds.
Eigen::MatrixXf sample_causes(Sampling sampling, bool pre_stats, const std::string& family, int n,
                              int count, Rng& rng);

RawDataset sample_mlp_scm(const GroupHyper& hp, const std::string& family, int n, Rng& rng);
RawDataset sample_tree_scm(const GroupHyper& hp, const std::string& family, int n, Rng& rng);
RawDataset sample_gp(const GroupHyper& hp, int n, Rng& rng);

}  // namespace scmforge::prior
