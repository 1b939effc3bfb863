// scmforge/corpus/pipeline.hpp: prior datasets -> MetaTree examples, in parallel id ranges.
//
// Candidate `id` is prior dataset `id` of the generator; make_example (example.hpp) accepts or
// rejects it. The accepted examples of a range are returned in id order, so a range's result is
// a pure function of (prior config, example config, seed, range) whatever the thread count.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "scmforge/corpus/example.hpp"
#include "scmforge/prior/generator.hpp"

namespace scmforge::corpus {

/// What happened to the candidates of a range.
struct PipelineStats {
  std::int64_t candidates = 0;
  std::int64_t accepted = 0;
  std::array<std::int64_t, kRejectionCount> rejections{};  // index = Rejection
  prior::GenerationStats prior;                            // redraws inside the prior
  void merge(const PipelineStats& other);
};

/// The accepted examples among candidates [first, first + count) on `threads` threads (<= 0: all
/// cores), in id order. With max_accepted >= 0 the range ends at the max_accepted-th accepted
/// candidate: later candidates are neither returned nor counted, and stats->candidates tells how
/// many were consumed (the next range starts at first + that count). Validates `config` first
/// (InvalidInput naming the field).
std::vector<Example> make_examples(const prior::PriorGenerator& generator,
                                   const ExampleConfig& config, std::uint64_t first,
                                   std::int64_t count, int threads, PipelineStats* stats = nullptr,
                                   std::int64_t max_accepted = -1);

}  // namespace scmforge::corpus
