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

namespace scmforge::corpus {

/// Examples padded to a common shape, row-major (E examples, T rows, F features, K classes,
/// S = 2^depth - 1 node slots): the layout of shards and of the Python / torch batches.
struct PaddedExamples {
  std::size_t e = 0, t = 0, f = 0, k = 0, s = 0;
  std::vector<float> x;                                           // E x T x F, zero-padded
  std::vector<std::int32_t> y, y_clean, y_prior;                  // E x T, -1 in padding rows
  std::vector<std::int32_t> num_rows, num_features, num_classes;  // E
  std::vector<std::uint64_t> dataset_id;                          // E
  std::vector<std::int32_t> split_feature;                        // E x S, -1 where no split
  std::vector<double> split_threshold;                            // E x S
  std::vector<double> leaf_counts;                                // E x (S + 1) x K
  std::vector<double> tree_accuracy, majority_share, imbalance;   // E
  std::vector<std::uint8_t> node_mask;                            // E x S x T (only with_targets)
  std::vector<float> threshold_distance;                          // E x S x T (only with_targets)
};

/// Pads `examples` (each n <= rows, d <= features, k <= classes, target depth == depth; else
/// InvalidInput). with_targets also fills node_mask and threshold_distance.
PaddedExamples pad_examples(const std::vector<Example>& examples, std::int32_t rows,
                            std::int32_t features, std::int32_t classes, std::int32_t depth,
                            bool with_targets);

}  // namespace scmforge::corpus
