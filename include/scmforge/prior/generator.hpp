// scmforge/prior/generator.hpp: draws prior datasets by id, alone or in parallel ranges.
//
// Dataset `id` is a pure function of (config, seed, id): it draws from the Philox stream
// derive_stream(kPrior, id); its group hyperparameters from the streams of group id / hp_group_size
// and meta group id / meta_group_size; its single_eval_pos from split group id /
// split_group_size. So the bytes of dataset i never depend on threads, batch size or which other
// datasets are generated. A draw that fails a validity check (non-finite values, one class,
// train/test class mismatch, no non-constant feature) is redrawn from the same stream; after
// `max_attempts` failures the dataset redraws its group hyperparameters (from its own stream),
// as TabICL gives up on a hyperparameter set after 100 attempts.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "scmforge/core/table.hpp"
#include "scmforge/prior/config.hpp"
#include "scmforge/prior/hyperparameters.hpp"

namespace scmforge::prior {

/// Rejected draws by reason (index = Rejection value) and by base prior.
struct GenerationStats {
  std::array<std::int64_t, 5> rejections{};
  std::array<std::int64_t, 3> by_scm{};  // accepted datasets per ScmType
  void merge(const GenerationStats& other);
};

class PriorGenerator {
 public:
  /// Validates the config (throws InvalidInput naming the key) and binds the seed.
  PriorGenerator(PriorConfig config, std::uint64_t seed);

  /// Dataset `id`.
  [[nodiscard]] PriorDataset generate(std::uint64_t id, GenerationStats* stats = nullptr) const;

  /// Datasets first .. first + count - 1 on `threads` threads (<= 0: all cores). The result is
  /// identical for every thread count.
  [[nodiscard]] std::vector<PriorDataset> generate_range(std::uint64_t first, std::int64_t count,
                                                         int threads,
                                                         GenerationStats* stats = nullptr) const;

  /// The concrete hyperparameters of the group dataset `id` belongs to (for inspection).
  [[nodiscard]] GroupHyper group_hyper(std::uint64_t id) const;

  /// single_eval_pos of dataset `id`.
  [[nodiscard]] std::int32_t single_eval_pos(std::uint64_t id) const;

  [[nodiscard]] const PriorConfig& config() const { return config_; }
  [[nodiscard]] std::uint64_t seed() const { return seed_; }

 private:
  PriorConfig config_;
  std::uint64_t seed_;
};

}  // namespace scmforge::prior
