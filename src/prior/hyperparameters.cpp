// src/prior/hyperparameters.cpp: meta-distribution draws and concrete group hyperparameters.
#include "scmforge/prior/hyperparameters.hpp"

#include <cmath>

#include "scmforge/core/distributions.hpp"
#include "scmforge/prior/activations.hpp"

namespace scmforge::prior {
namespace {

RealDist meta_gamma(Rng& rng, double max_alpha, double max_scale, double lb, bool round) {
  const double alpha = dist::uniform(rng, 0.0, std::log(max_alpha));
  const double scale = dist::uniform(rng, 0.0, max_scale);
  RealDist d;
  d.kind = RealDist::Kind::kGamma;
  d.a = std::exp(alpha);
  d.b = scale / std::exp(alpha);
  d.lower_bound = lb;
  d.round = round;
  return d;
}

RealDist meta_beta(Rng& rng, double scale, double lo, double hi) {
  RealDist d;
  d.kind = RealDist::Kind::kBeta;
  d.a = dist::uniform(rng, lo, hi);
  d.b = dist::uniform(rng, lo, hi);
  d.scale = scale;
  return d;
}

RealDist meta_trunc_norm_log(Rng& rng, double min_mean, double max_mean, double lb, bool round) {
  RealDist d;
  d.kind = RealDist::Kind::kTruncNormal;
  d.a = std::exp(dist::uniform(rng, std::log(min_mean), std::log(max_mean)));
  d.b = d.a * std::exp(dist::uniform(rng, std::log(0.01), std::log(1.0)));
  d.lower_bound = lb;
  d.round = round;
  return d;
}

// softmax([1, w_1, ..., w_{n-1}]) with w_i ~ U(lo, hi).
std::vector<double> meta_choice(Rng& rng, std::size_t n, double lo, double hi) {
  std::vector<double> logits(n, 1.0);
  for (std::size_t i = 1; i < n; ++i) logits[i] = dist::uniform(rng, lo, hi);
  double max_logit = logits[0];
  for (double l : logits) max_logit = std::max(max_logit, l);
  double total = 0;
  for (double& l : logits) {
    l = std::exp(l - max_logit);
    total += l;
  }
  for (double& l : logits) l /= total;
  return logits;
}

bool choose_bool(Rng& rng, const std::vector<double>& p_true_false) {
  return dist::categorical(rng, p_true_false) == 0;
}

std::int32_t as_int(double v) { return static_cast<std::int32_t>(v); }

}  // namespace

const char* scm_name(ScmType type) noexcept {
  switch (type) {
    case ScmType::kMlp:
      return "mlp";
    case ScmType::kTree:
      return "tree";
    case ScmType::kGp:
      return "gp";
  }
  return "?";
}

double round_half_even(double x) noexcept { return std::nearbyint(x); }

double RealDist::sample(Rng& rng) const {
  double v = 0;
  switch (kind) {
    case Kind::kGamma:
      v = dist::gamma(rng, a, b);
      break;
    case Kind::kBeta:
      v = scale * dist::beta(rng, a, b);
      break;
    case Kind::kTruncNormal:
      v = dist::truncated_normal(rng, a, b, 0.0, 1e6);
      break;
  }
  return lower_bound + (round ? round_half_even(v) : v);
}

MetaDraw sample_meta(const PriorConfig& c, Rng& rng) {
  MetaDraw m;
  const bool tabpfn = c.family == "tabpfn";
  if (tabpfn) {  // TabPFN v1 get_diff_causal / get_diff_flex (reference C.3)
    m.num_layers = meta_gamma(rng, 2, 3, 2, true);
    m.hidden_dim = meta_gamma(rng, 3, 100, 4, true);
    m.dropout_prob = meta_beta(rng, 0.6, 0.1, 5.0);
    m.noise_std = meta_trunc_norm_log(rng, 1e-4, 0.3, 0, false);
    m.init_std = meta_trunc_norm_log(rng, 0.01, 10, 0, false);
    m.num_causes = meta_gamma(rng, 3, 7, 2, true);
  } else {  // TabICL DEFAULT_SAMPLED_HP (reference C')
    m.num_layers = meta_trunc_norm_log(rng, 1, 6, 2, true);
    m.hidden_dim = meta_trunc_norm_log(rng, 5, 130, 4, true);
    m.dropout_prob = meta_beta(rng, 0.9, 0.1, 5.0);
    m.noise_std = meta_trunc_norm_log(rng, 1e-4, 0.3, 0, false);
    m.init_std = meta_trunc_norm_log(rng, 0.01, 10, 0, false);
    m.num_causes = meta_trunc_norm_log(rng, 1, 12, 1, true);
  }
  m.gp_lengthscale = meta_trunc_norm_log(rng, 1e-5, 10, 0, false);
  m.gp_outputscale = meta_trunc_norm_log(rng, 1e-5, 10, 0, false);
  m.is_causal = meta_choice(rng, 2, -3, 5);
  m.y_is_effect = meta_choice(rng, 2, -3, 5);
  m.in_clique = meta_choice(rng, 2, -3, 5);
  m.sort_features = meta_choice(rng, 2, -3, 5);
  m.block_wise_dropout = meta_choice(rng, 2, -3, 5);
  m.pre_sample_noise = meta_choice(rng, 2, -3, 5);
  m.pre_sample_causes = tabpfn ? std::vector<double>{1.0, 0.0}  // notebook: pre_sample_causes=True
                               : meta_choice(rng, 2, -3, 5);
  m.sampling = meta_choice(rng, tabpfn ? 2 : 3, -3, 5);
  m.value_mode = tabpfn ? std::vector<double>{0.0, 1.0}  // notebook fixes multiclass_type='rank'
                        : meta_choice(rng, 2, -3, 5);
  m.activation = meta_choice(rng, activation_table(c.family).size(), -5, 6);
  m.gp_noise = meta_choice(rng, 3, -3, 5);
  // Prior bag: P(GP) = softmax([1, w])[0], w ~ U(2, 10).
  const double w = dist::uniform(rng, 2.0, 10.0);
  m.prior_bag_gp_probability = 1.0 / (1.0 + std::exp(w - 1.0));
  return m;
}

GroupHyper sample_group(const PriorConfig& c, const MetaDraw& m, Rng& rng) {
  GroupHyper g;
  const bool tabpfn = c.family == "tabpfn";
  // SCM type of the group.
  if (c.mix == "prior_bag") {
    g.scm = dist::bernoulli(rng, m.prior_bag_gp_probability) ? ScmType::kGp : ScmType::kMlp;
  } else {
    const std::vector<double> weights = {c.mlp_weight, c.tree_weight, c.gp_weight};
    g.scm = static_cast<ScmType>(dist::categorical(rng, weights));
  }
  // Features: TabICL round(U(min, max)); TabPFN uniform integer in [min, max].
  if (tabpfn) {
    g.num_features = static_cast<std::int32_t>(rng.integer(c.min_features, c.max_features));
  } else {
    g.num_features = as_int(round_half_even(dist::uniform(rng, c.min_features, c.max_features)));
  }
  g.num_layers = std::max(2, as_int(m.num_layers.sample(rng)));
  g.hidden_dim = std::max(1, as_int(m.hidden_dim.sample(rng)));
  g.num_causes = std::max(1, as_int(m.num_causes.sample(rng)));
  g.dropout_prob = m.dropout_prob.sample(rng);
  g.init_std = m.init_std.sample(rng);
  g.noise_std = m.noise_std.sample(rng);
  g.is_causal = c.is_causal == "sample" ? choose_bool(rng, m.is_causal) : c.is_causal == "true";
  g.y_is_effect = choose_bool(rng, m.y_is_effect);
  g.in_clique = choose_bool(rng, m.in_clique);
  g.sort_features = choose_bool(rng, m.sort_features);
  g.block_wise_dropout = choose_bool(rng, m.block_wise_dropout);
  g.pre_sample_noise = choose_bool(rng, m.pre_sample_noise);
  g.pre_sample_causes = choose_bool(rng, m.pre_sample_causes);
  if (c.sampling == "sample") {
    g.sampling = static_cast<Sampling>(dist::categorical(rng, m.sampling));
  } else {
    g.sampling = c.sampling == "normal"  ? Sampling::kNormal
                 : c.sampling == "mixed" ? Sampling::kMixed
                                         : Sampling::kUniform;
  }
  g.value_mode = dist::categorical(rng, m.value_mode) == 0;
  if (tabpfn) {  // mix_activations=False: one activation for the whole group
    g.activation = static_cast<std::int32_t>(dist::categorical(rng, m.activation));
  } else {  // TabICL: the group keeps the weights, each layer draws its activation
    g.activation_weights = m.activation;
  }
  g.gp_lengthscale = std::max(1e-9, m.gp_lengthscale.sample(rng));
  g.gp_outputscale = std::max(1e-9, m.gp_outputscale.sample(rng));
  static constexpr double kGpNoise[3] = {1e-5, 1e-4, 1e-2};
  g.gp_noise = kGpNoise[dist::categorical(rng, m.gp_noise)];
  if (tabpfn) {
    // FlexibleCategorical: num_classes ~ U{2..max}; MulticlassRank keeps 2 with probability
    // binary_prob (1/2 in TabPFN), else U{2..num_classes}; boundaries are the values at the same
    // random rows for the group.
    const auto num_classes = rng.integer(2, c.max_classes);
    g.group_classes =
        rng.uniform() > c.binary_prob ? static_cast<std::int32_t>(rng.integer(2, num_classes)) : 2;
    g.boundary_rows.resize(static_cast<std::size_t>(g.group_classes - 1));
    for (auto& r : g.boundary_rows)
      r = static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(c.n_rows)));
  }
  return g;
}

}  // namespace scmforge::prior
