// scmforge/prior/hyperparameters.hpp: meta-distributions and the per-group hyperparameter draw.
//
// The prior is hierarchical, as in TabPFN's differentiable prior and TabICL's HpSampler:
//   1. per meta group, each hyperparameter draws the parameters of its distribution
//      (`MetaDraw`: e.g. mu and sigma of a truncated normal, the logits of a choice);
//   2. per hyperparameter group, each hyperparameter draws a concrete value from that
//      distribution (`GroupHyper`);
//   3. per dataset, the SCM draws its weights, noise and data.
// The formulas are those of ../shared/reference/metatree-and-scm-priors.md, C.3 and C':
//   meta_gamma(max_alpha, max_scale, lb):   alpha ~ U(0, ln max_alpha), s ~ U(0, max_scale);
//                                           value = lb + Gamma(shape e^alpha, scale s / e^alpha)
//   meta_beta(scale, lo, hi):               b, k ~ U(lo, hi); value = scale * Beta(b, k)
//   meta_trunc_norm_log_scaled(lo, hi, lb): mu = exp(U(ln lo, ln hi)),
//                                           sigma = mu * exp(U(ln 0.01, ln 1));
//                                           value = lb + TruncNormal(mu, sigma) on [0, 1e6]
//   meta_choice(values):                    logits [1, w_1, ...], w_i ~ U(-3, 5), softmax
//   meta_choice_mixed(values):              logits [1, w_1, ...], w_i ~ U(-5, 6), softmax
// Integer-valued ones are rounded half to even, as Python's round().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "scmforge/core/random.hpp"
#include "scmforge/prior/config.hpp"

namespace scmforge::prior {

enum class ScmType : std::uint8_t { kMlp = 0, kTree = 1, kGp = 2 };
enum class Sampling : std::uint8_t { kNormal = 0, kMixed = 1, kUniform = 2 };

/// Printable name of an SCM type: "mlp", "tree", "gp".
const char* scm_name(ScmType type) noexcept;

/// A distribution over one real hyperparameter, as fixed by a meta draw.
struct RealDist {
  enum class Kind : std::uint8_t { kGamma, kBeta, kTruncNormal } kind = Kind::kTruncNormal;
  double a = 0;      // gamma shape / beta b / normal mu
  double b = 0;      // gamma scale / beta k / normal sigma
  double scale = 1;  // beta scale
  double lower_bound = 0;
  bool round = false;
  /// One concrete value.
  double sample(Rng& rng) const;
};

/// Parameters of every hyperparameter's distribution for one meta group.
struct MetaDraw {
  RealDist num_layers, hidden_dim, dropout_prob, init_std, noise_std, num_causes;
  RealDist gp_lengthscale, gp_outputscale;
  // Choice probabilities (softmax of the meta logits), in the value order documented below.
  std::vector<double> is_causal;           // [true, false]
  std::vector<double> y_is_effect;         // [true, false]
  std::vector<double> in_clique;           // [true, false]
  std::vector<double> sort_features;       // [true, false]
  std::vector<double> block_wise_dropout;  // [true, false]
  std::vector<double> pre_sample_noise;    // [true, false]
  std::vector<double> pre_sample_causes;   // [true, false]
  std::vector<double> sampling;            // [normal, mixed] (tabpfn) / [normal, mixed, uniform]
  std::vector<double> value_mode;          // class assignment [value, rank] (tabicl)
  std::vector<double> activation;          // over activation_table(family) entries
  std::vector<double> gp_noise;            // [1e-5, 1e-4, 1e-2]
  double prior_bag_gp_probability = 0;     // TabPFN prior bag: softmax([1, w])[0] with w ~ U(2, 10)
};

/// Concrete hyperparameters shared by one group of datasets.
struct GroupHyper {
  ScmType scm = ScmType::kMlp;
  std::int32_t num_features = 0;
  std::int32_t num_layers = 2;
  std::int32_t hidden_dim = 4;
  std::int32_t num_causes = 1;
  double dropout_prob = 0;
  double init_std = 1;
  double noise_std = 0.01;
  bool is_causal = false;
  bool y_is_effect = true;
  bool in_clique = false;
  bool sort_features = true;
  bool block_wise_dropout = false;
  bool pre_sample_noise = false;
  bool pre_sample_causes = false;
  Sampling sampling = Sampling::kNormal;
  bool value_mode = false;  // class boundaries ~ N(0,1) (value) or random rows (rank)
  std::vector<double> activation_weights;  // drawn per layer (tabicl) ...
  std::int32_t activation = -1;  // ... or fixed for the group (tabpfn), index into the table
  double gp_lengthscale = 1, gp_outputscale = 1, gp_noise = 1e-4;
  // TabPFN draws the class count and the rank boundaries' row indices once per group.
  std::int32_t group_classes = 2;
  std::vector<std::int32_t> boundary_rows;
};

/// Draws the meta-distributions of one meta group.
MetaDraw sample_meta(const PriorConfig& config, Rng& rng);

/// Draws the concrete hyperparameters of one group from a meta draw.
GroupHyper sample_group(const PriorConfig& config, const MetaDraw& meta, Rng& rng);

/// Python's round(): half to even.
double round_half_even(double x) noexcept;

}  // namespace scmforge::prior
