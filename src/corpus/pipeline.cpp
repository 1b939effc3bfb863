// src/corpus/pipeline.cpp: parallel ranges of candidates through the example pipeline.
#include "scmforge/corpus/pipeline.hpp"

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
  const auto n = static_cast<std::size_t>(count);
  std::vector<Outcome> outcomes(n);
  std::vector<prior::GenerationStats> prior_stats(n);
  parallel_for(count, threads, [&](std::int64_t i) {
    const auto s = static_cast<std::size_t>(i);
    const std::uint64_t id = first + static_cast<std::uint64_t>(i);
    outcomes[s] = make_example(generator.generate(id, &prior_stats[s]), config, generator.seed());
  });
  PipelineStats local;
  std::vector<Example> accepted;
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
  local.accepted = static_cast<std::int64_t>(accepted.size());
  if (stats != nullptr) stats->merge(local);
  return accepted;
}

}  // namespace scmforge::corpus
