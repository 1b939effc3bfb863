// src/corpus/build.cpp: corpus folders: shard writing, the manifest, resume and verification.
#include "scmforge/corpus/build.hpp"

#include <fmt/format.h>
#include <hdf5.h>
#include <zlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/hdf5_handles.hpp"
#include "scmforge/core/error.hpp"
#include "scmforge/io/file.hpp"
#include "scmforge/prior/config.hpp"
#include "scmforge/prior/generator.hpp"

namespace scmforge::corpus {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using io::check;
using io::check_status;
using io::Hid;

constexpr const char* kManifest = "manifest.json";
constexpr const char* kFormat = "scmforge-metatree-corpus";
constexpr int kFormatVersion = 1;

prior::PriorConfig prior_config(const BuildConfig& c) {
  prior::PriorConfig config = prior::preset(c.preset);
  for (const auto& [key, value] : c.prior_overrides) prior::set_parameter(config, key, value);
  prior::validate(config);
  return config;
}

void validate(const BuildConfig& c) {
  SCMFORGE_CHECK(c.n > 0, InvalidInput, "n (examples wanted) must be > 0, got {}", c.n);
  SCMFORGE_CHECK(c.shard_candidates > 0, InvalidInput, "shard_candidates must be > 0, got {}",
                 c.shard_candidates);
  SCMFORGE_CHECK(c.compression >= 0 && c.compression <= 9, InvalidInput,
                 "compression must be 0-9, got {}", c.compression);
  validate(c.example);
}

std::string shard_name(std::int64_t s) { return fmt::format("shard-{:05d}.h5", s); }

std::string crc32_of(const std::string& path) {
  const std::string bytes = io::read_file(path);
  uLong crc = crc32(0L, Z_NULL, 0);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const auto part = static_cast<uInt>(std::min<std::size_t>(bytes.size() - done, 1U << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + done), part);
    done += part;
  }
  return fmt::format("{:08x}", static_cast<std::uint32_t>(crc));
}

// One dataset of `dims`, chunked along the first axis (contiguous when empty), no timestamps.
template <typename T>
void write_array(hid_t file, const char* name, hid_t type, const std::vector<hsize_t>& dims,
                 const std::vector<T>& data, int compression, const std::string& path) {
  Hid space(check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                  "creating a dataspace", path),
            H5Sclose);
  Hid dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_obj_track_times(dcpl, 0);
  if (dims[0] > 0) {
    std::vector<hsize_t> chunk = dims;
    chunk[0] = std::min<hsize_t>(dims[0], 64);
    H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data());
    if (compression > 0) {
      H5Pset_shuffle(dcpl);
      H5Pset_deflate(dcpl, static_cast<unsigned>(compression));
    }
  }
  Hid set(check(H5Dcreate2(file, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                fmt::format("creating dataset {}", name), path),
          H5Dclose);
  if (!data.empty()) {
    check_status(H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()),
                 fmt::format("writing {}", name), path);
  }
}

void write_shard(const std::string& path, const PaddedExamples& p, int compression) {
  io::quiet_hdf5();
  const std::string partial = path + ".partial";
  {
    Hid fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
    H5Pset_obj_track_times(fcpl, 0);
    Hid file(
        check(H5Fcreate(partial.c_str(), H5F_ACC_TRUNC, fcpl, H5P_DEFAULT), "creating", partial),
        H5Fclose);
    const hsize_t e = p.e, t = p.t, f = p.f, k = p.k, s = p.s;
    write_array(file, "X", H5T_IEEE_F32LE, {e, t, f}, p.x, compression, partial);
    write_array(file, "y", H5T_STD_I32LE, {e, t}, p.y, compression, partial);
    write_array(file, "y_clean", H5T_STD_I32LE, {e, t}, p.y_clean, compression, partial);
    write_array(file, "y_prior", H5T_STD_I32LE, {e, t}, p.y_prior, compression, partial);
    write_array(file, "num_rows", H5T_STD_I32LE, {e}, p.num_rows, compression, partial);
    write_array(file, "num_features", H5T_STD_I32LE, {e}, p.num_features, compression, partial);
    write_array(file, "num_classes", H5T_STD_I32LE, {e}, p.num_classes, compression, partial);
    write_array(file, "dataset_id", H5T_STD_U64LE, {e}, p.dataset_id, compression, partial);
    write_array(file, "split_feature", H5T_STD_I32LE, {e, s}, p.split_feature, compression,
                partial);
    write_array(file, "split_threshold", H5T_IEEE_F64LE, {e, s}, p.split_threshold, compression,
                partial);
    write_array(file, "leaf_counts", H5T_IEEE_F64LE, {e, s + 1, k}, p.leaf_counts, compression,
                partial);
    write_array(file, "tree_accuracy", H5T_IEEE_F64LE, {e}, p.tree_accuracy, compression, partial);
    write_array(file, "majority_share", H5T_IEEE_F64LE, {e}, p.majority_share, compression,
                partial);
    write_array(file, "imbalance", H5T_IEEE_F64LE, {e}, p.imbalance, compression, partial);
    check_status(H5Fflush(file, H5F_SCOPE_GLOBAL), "flushing", partial);
  }
  std::error_code ec;
  fs::rename(partial, path, ec);
  if (ec) {
    fs::remove(partial, ec);
    SCMFORGE_THROW(Io, "cannot rename '{}' to '{}'; check the disk space and permissions", partial,
                   path);
  }
}

Json rejections_json(const PipelineStats& stats) {
  Json out = Json::object();
  for (std::size_t r = 0; r < kRejectionCount; ++r) {
    out[rejection_name(static_cast<Rejection>(r))] = stats.rejections[r];
  }
  return out;
}

// Shards of an earlier run of the same config, or none; refuses a folder holding anything else.
std::vector<Json> earlier_shards(const std::string& out, const std::string& config) {
  const fs::path manifest = fs::path(out) / kManifest;
  if (!fs::exists(manifest)) {
    for (const auto& entry : fs::directory_iterator(out)) {
      if (entry.path().extension() != ".partial") {
        SCMFORGE_THROW(InvalidInput,
                       "'{}' is not empty and holds no corpus manifest (found '{}'); choose an "
                       "empty or new folder",
                       out, entry.path().filename().string());
      }
    }
    return {};
  }
  Json doc;
  try {
    doc = Json::parse(io::read_file(manifest.string()));
  } catch (const Json::exception& e) {
    SCMFORGE_THROW(InvalidInput, "{}: not valid JSON ({}); delete the folder to rebuild",
                   manifest.string(), e.what());
  }
  SCMFORGE_CHECK(doc.is_object() && doc.value("format", "") == kFormat && doc.contains("config") &&
                     doc.contains("shards") && doc["shards"].is_array(),
                 InvalidInput, "{}: not a scmforge corpus manifest", manifest.string());
  if (doc["config"].dump() != config) {
    const Json asked = Json::parse(config);
    std::string differences;
    for (const auto& op : Json::diff(doc["config"], asked)) {
      const auto where = op.value("path", "");
      const Json::json_pointer pointer(where);
      differences +=
          fmt::format("{}{}: {} there, {} asked", differences.empty() ? "" : "; ", where,
                      doc["config"].contains(pointer) ? doc["config"][pointer].dump() : "none",
                      asked.contains(pointer) ? asked[pointer].dump() : "none");
    }
    SCMFORGE_THROW(InvalidInput,
                   "'{}' holds a corpus built with another config ({}); choose another --out or "
                   "delete the folder",
                   out, differences);
  }
  return doc["shards"].get<std::vector<Json>>();
}

PipelineStats stats_of(const Json& entry) {
  PipelineStats stats;
  stats.candidates = entry.at("candidates").get<std::int64_t>();
  stats.accepted = entry.at("examples").get<std::int64_t>();
  for (std::size_t r = 0; r < kRejectionCount; ++r) {
    stats.rejections[r] =
        entry.at("rejections").value(rejection_name(static_cast<Rejection>(r)), std::int64_t{0});
  }
  return stats;
}

}  // namespace

std::string config_json(const BuildConfig& c) {
  const ExampleConfig& e = c.example;
  const Json doc = {{"preset", c.preset},
                    {"prior_overrides", c.prior_overrides},
                    {"prior", Json::parse(prior::to_json(prior_config(c)))},
                    {"example",
                     {{"target", e.target == TargetKind::kCart ? "cart" : "optimal"},
                      {"depth", e.depth},
                      {"max_majority_share", e.max_majority_share},
                      {"max_imbalance", e.max_imbalance},
                      {"min_tree_accuracy", e.min_tree_accuracy},
                      {"min_error_reduction", e.min_error_reduction},
                      {"label_noise", e.label_noise},
                      {"optimal_time_limit", e.optimal_time_limit},
                      {"optimal_max_thresholds", e.optimal_max_thresholds}}},
                    {"seed", c.seed},
                    {"n", c.n},
                    {"shard_candidates", c.shard_candidates},
                    {"compression", c.compression}};
  return doc.dump();
}

std::vector<std::string> intact_shards(const BuildConfig& config, const std::string& out) {
  validate(config);
  const std::string canonical = config_json(config);
  std::error_code ec;
  fs::create_directories(out, ec);
  SCMFORGE_CHECK(!ec, Io, "cannot create the folder '{}': {}", out, ec.message());
  std::vector<std::string> intact;
  for (const Json& entry : earlier_shards(out, canonical)) {
    const fs::path path = fs::path(out) / entry.value("file", "");
    if (!fs::exists(path) || entry.value("crc32", "") != crc32_of(path.string())) break;
    intact.push_back(entry.dump());
  }
  return intact;
}

std::string build_shard(const BuildConfig& config, const std::string& out, std::int64_t shard,
                        std::int64_t max_accepted, int threads) {
  validate(config);
  SCMFORGE_CHECK(shard >= 0, InvalidInput, "shard index must be >= 0, got {}", shard);
  const prior::PriorConfig prior = prior_config(config);
  const prior::PriorGenerator generator(prior, config.seed);
  PipelineStats stats;
  const auto examples = make_examples(generator, config.example,
                                      static_cast<std::uint64_t>(shard * config.shard_candidates),
                                      config.shard_candidates, threads, &stats, max_accepted);
  const PaddedExamples padded = pad_examples(examples, prior.n_rows, prior.max_features,
                                             prior.max_classes, config.example.depth, false);
  const std::string name = shard_name(shard);
  const std::string path = (fs::path(out) / name).string();
  write_shard(path, padded, config.compression);
  return Json{{"file", name},
              {"first_candidate", shard * config.shard_candidates},
              {"candidates", stats.candidates},
              {"examples", stats.accepted},
              {"rejections", rejections_json(stats)},
              {"crc32", crc32_of(path)}}
      .dump();
}

PipelineStats write_manifest(const BuildConfig& config, const std::string& out,
                             const std::vector<std::string>& entries) {
  PipelineStats totals;
  std::vector<Json> shards;
  for (const auto& text : entries) {
    Json entry = Json::parse(text);
    entry["first_example"] = totals.accepted;
    totals.merge(stats_of(entry));
    shards.push_back(std::move(entry));
  }
  const Json doc = {{"format", kFormat},
                    {"version", kFormatVersion},
                    {"scmforge_version", SCMFORGE_VERSION},
                    {"config", Json::parse(config_json(config))},
                    {"complete", totals.accepted >= config.n},
                    {"examples", totals.accepted},
                    {"candidates", totals.candidates},
                    {"rejections", rejections_json(totals)},
                    {"shards", shards}};
  io::write_file_atomically((fs::path(out) / kManifest).string(), doc.dump(1) + "\n");
  return totals;
}

BuildResult build_corpus(const BuildConfig& config, const std::string& out, int threads,
                         const BuildProgress& progress) {
  std::vector<std::string> entries = intact_shards(config, out);
  BuildResult result;
  result.shards_reused = static_cast<std::int64_t>(entries.size());
  for (const auto& entry : entries) result.stats.merge(stats_of(Json::parse(entry)));
  // Reused shards hold at most n examples: the last one of a complete build stops at the n-th.
  for (auto s = static_cast<std::int64_t>(entries.size()); result.stats.accepted < config.n; ++s) {
    entries.push_back(build_shard(config, out, s, config.n - result.stats.accepted, threads));
    result.stats.merge(stats_of(Json::parse(entries.back())));
    write_manifest(config, out, entries);
    if (progress) progress(result.stats.accepted, result.stats.candidates);
  }
  // A resumed build that reused every shard rewrites an identical manifest.
  write_manifest(config, out, entries);
  result.examples = result.stats.accepted;
  result.candidates = result.stats.candidates;
  result.shards = static_cast<std::int64_t>(entries.size());
  return result;
}

std::vector<std::string> verify_corpus(const std::string& out) {
  const fs::path manifest = fs::path(out) / kManifest;
  SCMFORGE_CHECK(fs::exists(manifest), InvalidInput, "'{}' has no {}: not a corpus folder", out,
                 kManifest);
  Json doc;
  try {
    doc = Json::parse(io::read_file(manifest.string()));
  } catch (const Json::exception& e) {
    SCMFORGE_THROW(InvalidInput, "{}: not valid JSON ({})", manifest.string(), e.what());
  }
  std::vector<std::string> problems;
  if (!doc.value("complete", false)) problems.push_back("the build is not complete (resume it)");
  for (const auto& shard : doc.value("shards", Json::array())) {
    const std::string file = shard.value("file", "");
    const fs::path path = fs::path(out) / file;
    if (!fs::exists(path)) {
      problems.push_back(fmt::format("{}: missing", file));
    } else if (crc32_of(path.string()) != shard.value("crc32", "")) {
      problems.push_back(fmt::format("{}: checksum {} differs from the manifest's {}", file,
                                     crc32_of(path.string()), shard.value("crc32", "")));
    }
  }
  return problems;
}

}  // namespace scmforge::corpus
