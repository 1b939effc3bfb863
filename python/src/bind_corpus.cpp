// python/src/bind_corpus.cpp: bindings of corpus/ (MetaTree examples as padded numpy arrays).
#include <nanobind/ndarray.h>
#include <nanobind/stl/map.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "bindings.hpp"
#include "scmforge/core/error.hpp"
#include "scmforge/corpus/build.hpp"
#include "scmforge/corpus/pipeline.hpp"
#include "scmforge/prior/config.hpp"

namespace nb = nanobind;

namespace scmforge::python {
namespace {

corpus::ExampleConfig example_config(const std::map<std::string, std::string>& options) {
  corpus::ExampleConfig c;
  for (const auto& [key, value] : options) {
    try {
      if (key == "target") {
        SCMFORGE_CHECK(value == "cart" || value == "optimal", InvalidInput,
                       "target must be 'cart' or 'optimal', got '{}'", value);
        c.target = value == "cart" ? corpus::TargetKind::kCart : corpus::TargetKind::kOptimal;
      } else if (key == "depth") {
        c.depth = std::stoi(value);
      } else if (key == "max_majority_share") {
        c.max_majority_share = std::stod(value);
      } else if (key == "max_imbalance") {
        c.max_imbalance = std::stod(value);
      } else if (key == "min_tree_accuracy") {
        c.min_tree_accuracy = std::stod(value);
      } else if (key == "min_error_reduction") {
        c.min_error_reduction = std::stod(value);
      } else if (key == "label_noise") {
        c.label_noise = std::stod(value);
      } else if (key == "optimal_time_limit") {
        c.optimal_time_limit = std::stod(value);
      } else if (key == "optimal_max_thresholds") {
        c.optimal_max_thresholds = std::stoi(value);
      } else {
        SCMFORGE_THROW(InvalidInput, "unknown example option '{}'", key);
      }
    } catch (const std::logic_error&) {  // std::stoi / std::stod
      SCMFORGE_THROW(InvalidInput, "example option {} must be a number, got '{}'", key, value);
    }
  }
  corpus::validate(c);
  return c;
}

// Accepted examples from candidate `first` on until `n` are collected, as padded arrays.
// With candidates >= 0: instead every accepted example among [first, first + candidates).
nb::dict sample_examples(std::int64_t n, const std::string& preset, std::uint64_t seed, int threads,
                         std::uint64_t first, const std::map<std::string, std::string>& overrides,
                         const std::map<std::string, std::string>& options,
                         std::int64_t candidates) {
  SCMFORGE_CHECK(n >= 0, InvalidInput, "n must be >= 0, got {}", n);
  prior::PriorConfig prior_config = prior::preset(preset);
  for (const auto& [key, value] : overrides) prior::set_parameter(prior_config, key, value);
  prior::validate(prior_config);
  const corpus::ExampleConfig config = example_config(options);
  const auto t = static_cast<std::size_t>(prior_config.n_rows);
  const auto f = static_cast<std::size_t>(prior_config.max_features);
  const auto k = static_cast<std::size_t>(prior_config.max_classes);
  const auto s = (std::size_t{1} << config.depth) - 1;
  std::vector<corpus::Example> examples;
  corpus::PipelineStats stats;
  std::uint64_t next = first;
  {
    nb::gil_scoped_release release;
    const prior::PriorGenerator generator(prior_config, seed);
    if (candidates >= 0) {
      examples = corpus::make_examples(generator, config, first, candidates, threads, &stats);
      next = first + static_cast<std::uint64_t>(candidates);
    }
    while (candidates < 0 && examples.size() < static_cast<std::size_t>(n)) {
      // Candidates in blocks of at least 64; the block's surplus examples are dropped and the
      // next block starts just past the last example kept.
      const auto want = n - static_cast<std::int64_t>(examples.size());
      const std::int64_t block = std::max<std::int64_t>(64, 3 * want);
      corpus::PipelineStats block_stats;
      auto got = corpus::make_examples(generator, config, next, block, threads, &block_stats, want);
      stats.merge(block_stats);
      next += static_cast<std::uint64_t>(block_stats.candidates);
      for (auto& e : got) examples.push_back(std::move(e));
    }
  }
  const std::size_t count = examples.size();
  corpus::PaddedExamples p =
      corpus::pad_examples(examples, prior_config.n_rows, prior_config.max_features,
                           prior_config.max_classes, config.depth, true);
  nb::dict out;
  out["X"] = owned(std::move(p.x), {count, t, f});
  out["y"] = owned(std::move(p.y), {count, t});
  out["y_clean"] = owned(std::move(p.y_clean), {count, t});
  out["y_prior"] = owned(std::move(p.y_prior), {count, t});
  out["num_rows"] = owned(std::move(p.num_rows), {count});
  out["num_features"] = owned(std::move(p.num_features), {count});
  out["num_classes"] = owned(std::move(p.num_classes), {count});
  out["dataset_id"] = owned(std::move(p.dataset_id), {count});
  out["split_feature"] = owned(std::move(p.split_feature), {count, s});
  out["split_threshold"] = owned(std::move(p.split_threshold), {count, s});
  out["leaf_counts"] = owned(std::move(p.leaf_counts), {count, s + 1, k});
  out["node_mask"] = owned(std::move(p.node_mask), {count, s, t});
  out["threshold_distance"] = owned(std::move(p.threshold_distance), {count, s, t});
  out["tree_accuracy"] = owned(std::move(p.tree_accuracy), {count});
  out["majority_share"] = owned(std::move(p.majority_share), {count});
  out["imbalance"] = owned(std::move(p.imbalance), {count});
  out["candidates"] = stats.candidates;
  out["next_candidate"] = next;
  nb::dict rejections;
  for (std::size_t r = 0; r < corpus::kRejectionCount; ++r) {
    rejections[corpus::rejection_name(static_cast<corpus::Rejection>(r))] = stats.rejections[r];
  }
  out["rejections"] = rejections;
  out["prior_config"] = prior::to_json(prior_config);
  return out;
}

using Strings = std::map<std::string, std::string>;

// (n, preset, seed, prior overrides, example options, shard_candidates, compression) as Python
// passes them: one tuple so the Ray driver can hand the same config to every task.
using ConfigArgs =
    std::tuple<std::int64_t, std::string, std::uint64_t, Strings, Strings, std::int64_t, int>;

corpus::BuildConfig build_config(const ConfigArgs& args) {
  corpus::BuildConfig config;
  config.n = std::get<0>(args);
  config.preset = std::get<1>(args);
  config.seed = std::get<2>(args);
  config.prior_overrides = std::get<3>(args);
  config.example = example_config(std::get<4>(args));
  config.shard_candidates = std::get<5>(args);
  config.compression = std::get<6>(args);
  return config;
}

nb::dict build(const std::string& out, const ConfigArgs& args, int threads) {
  const corpus::BuildConfig config = build_config(args);
  corpus::BuildResult r;
  {
    nb::gil_scoped_release release;
    r = corpus::build_corpus(config, out, threads);
  }
  nb::dict result;
  result["examples"] = r.examples;
  result["candidates"] = r.candidates;
  result["shards"] = r.shards;
  result["shards_reused"] = r.shards_reused;
  nb::dict rejections;
  for (std::size_t i = 0; i < corpus::kRejectionCount; ++i) {
    rejections[corpus::rejection_name(static_cast<corpus::Rejection>(i))] = r.stats.rejections[i];
  }
  result["rejections"] = rejections;
  return result;
}

}  // namespace

void bind_corpus(nb::module_& m) {
  m.def("corpus_build", &build, nb::arg("out"), nb::arg("config"), nb::arg("threads"),
        "Builds or resumes a corpus folder (the CLI's `corpus build`).");
  m.def(
      "corpus_intact_shards",
      [](const std::string& out, const ConfigArgs& args) {
        return corpus::intact_shards(build_config(args), out);
      },
      nb::arg("out"), nb::arg("config"), "Manifest entries of an earlier run's intact shards.");
  m.def(
      "corpus_build_shard",
      [](const std::string& out, const ConfigArgs& args, std::int64_t shard,
         std::int64_t max_accepted, int threads) {
        const corpus::BuildConfig config = build_config(args);
        nb::gil_scoped_release release;
        return corpus::build_shard(config, out, shard, max_accepted, threads);
      },
      nb::arg("out"), nb::arg("config"), nb::arg("shard"), nb::arg("max_accepted"),
      nb::arg("threads"), "Builds one shard; returns its manifest entry (JSON).");
  m.def(
      "corpus_write_manifest",
      [](const std::string& out, const ConfigArgs& args, const std::vector<std::string>& entries) {
        return corpus::write_manifest(build_config(args), out, entries).accepted;
      },
      nb::arg("out"), nb::arg("config"), nb::arg("entries"),
      "Writes manifest.json for shard entries 0..m-1; returns the examples they hold.");
  m.def(
      "corpus_verify", [](const std::string& out) { return corpus::verify_corpus(out); },
      nb::arg("out"), "Problems found in a corpus folder (empty list: intact).");
  m.def("corpus_sample", &sample_examples, nb::arg("n"), nb::arg("preset"), nb::arg("seed"),
        nb::arg("threads"), nb::arg("first_candidate"), nb::arg("overrides"), nb::arg("options"),
        nb::arg("candidates") = -1,
        "The first n accepted MetaTree examples from candidate first_candidate on, padded (or, "
        "with candidates >= 0, every accepted example of that many candidates).");
}

}  // namespace scmforge::python
