// scmforge/io/prior_h5.hpp: prior dumps in HDF5, in the layout nanoTabPFN / TFM-Playground read.
//
// Layout (N datasets, T = max rows, F = max features; every array is chunked along N):
//   X                 float32 (N, T, F)  features, row-major per dataset, zero-padded
//   y                 float32 (N, T)     labels 0..k-1 as floats, zero-padded
//   num_features      int32   (N)        d of each dataset
//   num_datapoints    int32   (N)        n of each dataset
//   single_eval_pos   int32   (N)        train/test split position
//   max_num_classes   int64   (1)        the config's max_classes
//   original_batch_size int64 (1)        the config's split_group_size
//   problem_type      string             "classification"
// scmforge extras (loaders that do not know them ignore them):
//   num_classes       int32   (N)        k of each dataset
//   categorical       int32   (N, F)     levels of each feature, 0 = numeric, padded with 0
//   prior_type        uint8   (N)        0 = mlp, 1 = tree, 2 = gp
//   dataset_id        uint64  (N)        the id (= RNG stream) of each dataset
//   attributes on the root: scmforge_version, seed, config (JSON), first_id
// nanoTabPFN's PriorDumpDataLoader reads X[i:j, :max n, :max d], y and single_eval_pos[i] (the
// first of the batch), so datasets in one loader batch must share single_eval_pos: the
// generator guarantees that within each split group (config key split_group_size).
//
// Files carry no timestamps (object time tracking is off), so the same datasets give the same
// bytes. The writer writes to `<path>.partial` and renames it onto `path` in commit(); a writer
// destroyed without commit() removes the partial file.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "scmforge/core/table.hpp"

namespace scmforge::io {

/// Metadata stored with a dump.
struct PriorDumpInfo {
  std::int32_t max_rows = 0;      // T
  std::int32_t max_features = 0;  // F
  std::int32_t max_classes = 0;
  std::int32_t batch_size = 1;  // original_batch_size
  std::uint64_t seed = 0;
  std::uint64_t first_id = 0;
  std::string config_json;
  int compression = 1;  // gzip level 0-9 (0 = none), with the shuffle filter
};

/// Streams datasets into a new dump.
class PriorH5Writer {
 public:
  /// Creates `<path>.partial`; throws Io if it cannot be created (naming the path and reason).
  PriorH5Writer(std::string path, PriorDumpInfo info);
  ~PriorH5Writer();
  PriorH5Writer(const PriorH5Writer&) = delete;
  PriorH5Writer& operator=(const PriorH5Writer&) = delete;

  /// Appends datasets (n <= max_rows, d <= max_features each, else InvalidInput). Datasets are
  /// buffered and written one whole chunk at a time, so the file's bytes do not depend on how
  /// the datasets were split into append() calls.
  void append(std::span<const PriorDataset> datasets);

  /// Flushes, closes and renames the file onto its final path. Throws Io on failure.
  void commit();

  [[nodiscard]] std::int64_t count() const {
    return count_ + static_cast<std::int64_t>(pending_.size());
  }

 private:
  struct Handles;
  void write_rows(std::span<const PriorDataset> datasets);
  std::string path_;
  std::string partial_;
  PriorDumpInfo info_;
  Handles* h_ = nullptr;
  std::int64_t count_ = 0;             // datasets written to the file
  std::size_t chunk_n_ = 1;            // datasets per HDF5 chunk
  std::vector<PriorDataset> pending_;  // datasets of the chunk not yet complete
  bool committed_ = false;
};

/// Per-dataset summary read back from a dump (any nanoTabPFN-layout file; missing scmforge
/// extras are derived from y).
struct PriorDumpSummary {
  std::int64_t count = 0;
  std::int32_t max_rows = 0, max_features = 0;
  std::vector<std::int32_t> rows, features, classes, single_eval_pos;
  std::vector<double> majority_share;     // share of the most frequent class
  std::vector<double> categorical_share;  // share of categorical features (0 if unknown)
  std::vector<std::uint8_t> prior_type;   // empty if the file has none
  std::string config_json;                // empty if absent
};

/// Reads the summary of `path` in chunks (memory independent of N). Throws Io / InvalidInput.
PriorDumpSummary summarize_prior_dump(const std::string& path);

/// Reads datasets [first, first + count) back (for tests and tools).
std::vector<PriorDataset> read_prior_dump(const std::string& path, std::int64_t first,
                                          std::int64_t count);

}  // namespace scmforge::io
