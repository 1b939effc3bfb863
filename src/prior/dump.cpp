// src/prior/dump.cpp: generation overlapped with HDF5 writing.
#include "scmforge/prior/dump.hpp"

#include <exception>
#include <future>
#include <vector>

#include "scmforge/core/error.hpp"
#include "scmforge/io/prior_h5.hpp"

namespace scmforge::prior {

GenerationStats write_dump(const PriorGenerator& generator, const std::string& path,
                           const DumpOptions& o, const DumpProgress& progress) {
  SCMFORGE_CHECK(o.count > 0, InvalidInput, "the number of datasets must be positive, got {}",
                 o.count);
  SCMFORGE_CHECK(o.batch > 0, InvalidInput, "the batch size must be positive, got {}", o.batch);
  SCMFORGE_CHECK(o.compression >= 0 && o.compression <= 9, InvalidInput,
                 "the compression level must be 0-9, got {}", o.compression);
  const PriorConfig& config = generator.config();
  io::PriorDumpInfo info;
  info.max_rows = config.n_rows;
  info.max_features = config.max_features;
  info.max_classes = config.max_classes;
  info.batch_size = config.split_group_size;
  info.seed = generator.seed();
  info.first_id = o.first_id;
  info.config_json = to_json(config);
  info.compression = o.compression;
  io::PriorH5Writer writer(path, info);
  GenerationStats stats;
  std::future<void> pending;  // the write of the previous batch
  std::vector<PriorDataset> writing;
  std::int64_t written = 0;
  auto finish_pending = [&] {
    if (!pending.valid()) return;
    pending.get();  // rethrows a write error
    written += static_cast<std::int64_t>(writing.size());
    if (progress) progress(written);
  };
  for (std::int64_t done = 0; done < o.count;) {
    const std::int64_t m = std::min(o.batch, o.count - done);
    std::vector<PriorDataset> batch = generator.generate_range(
        o.first_id + static_cast<std::uint64_t>(done), m, o.threads, &stats);
    finish_pending();
    writing = std::move(batch);
    pending = std::async(std::launch::async, [&writer, &writing] { writer.append(writing); });
    done += m;
  }
  finish_pending();
  writer.commit();
  return stats;
}

}  // namespace scmforge::prior
