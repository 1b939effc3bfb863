// src/prior/activations.cpp: activation tables and their element-wise kernels.
#include "scmforge/prior/activations.hpp"

#include <array>
#include <cmath>
#include <numbers>

#include "scmforge/core/distributions.hpp"
#include "scmforge/core/error.hpp"

namespace scmforge::prior {
namespace {

constexpr std::array<ActKind, 18> kSimple = {
    ActKind::kTanh,  ActKind::kLeakyRelu, ActKind::kElu,     ActKind::kIdentity,
    ActKind::kSelu,  ActKind::kSilu,      ActKind::kRelu,    ActKind::kSoftplus,
    ActKind::kRelu6, ActKind::kHardtanh,  ActKind::kSign,    ActKind::kRbf,
    ActKind::kExp,   ActKind::kSqrtAbs,   ActKind::kUnitInterval, ActKind::kSine,
    ActKind::kSquare, ActKind::kAbs};

const std::vector<ActivationEntry>& tabicl_table() {
  static const std::vector<ActivationEntry> table = [] {
    std::vector<ActivationEntry> t;
    for (ActKind k : kSimple) t.push_back({k, true, false});
    for (int i = 0; i < 10; ++i) t.push_back({ActKind::kRandomFunction, true, false});
    const std::size_t pool = t.size();
    for (std::size_t i = 0; i < pool; ++i) t.push_back({ActKind::kIdentity, true, true});
    return t;
  }();
  return table;
}

const std::vector<ActivationEntry>& tabpfn_table() {
  static const std::vector<ActivationEntry> table = {
      {ActKind::kTanh, false, false}, {ActKind::kIdentity, false, false},
      {ActKind::kRelu, false, false}};
  return table;
}

// Standardise each column: (x - mean) / (unbiased std + 1e-6), as TabICL's StdScaleLayer.
void standardise_columns(Eigen::MatrixXf& h) {
  const Eigen::Index n = h.rows();
  for (Eigen::Index j = 0; j < h.cols(); ++j) {
    double sum = 0;
    for (Eigen::Index i = 0; i < n; ++i) sum += h(i, j);
    const double mean = sum / static_cast<double>(n);
    double ss = 0;
    for (Eigen::Index i = 0; i < n; ++i) ss += (h(i, j) - mean) * (h(i, j) - mean);
    const double std = n > 1 ? std::sqrt(ss / static_cast<double>(n - 1)) : 0.0;
    const auto m = static_cast<float>(mean);
    const auto inv = static_cast<float>(1.0 / (std + 1e-6));
    h.col(j) = (h.col(j).array() - m) * inv;
  }
}

}  // namespace

std::span<const ActivationEntry> activation_table(const std::string& family) {
  return family == "tabpfn" ? std::span<const ActivationEntry>(tabpfn_table())
                            : std::span<const ActivationEntry>(tabicl_table());
}

int activation_choice_pool(const std::string& family) { return family == "tabpfn" ? 3 : 28; }

const char* activation_name(ActKind kind) noexcept {
  switch (kind) {
    case ActKind::kTanh: return "tanh";
    case ActKind::kLeakyRelu: return "leaky_relu";
    case ActKind::kElu: return "elu";
    case ActKind::kIdentity: return "identity";
    case ActKind::kSelu: return "selu";
    case ActKind::kSilu: return "silu";
    case ActKind::kRelu: return "relu";
    case ActKind::kSoftplus: return "softplus";
    case ActKind::kRelu6: return "relu6";
    case ActKind::kHardtanh: return "hardtanh";
    case ActKind::kSign: return "sign";
    case ActKind::kRbf: return "rbf";
    case ActKind::kExp: return "exp";
    case ActKind::kSqrtAbs: return "sqrt_abs";
    case ActKind::kUnitInterval: return "unit_interval";
    case ActKind::kSine: return "sine";
    case ActKind::kSquare: return "square";
    case ActKind::kAbs: return "abs";
    case ActKind::kRandomFunction: return "random_function";
  }
  return "?";
}

Activation::Activation(const std::string& family, int entry, Rng& rng) {
  const auto table = activation_table(family);
  SCMFORGE_ASSERT(entry >= 0 && static_cast<std::size_t>(entry) < table.size());
  ActivationEntry e = table[static_cast<std::size_t>(entry)];
  if (e.random_choice) {
    e = table[rng.below(static_cast<std::uint64_t>(activation_choice_pool(family)))];
  }
  kind_ = e.kind;
  scaled_ = e.scaled;
  if (scaled_) {
    // RandomScaleLayer(individual=False): one scale and bias for all units.
    scale_ = static_cast<float>(std::exp(2.0 * dist::normal(rng)));
    bias_ = static_cast<float>(dist::normal(rng));
  }
  if (kind_ == ActKind::kRandomFunction) {
    constexpr int kFrequencies = 256;
    freqs_.resize(kFrequencies);
    phases_.resize(kFrequencies);
    weights_.resize(kFrequencies);
    for (int k = 0; k < kFrequencies; ++k) freqs_[k] = static_cast<float>(kFrequencies * rng.uniform());
    for (int k = 0; k < kFrequencies; ++k)
      phases_[k] = static_cast<float>(2.0 * std::numbers::pi * rng.uniform());
    const double decay = -std::exp(dist::uniform(rng, std::log(0.7), std::log(3.0)));
    Eigen::ArrayXd factors(kFrequencies);
    for (int k = 0; k < kFrequencies; ++k) factors[k] = std::pow(static_cast<double>(freqs_[k]), decay);
    factors /= std::sqrt(factors.square().sum());
    for (int k = 0; k < kFrequencies; ++k)
      weights_[k] = static_cast<float>(factors[k] * dist::normal(rng));
  }
}

void Activation::apply(Eigen::MatrixXf& h) const {
  if (scaled_) {
    standardise_columns(h);
    h.array() = scale_ * (h.array() + bias_);
  }
  auto a = h.array();
  switch (kind_) {
    case ActKind::kTanh: a = a.tanh(); break;
    case ActKind::kLeakyRelu: a = (a >= 0).select(a, 0.01F * a); break;
    case ActKind::kElu: a = (a > 0).select(a, a.exp() - 1.0F); break;
    case ActKind::kIdentity: break;
    case ActKind::kSelu: {
      constexpr float kScale = 1.0507009873554805F;
      constexpr float kAlpha = 1.6732632423543772F;
      a = kScale * (a > 0).select(a, kAlpha * (a.exp() - 1.0F));
      break;
    }
    case ActKind::kSilu: a = a / (1.0F + (-a).exp()); break;
    case ActKind::kRelu: a = a.max(0.0F); break;
    case ActKind::kSoftplus: a = (a > 20.0F).select(a, (1.0F + a.exp()).log()); break;
    case ActKind::kRelu6: a = a.max(0.0F).min(6.0F); break;
    case ActKind::kHardtanh: a = a.max(-1.0F).min(1.0F); break;
    case ActKind::kSign: a = (a >= 0).select(Eigen::ArrayXXf::Ones(a.rows(), a.cols()), -1.0F); break;
    case ActKind::kRbf: a = (-a.square()).exp(); break;
    case ActKind::kExp: a = a.exp(); break;
    case ActKind::kSqrtAbs: a = a.abs().sqrt(); break;
    case ActKind::kUnitInterval:
      a = (a.abs() <= 1.0F).select(Eigen::ArrayXXf::Ones(a.rows(), a.cols()), 0.0F);
      break;
    case ActKind::kSine: a = a.sin(); break;
    case ActKind::kSquare: a = a.square(); break;
    case ActKind::kAbs: a = a.abs(); break;
    case ActKind::kRandomFunction: {
      standardise_columns(h);
      Eigen::ArrayXf column(h.rows());
      for (Eigen::Index j = 0; j < h.cols(); ++j) {
        column.setZero();
        const Eigen::ArrayXf x = h.col(j).array();
        for (Eigen::Index k = 0; k < freqs_.size(); ++k) {
          column += weights_[k] * (freqs_[k] * x + phases_[k]).sin();
        }
        h.col(j) = column.matrix();
      }
      break;
    }
  }
}

}  // namespace scmforge::prior
