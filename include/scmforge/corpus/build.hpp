// scmforge/corpus/build.hpp: a MetaTree corpus on disk: HDF5 shards plus a JSON manifest.
//
// A corpus folder holds `manifest.json` and shards `shard-00000.h5`, `shard-00001.h5`, ...
// Shard s holds the accepted examples among candidates (prior dataset ids)
// [s * shard_candidates, (s + 1) * shard_candidates); the last shard stops at the candidate that
// completes the n-th example. Shard layout (E examples, T rows, F features, K classes,
// S = 2^depth - 1; docs/formats.md):
//   X float32 (E, T, F) zero-padded | y, y_clean, y_prior int32 (E, T), -1 in padding rows
//   num_rows, num_features, num_classes int32 (E) | dataset_id uint64 (E)
//   split_feature int32 (E, S) | split_threshold float64 (E, S) | leaf_counts float64 (E, S+1, K)
//   tree_accuracy, majority_share, imbalance float64 (E)
// Node masks and threshold distances are not stored: readers derive them from X and the splits
// exactly as corpus::node_masks / threshold_distances do.
//
// Every byte is a function of the build config: files carry no timestamps, shards are written to
// `<name>.partial` and renamed, and the manifest (rewritten atomically after each shard) records
// each shard's CRC-32. A build that stops (killed, disk full) resumes where it stopped: complete
// shards whose checksum matches are kept, and the result is byte-identical to an uninterrupted
// build. A folder holding a corpus of another config, or other files, is refused.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "scmforge/corpus/example.hpp"
#include "scmforge/corpus/pipeline.hpp"

namespace scmforge::corpus {

struct BuildConfig {
  std::string preset = "metatree";
  std::map<std::string, std::string> prior_overrides;  // prior parameter -> value
  ExampleConfig example;
  std::uint64_t seed = 0;
  std::int64_t n = 0;                     // accepted examples wanted (> 0)
  std::int64_t shard_candidates = 16384;  // candidates per shard (> 0)
  int compression = 1;                    // gzip level 0-9
};

/// The manifest's canonical config JSON (also what a resumed build must match).
std::string config_json(const BuildConfig& config);

struct BuildResult {
  std::int64_t examples = 0;
  std::int64_t candidates = 0;
  std::int64_t shards = 0;
  std::int64_t shards_reused = 0;  // complete shards found from an earlier run
  PipelineStats stats;
};

/// Called after each shard with (examples so far, candidates so far).
using BuildProgress = std::function<void(std::int64_t, std::int64_t)>;

/// Builds (or resumes) the corpus in folder `out` on `threads` threads. Throws InvalidInput for a
/// bad config or a folder holding something else, Io when a file cannot be written (completed
/// shards and the manifest stay valid).
BuildResult build_corpus(const BuildConfig& config, const std::string& out, int threads,
                         const BuildProgress& progress = {});

// The steps of build_corpus, for distributed builds (scmforge.corpus.build(backend="ray")): the
// driver calls intact_shards, runs build_shard for the missing shards anywhere that sees `out`,
// and writes the manifest after each shard, in shard order.

/// Prepares `out` for `config` (creates it; refuses another config or foreign files) and returns
/// the manifest entries (JSON text) of an earlier run's intact shards: in order, up to the first
/// missing or damaged one.
std::vector<std::string> intact_shards(const BuildConfig& config, const std::string& out);

/// Builds shard `shard`: the accepted examples among its candidates, at most max_accepted (-1:
/// all), written atomically to `out`; returns its manifest entry (JSON text).
std::string build_shard(const BuildConfig& config, const std::string& out, std::int64_t shard,
                        std::int64_t max_accepted, int threads);

/// Writes manifest.json for the entries of shards 0..m-1 (complete when they hold n examples);
/// returns the totals.
PipelineStats write_manifest(const BuildConfig& config, const std::string& out,
                             const std::vector<std::string>& entries);

/// Re-reads every shard listed in the manifest and compares its CRC-32; returns one line per
/// problem (missing file, checksum mismatch), empty when the corpus is intact.
std::vector<std::string> verify_corpus(const std::string& out);

}  // namespace scmforge::corpus
