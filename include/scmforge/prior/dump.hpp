// scmforge/prior/dump.hpp: generate a range of prior datasets straight into an HDF5 dump.
//
// The CLI (`scmforge prior sample`) and Python (`scmforge.prior.write`) both call write_dump, so
// they produce the same bytes for the same arguments. Generation and writing overlap: while a
// background thread compresses and writes batch b, the workers generate batch b + 1. Memory
// holds at most two batches of datasets, whatever `count` is.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "scmforge/prior/generator.hpp"

namespace scmforge::prior {

struct DumpOptions {
  std::uint64_t first_id = 0;  // id of the first dataset
  std::int64_t count = 0;      // datasets to write (> 0)
  int threads = 0;             // generation threads (<= 0: all cores)
  std::int64_t batch = 256;    // datasets per generated batch (> 0)
  int compression = 1;         // gzip level 0-9
};

/// Called after each written batch with the number of datasets written so far.
using DumpProgress = std::function<void(std::int64_t)>;

/// Writes datasets [first_id, first_id + count) of `generator` to `path` (atomically, see
/// io/prior_h5.hpp) and returns the generation statistics. Throws InvalidInput for bad options,
/// Io when the file cannot be written (no partial file is left).
GenerationStats write_dump(const PriorGenerator& generator, const std::string& path,
                           const DumpOptions& options, const DumpProgress& progress = {});

}  // namespace scmforge::prior
