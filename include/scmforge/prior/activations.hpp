// scmforge/prior/activations.hpp: the activation functions of the TabPFN and TabICL MLP-SCMs.
//
// TabPFN v1 draws one of {tanh, identity, relu} per group. TabICL draws per layer from 56
// entries: 18 simple activations and 10 copies of a random Fourier-feature function, each
// wrapped as f(scale * (standardise(x) + bias)) with scale = exp(2 N(0,1)), bias ~ N(0,1)
// (StdScaleLayer + RandomScaleLayer), followed by 28 "random choice" entries that pick one of
// the 28 wrapped activations uniformly (RandomChoiceFactory).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "scmforge/core/random.hpp"

namespace scmforge::prior {

enum class ActKind : std::uint8_t {
  kTanh,
  kLeakyRelu,
  kElu,
  kIdentity,
  kSelu,
  kSilu,
  kRelu,
  kSoftplus,
  kRelu6,
  kHardtanh,
  kSign,
  kRbf,
  kExp,
  kSqrtAbs,
  kUnitInterval,
  kSine,
  kSquare,
  kAbs,
  kRandomFunction
};

/// One entry of an activation table.
struct ActivationEntry {
  ActKind kind;
  bool scaled;         // wrapped in standardise + random scale/bias (TabICL)
  bool random_choice;  // a RandomChoice entry: pick one of the first `choice_pool` entries
};

/// The table of a family ("tabpfn" or "tabicl"), and how many leading entries a random-choice
/// entry picks from.
std::span<const ActivationEntry> activation_table(const std::string& family);
int activation_choice_pool(const std::string& family);

/// Printable name ("tanh", "random_function", ...).
const char* activation_name(ActKind kind) noexcept;

/// An instantiated activation: its random constants are drawn once, then it maps a matrix.
class Activation {
 public:
  /// Draws the constants of `entry` (resolving a random-choice entry) from `rng`.
  Activation(const std::string& family, int entry, Rng& rng);

  /// Applies the activation in place to h (rows x units, column-major float32); statistics
  /// of the standardisation are per column over the rows, as torch's dim=0.
  void apply(Eigen::MatrixXf& h) const;

  [[nodiscard]] ActKind kind() const noexcept { return kind_; }

 private:
  ActKind kind_ = ActKind::kIdentity;
  bool scaled_ = false;
  float scale_ = 1.0F;
  float bias_ = 0.0F;
  // Random function: sum_k weight_k sin(freq_k * standardise(x) + phase_k).
  Eigen::ArrayXf freqs_, phases_, weights_;
};

}  // namespace scmforge::prior
