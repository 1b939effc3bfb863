// src/corpus/pipeline.cpp: parallel ranges of candidates through the example pipeline.
#include "scmforge/corpus/pipeline.hpp"

#include <algorithm>
#include <optional>

#include "scmforge/core/error.hpp"
#include "scmforge/core/parallel.hpp"

namespace scmforge::corpus {

void PipelineStats::merge(const PipelineStats& other) {
  candidates += other.candidates;
  accepted += other.accepted;
  for (std::size_t r = 0; r < rejections.size(); ++r) rejections[r] += other.rejections[r];
  prior.merge(other.prior);
}

std::vector<Example> make_examples(const prior::PriorGenerator& generator,
                                   const ExampleConfig& config, std::uint64_t first,
                                   std::int64_t count, int threads, PipelineStats* stats,
                                   std::int64_t max_accepted) {
  validate(config);
  SCMFORGE_CHECK(count >= 0, InvalidInput, "candidate count must be >= 0, got {}", count);
  // With a cap, candidates go through in chunks so that a range that fills up early does not
  // generate the rest; the chunking changes nothing else (each candidate depends on its id only).
  const std::int64_t chunk = max_accepted >= 0 ? std::max<std::int64_t>(256, 4 * max_accepted)
                                               : std::max<std::int64_t>(count, 1);
  PipelineStats local;
  std::vector<Example> accepted;
  std::vector<Outcome> outcomes;
  std::vector<prior::GenerationStats> prior_stats;
  for (std::int64_t start = 0; start < count; start += chunk) {
    const std::int64_t m = std::min(chunk, count - start);
    const auto n = static_cast<std::size_t>(m);
    outcomes.assign(n, Outcome{});
    prior_stats.assign(n, prior::GenerationStats{});
    parallel_for(m, threads, [&](std::int64_t i) {
      const auto s = static_cast<std::size_t>(i);
      const std::uint64_t id = first + static_cast<std::uint64_t>(start + i);
      outcomes[s] = make_example(generator.generate(id, &prior_stats[s]), config, generator.seed());
    });
    for (std::size_t s = 0; s < n; ++s) {
      if (max_accepted >= 0 && static_cast<std::int64_t>(accepted.size()) == max_accepted) break;
      ++local.candidates;
      local.prior.merge(prior_stats[s]);
      if (outcomes[s].example) {
        accepted.push_back(std::move(*outcomes[s].example));
      } else {
        ++local.rejections[static_cast<std::size_t>(*outcomes[s].rejection)];
      }
    }
    if (max_accepted >= 0 && static_cast<std::int64_t>(accepted.size()) == max_accepted) break;
  }
  local.accepted = static_cast<std::int64_t>(accepted.size());
  if (stats != nullptr) stats->merge(local);
  return accepted;
}

}  // namespace scmforge::corpus

namespace scmforge::corpus {

PaddedExamples pad_examples(const std::vector<Example>& examples, std::int32_t rows,
                            std::int32_t features, std::int32_t classes, std::int32_t depth,
                            bool with_targets) {
  PaddedExamples p;
  p.e = examples.size();
  p.t = static_cast<std::size_t>(rows);
  p.f = static_cast<std::size_t>(features);
  p.k = static_cast<std::size_t>(classes);
  p.s = (std::size_t{1} << depth) - 1;
  const std::size_t e = p.e, t = p.t, f = p.f, k = p.k, s = p.s;
  p.x.assign(e * t * f, 0.0F);
  p.y.assign(e * t, -1);
  p.y_clean.assign(e * t, -1);
  p.y_prior.assign(e * t, -1);
  p.num_rows.resize(e);
  p.num_features.resize(e);
  p.num_classes.resize(e);
  p.dataset_id.resize(e);
  p.split_feature.resize(e * s);
  p.split_threshold.resize(e * s);
  p.leaf_counts.assign(e * (s + 1) * k, 0.0);
  p.tree_accuracy.resize(e);
  p.majority_share.resize(e);
  p.imbalance.resize(e);
  if (with_targets) {
    p.node_mask.assign(e * s * t, 0);
    p.threshold_distance.assign(e * s * t, 0.0F);
  }
  for (std::size_t b = 0; b < e; ++b) {
    const Example& ex = examples[b];
    const auto n = static_cast<std::size_t>(ex.data.n);
    SCMFORGE_CHECK(
        n <= t && ex.data.d <= features && ex.data.k <= classes && ex.target.depth == depth,
        InvalidInput,
        "example {} ({} rows, {} features, {} classes, depth {}) does not fit the padded "
        "shape ({}, {}, {}, depth {})",
        b, n, ex.data.d, ex.data.k, ex.target.depth, t, f, k, depth);
    copy_rows_padded(ex.data, f, p.x.data() + b * t * f);
    std::copy(ex.y_noisy.begin(), ex.y_noisy.end(),
              p.y.begin() + static_cast<std::ptrdiff_t>(b * t));
    std::copy(ex.y_clean.begin(), ex.y_clean.end(),
              p.y_clean.begin() + static_cast<std::ptrdiff_t>(b * t));
    std::copy(ex.data.y.begin(), ex.data.y.end(),
              p.y_prior.begin() + static_cast<std::ptrdiff_t>(b * t));
    p.num_rows[b] = ex.data.n;
    p.num_features[b] = ex.data.d;
    p.num_classes[b] = ex.data.k;
    p.dataset_id[b] = ex.data.id;
    std::copy(ex.target.feature.begin(), ex.target.feature.end(),
              p.split_feature.begin() + static_cast<std::ptrdiff_t>(b * s));
    std::copy(ex.target.threshold.begin(), ex.target.threshold.end(),
              p.split_threshold.begin() + static_cast<std::ptrdiff_t>(b * s));
    const auto kk = static_cast<std::size_t>(ex.tree.n_outputs);
    for (std::size_t l = 0; l <= s; ++l) {
      for (std::size_t c = 0; c < kk; ++c) {
        p.leaf_counts[(b * (s + 1) + l) * k + c] = ex.target.leaf_value[l * kk + c];
      }
    }
    p.tree_accuracy[b] = ex.tree_accuracy;
    p.majority_share[b] = ex.balance.majority_share;
    p.imbalance[b] = ex.balance.imbalance;
    if (!with_targets) continue;
    const auto masks = node_masks(ex);
    const auto dist = threshold_distances(ex, masks);
    for (std::size_t node = 0; node < s; ++node) {
      std::copy_n(masks.begin() + static_cast<std::ptrdiff_t>(node * n), n,
                  p.node_mask.begin() + static_cast<std::ptrdiff_t>((b * s + node) * t));
      std::copy_n(dist.begin() + static_cast<std::ptrdiff_t>(node * n), n,
                  p.threshold_distance.begin() + static_cast<std::ptrdiff_t>((b * s + node) * t));
    }
  }
  return p;
}

}  // namespace scmforge::corpus
