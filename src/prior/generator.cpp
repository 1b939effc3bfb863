// src/prior/generator.cpp: per-id dataset generation with group hyperparameters and retries.
#include "scmforge/prior/generator.hpp"

#include <cmath>

#include "scmforge/core/distributions.hpp"
#include "scmforge/core/error.hpp"
#include "scmforge/core/parallel.hpp"
#include "scmforge/prior/postprocess.hpp"
#include "scmforge/prior/scm.hpp"

namespace scmforge::prior {
namespace {

constexpr std::uint64_t kMetaDomain = 0x6d657461ULL;   // "meta"
constexpr std::uint64_t kGroupDomain = 0x67727570ULL;  // "grup"
constexpr std::uint64_t kSplitDomain = 0x73706c74ULL;  // "splt"
constexpr int kRedrawLimit = 100;                      // hyperparameter redraws per dataset

RawDataset draw_raw(const GroupHyper& hp, const PriorConfig& c, Rng& rng) {
  switch (hp.scm) {
    case ScmType::kMlp:
      return sample_mlp_scm(hp, c.family, c.n_rows, rng);
    case ScmType::kTree:
      return sample_tree_scm(hp, c.family, c.n_rows, rng);
    case ScmType::kGp:
      return sample_gp(hp, c.n_rows, rng);
  }
  SCMFORGE_ASSERT(false);
  return {};
}

}  // namespace

void GenerationStats::merge(const GenerationStats& other) {
  for (std::size_t i = 0; i < rejections.size(); ++i) rejections[i] += other.rejections[i];
  for (std::size_t i = 0; i < by_scm.size(); ++i) by_scm[i] += other.by_scm[i];
}

PriorGenerator::PriorGenerator(PriorConfig config, std::uint64_t seed)
    : config_(std::move(config)), seed_(seed) {
  validate(config_);
}

GroupHyper PriorGenerator::group_hyper(std::uint64_t id) const {
  const std::uint64_t meta_group = id / static_cast<std::uint64_t>(config_.meta_group_size);
  const std::uint64_t group = id / static_cast<std::uint64_t>(config_.hp_group_size);
  Rng meta_rng(seed_, derive_stream(kMetaDomain, meta_group));
  const MetaDraw meta = sample_meta(config_, meta_rng);
  Rng group_rng(seed_, derive_stream(kGroupDomain, group));
  return sample_group(config_, meta, group_rng);
}

std::int32_t PriorGenerator::single_eval_pos(std::uint64_t id) const {
  const std::uint64_t split_group = id / static_cast<std::uint64_t>(config_.split_group_size);
  Rng rng(seed_, derive_stream(kSplitDomain, split_group));
  const double fraction =
      dist::uniform(rng, config_.train_fraction_min, config_.train_fraction_max);
  return static_cast<std::int32_t>(std::floor(config_.n_rows * fraction));
}

PriorDataset PriorGenerator::generate(std::uint64_t id, GenerationStats* stats) const {
  Rng rng(seed_, derive_stream(streams::kPrior, id));
  GroupHyper hp = group_hyper(id);
  const std::int32_t pos = single_eval_pos(id);
  // TabICL: each dataset has its own class count, 2 with probability binary_prob (1/2 in
  // TabICL), else U{2..max}.
  const auto num_classes = static_cast<std::int32_t>(
      rng.uniform() > config_.binary_prob ? rng.integer(2, config_.max_classes) : 2);
  PriorDataset out;
  out.id = id;
  for (std::int32_t attempt = 0;; ++attempt) {
    if (attempt > 0 && attempt % config_.max_attempts == 0) {
      SCMFORGE_CHECK(attempt / config_.max_attempts < kRedrawLimit, Internal,
                     "prior: dataset {} (seed {}) stayed invalid after {} draws over {} "
                     "hyperparameter sets; please report this with your config",
                     id, seed_, attempt, kRedrawLimit);
      // Redraw this dataset's hyperparameters from a fresh meta draw of its own stream.
      Rng meta_rng = rng.child(static_cast<std::uint64_t>(2 * attempt));
      Rng group_rng = rng.child(static_cast<std::uint64_t>(2 * attempt + 1));
      const MetaDraw meta = sample_meta(config_, meta_rng);
      const ScmType scm = hp.scm;
      hp = sample_group(config_, meta, group_rng);
      hp.scm = scm;  // keep the group's base prior so the mixture stays as configured
    }
    const Rejection why =
        to_classification(draw_raw(hp, config_, rng), hp, config_, num_classes, pos, rng, out);
    if (why == Rejection::kNone) {
      out.prior_type = scm_name(hp.scm);
      out.attempts = attempt + 1;
      if (stats != nullptr) stats->by_scm[static_cast<std::size_t>(hp.scm)] += 1;
      return out;
    }
    if (stats != nullptr) stats->rejections[static_cast<std::size_t>(why)] += 1;
  }
}

std::vector<PriorDataset> PriorGenerator::generate_range(std::uint64_t first, std::int64_t count,
                                                         int threads,
                                                         GenerationStats* stats) const {
  std::vector<PriorDataset> out(static_cast<std::size_t>(count));
  std::vector<GenerationStats> per(static_cast<std::size_t>(count));
  parallel_for(count, threads, [&](std::int64_t i) {
    out[static_cast<std::size_t>(i)] =
        generate(first + static_cast<std::uint64_t>(i), &per[static_cast<std::size_t>(i)]);
  });
  if (stats != nullptr) {
    for (const GenerationStats& s : per) stats->merge(s);
  }
  return out;
}

}  // namespace scmforge::prior
