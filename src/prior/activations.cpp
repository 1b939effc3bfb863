// src/prior/activations.cpp: activation tables and their element-wise kernels.
#include "scmforge/prior/activations.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "prior/fast_math.hpp"
#include "scmforge/core/distributions.hpp"
#include "scmforge/core/error.hpp"

namespace scmforge::prior {
namespace {

constexpr std::array<ActKind, 18> kSimple = {
    ActKind::kTanh,   ActKind::kLeakyRelu, ActKind::kElu,          ActKind::kIdentity,
    ActKind::kSelu,   ActKind::kSilu,      ActKind::kRelu,         ActKind::kSoftplus,
    ActKind::kRelu6,  ActKind::kHardtanh,  ActKind::kSign,         ActKind::kRbf,
    ActKind::kExp,    ActKind::kSqrtAbs,   ActKind::kUnitInterval, ActKind::kSine,
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
  static const std::vector<ActivationEntry> table = {{ActKind::kTanh, false, false},
                                                     {ActKind::kIdentity, false, false},
                                                     {ActKind::kRelu, false, false}};
  return table;
}

// sum_i (v[i] - shift)^p for p = 1 or 2, in float64 over eight interleaved partial sums added
// in a fixed order, so the compiler can vectorise it without reassociating.
template <int kPower>
double column_sum(const float* v, Eigen::Index n, double shift) {
  auto term = [shift](float x) {
    const double d = static_cast<double>(x) - shift;
    return kPower == 1 ? d : d * d;
  };
  std::array<double, 8> part{};
  Eigen::Index i = 0;
  for (; i + 8 <= n; i += 8)
    for (std::size_t l = 0; l < 8; ++l) part[l] += term(v[i + static_cast<Eigen::Index>(l)]);
  double total =
      ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
  for (; i < n; ++i) total += term(v[i]);
  return total;
}

// Standardise each column: (x - mean) / (unbiased std + 1e-6), as TabICL's StdScaleLayer.
void standardise_columns(Eigen::MatrixXf& h) {
  const Eigen::Index n = h.rows();
  for (Eigen::Index j = 0; j < h.cols(); ++j) {
    const float* v = h.col(j).data();
    const double mean = column_sum<1>(v, n, 0.0) / static_cast<double>(n);
    const double ss = column_sum<2>(v, n, mean);
    const double std = n > 1 ? std::sqrt(ss / static_cast<double>(n - 1)) : 0.0;
    const auto m = static_cast<float>(mean);
    const auto inv = static_cast<float>(1.0 / (std + 1e-6));
    h.col(j) = (h.col(j).array() - m) * inv;
  }
}

// out[i] = sum_k w[k] sin(f[k] x[i] + p[k]), k outer so the row loop vectorises; each row
// adds its terms in k order at any vector width.
SCMFORGE_FP_CONTRACT_OFF_BEGIN
SCMFORGE_SIMD_CLONES void sine_series(const float* __restrict x, float* __restrict out,
                                      Eigen::Index n, const float* __restrict f,
                                      const float* __restrict p, const float* __restrict w,
                                      Eigen::Index terms) {
  for (Eigen::Index i = 0; i < n; ++i) out[i] = 0.0F;
  for (Eigen::Index k = 0; k < terms; ++k) {
    const float fk = f[k];
    const float pk = p[k];
    const float wk = w[k];
    for (Eigen::Index i = 0; i < n; ++i) out[i] += wk * fast_math::fast_sin(fk * x[i] + pk);
  }
}

SCMFORGE_SIMD_CLONES void sine_in_place(float* v, Eigen::Index n) {
  for (Eigen::Index i = 0; i < n; ++i) v[i] = fast_math::fast_sin(v[i]);
}
SCMFORGE_FP_CONTRACT_OFF_END

}  // namespace

std::span<const ActivationEntry> activation_table(const std::string& family) {
  return family == "tabpfn" ? std::span<const ActivationEntry>(tabpfn_table())
                            : std::span<const ActivationEntry>(tabicl_table());
}

int activation_choice_pool(const std::string& family) { return family == "tabpfn" ? 3 : 28; }

const char* activation_name(ActKind kind) noexcept {
  switch (kind) {
    case ActKind::kTanh:
      return "tanh";
    case ActKind::kLeakyRelu:
      return "leaky_relu";
    case ActKind::kElu:
      return "elu";
    case ActKind::kIdentity:
      return "identity";
    case ActKind::kSelu:
      return "selu";
    case ActKind::kSilu:
      return "silu";
    case ActKind::kRelu:
      return "relu";
    case ActKind::kSoftplus:
      return "softplus";
    case ActKind::kRelu6:
      return "relu6";
    case ActKind::kHardtanh:
      return "hardtanh";
    case ActKind::kSign:
      return "sign";
    case ActKind::kRbf:
      return "rbf";
    case ActKind::kExp:
      return "exp";
    case ActKind::kSqrtAbs:
      return "sqrt_abs";
    case ActKind::kUnitInterval:
      return "unit_interval";
    case ActKind::kSine:
      return "sine";
    case ActKind::kSquare:
      return "square";
    case ActKind::kAbs:
      return "abs";
    case ActKind::kRandomFunction:
      return "random_function";
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
    for (int k = 0; k < kFrequencies; ++k)
      freqs_[k] = static_cast<float>(kFrequencies * rng.uniform());
    for (int k = 0; k < kFrequencies; ++k)
      phases_[k] = static_cast<float>(2.0 * std::numbers::pi * rng.uniform());
    const double decay = -std::exp(dist::uniform(rng, std::log(0.7), std::log(3.0)));
    Eigen::ArrayXd factors(kFrequencies);
    for (int k = 0; k < kFrequencies; ++k)
      factors[k] = std::pow(static_cast<double>(freqs_[k]), decay);
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
    case ActKind::kTanh:
      a = a.tanh();
      break;
    case ActKind::kLeakyRelu:
      a = (a >= 0).select(a, 0.01F * a);
      break;
    case ActKind::kElu:
      a = (a > 0).select(a, a.exp() - 1.0F);
      break;
    case ActKind::kIdentity:
      break;
    case ActKind::kSelu: {
      constexpr float kScale = 1.0507009873554805F;
      constexpr float kAlpha = 1.6732632423543772F;
      a = kScale * (a > 0).select(a, kAlpha * (a.exp() - 1.0F));
      break;
    }
    case ActKind::kSilu:
      a = a / (1.0F + (-a).exp());
      break;
    case ActKind::kRelu:
      a = a.max(0.0F);
      break;
    case ActKind::kSoftplus:
      a = (a > 20.0F).select(a, (1.0F + a.exp()).log());
      break;
    case ActKind::kRelu6:
      a = a.max(0.0F).min(6.0F);
      break;
    case ActKind::kHardtanh:
      a = a.max(-1.0F).min(1.0F);
      break;
    case ActKind::kSign:
      a = (a >= 0).select(Eigen::ArrayXXf::Ones(a.rows(), a.cols()), -1.0F);
      break;
    case ActKind::kRbf:
      a = (-a.square()).exp();
      break;
    case ActKind::kExp:
      a = a.exp();
      break;
    case ActKind::kSqrtAbs:
      a = a.abs().sqrt();
      break;
    case ActKind::kUnitInterval:
      a = (a.abs() <= 1.0F).select(Eigen::ArrayXXf::Ones(a.rows(), a.cols()), 0.0F);
      break;
    case ActKind::kSine:
      for (Eigen::Index j = 0; j < h.cols(); ++j) {
        if (h.col(j).cwiseAbs().maxCoeff() <= fast_math::kFastSinMaxArg) {
          sine_in_place(h.col(j).data(), h.rows());
        } else {
          h.col(j).array() = h.col(j).array().sin();
        }
      }
      break;
    case ActKind::kSquare:
      a = a.square();
      break;
    case ActKind::kAbs:
      a = a.abs();
      break;
    case ActKind::kRandomFunction: {
      standardise_columns(h);
      // |f x + p| <= max f * max |x| + max p; columns past the fast sine's range (possible
      // from ~2200 rows on) take Eigen's sine. A standardised column is either all finite or
      // all NaN (one NaN or inf makes its mean NaN), and then so is its image.
      const float max_f = freqs_.abs().maxCoeff();
      const float max_p = phases_.abs().maxCoeff();
      std::vector<float> x(static_cast<std::size_t>(h.rows()));
      for (Eigen::Index j = 0; j < h.cols(); ++j) {
        std::copy_n(h.col(j).data(), h.rows(), x.data());
        const float bound = max_f * h.col(j).cwiseAbs().maxCoeff() + max_p;
        if (bound <= fast_math::kFastSinMaxArg) {
          sine_series(x.data(), h.col(j).data(), h.rows(), freqs_.data(), phases_.data(),
                      weights_.data(), freqs_.size());
          continue;
        }
        if (!std::isfinite(bound)) {
          h.col(j).setConstant(std::numeric_limits<float>::quiet_NaN());
          continue;
        }
        const Eigen::Map<const Eigen::ArrayXf> xs(x.data(), h.rows());
        Eigen::ArrayXf column = Eigen::ArrayXf::Zero(h.rows());
        for (Eigen::Index k = 0; k < freqs_.size(); ++k)
          column += weights_[k] * (freqs_[k] * xs + phases_[k]).sin();
        h.col(j) = column.matrix();
      }
      break;
    }
  }
}

}  // namespace scmforge::prior
