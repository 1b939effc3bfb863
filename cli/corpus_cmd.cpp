// cli/corpus_cmd.cpp: `scmforge corpus build | stats | verify`.
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.hpp"
#include "progress.hpp"
#include "python_module.hpp"
#include "scmforge/core/error.hpp"
#include "scmforge/corpus/build.hpp"

namespace scmforge::cli {
namespace {

struct BuildOptions {
  corpus::BuildConfig config;
  std::string target = "cart";
  std::vector<std::string> set;
  int threads = 0;
  std::string out;
  std::string ray;
  bool quiet = false;
};

// Applies --target and --set to o.config.
void resolve_options(BuildOptions& o) {
  SCMFORGE_CHECK(o.target == "cart" || o.target == "optimal", InvalidInput,
                 "--target must be 'cart' or 'optimal', got '{}'", o.target);
  o.config.example.target =
      o.target == "cart" ? corpus::TargetKind::kCart : corpus::TargetKind::kOptimal;
  for (const std::string& kv : o.set) {
    const auto eq = kv.find('=');
    SCMFORGE_CHECK(eq != std::string::npos && eq > 0, InvalidInput,
                   "--set expects key=value, got '{}'", kv);
    o.config.prior_overrides[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
}

// The example options as scmforge.corpus takes them (strings, as its _options() makes them).
nlohmann::json python_options(const BuildOptions& o) {
  const corpus::ExampleConfig& e = o.config.example;
  return {{"target", o.target},
          {"depth", std::to_string(e.depth)},
          {"max_majority_share", fmt::format("{}", e.max_majority_share)},
          {"max_imbalance", fmt::format("{}", e.max_imbalance)},
          {"min_tree_accuracy", fmt::format("{}", e.min_tree_accuracy)},
          {"min_error_reduction", fmt::format("{}", e.min_error_reduction)},
          {"label_noise", fmt::format("{}", e.label_noise)},
          {"optimal_time_limit", fmt::format("{}", e.optimal_time_limit)},
          {"optimal_max_thresholds", std::to_string(e.optimal_max_thresholds)}};
}

void run_build(BuildOptions& o) {
  resolve_options(o);
  if (!o.ray.empty()) {
    // The Ray driver lives in the Python package (scmforge.corpus._build_ray).
    const nlohmann::json options = python_options(o);
    const nlohmann::json config = {
        o.config.n, o.config.preset,           o.config.seed,       o.config.prior_overrides,
        options,    o.config.shard_candidates, o.config.compression};
    run_python_module("scmforge.corpus", {"build-ray", o.out, config.dump(), o.ray});
    return;
  }
  ProgressBar bar(o.config.n, "examples", o.quiet);
  const corpus::BuildResult r = corpus::build_corpus(
      o.config, o.out, o.threads, [&bar](std::int64_t examples, std::int64_t candidates) {
        const double rejected = candidates > 0
                                    ? 100.0 * static_cast<double>(candidates - examples) /
                                          static_cast<double>(candidates)
                                    : 0.0;
        bar.update(examples, fmt::format("{:.1f}% rejected", rejected));
      });
  bar.finish(r.examples);
  if (o.quiet) return;
  std::int64_t rejected = 0;
  for (const auto count : r.stats.rejections) rejected += count;
  fmt::print(stderr,
             "{} examples from {} candidates in {} shards ({} reused) in {:.1f}s ({:.0f} "
             "examples/s); rejected {:.1f}%: majority {}, imbalance {}, tree accuracy {}\n",
             r.examples, r.candidates, r.shards, r.shards_reused, bar.elapsed(),
             static_cast<double>(r.examples) / std::max(bar.elapsed(), 1e-9),
             100.0 * static_cast<double>(rejected) /
                 static_cast<double>(std::max<std::int64_t>(r.candidates, 1)),
             r.stats.rejections[0], r.stats.rejections[1], r.stats.rejections[2]);
}

struct StatsOptions {
  BuildOptions sample;  // with --sample: the examples to draw (sample.config.n of them)
  std::string folder;
  std::string plot;
};

void run_stats(StatsOptions& s) {
  // Statistics and plots come from the Python package (scmforge.corpus.stats, matplotlib).
  std::vector<std::string> args;
  if (s.folder.empty() == (s.sample.config.n == 0)) {
    SCMFORGE_THROW(InvalidInput,
                   "corpus stats takes a corpus FOLDER or --sample N (a streamed sample drawn "
                   "with the build options, nothing written), got {}",
                   s.folder.empty() ? "neither" : "both");
  }
  if (s.folder.empty()) {
    BuildOptions& o = s.sample;
    SCMFORGE_CHECK(o.config.n > 0, InvalidInput, "--sample must be > 0, got {}", o.config.n);
    resolve_options(o);
    // Bad prior or example options fail here, with the library's message, not in Python.
    corpus::validate(o.config.example);
    static_cast<void>(corpus::config_json(o.config));
    const nlohmann::json spec = {o.config.n,        o.config.preset,
                                 o.config.seed,     o.config.prior_overrides,
                                 python_options(o), o.threads};
    args = {"corpus-stats-sample", spec.dump()};
  } else {
    args = {"corpus-stats", s.folder};
  }
  if (!s.plot.empty()) args.push_back(s.plot);
  run_python_module("scmforge.plots", args);
}

void run_verify(const std::string& folder) {
  const auto problems = corpus::verify_corpus(folder);
  if (problems.empty()) {
    fmt::print("{}: every shard matches its checksum\n", folder);
    return;
  }
  for (const auto& p : problems) fmt::print(stderr, "{}\n", p);
  SCMFORGE_THROW(Io, "{}: {} problem(s); run `scmforge corpus build` with the same flags to repair",
                 folder, problems.size());
}

// The prior, target, filter and noise options shared by `build` and `stats --sample`.
void add_example_options(CLI::App* app, BuildOptions& o) {
  app->add_option("--preset", o.config.preset, "Prior preset")->capture_default_str();
  app->add_option("--set", o.set, "Prior parameter override key=value (repeatable)");
  app->add_option("--target", o.target, "Target tree: cart or optimal")->capture_default_str();
  app->add_option("--depth", o.config.example.depth, "Target tree depth")->capture_default_str();
  app->add_option("--max-majority-share", o.config.example.max_majority_share,
                  "Reject datasets whose largest class holds more than this share")
      ->capture_default_str();
  app->add_option("--max-imbalance", o.config.example.max_imbalance,
                  "Reject datasets with 1 - normalised class entropy >= this")
      ->capture_default_str();
  app->add_option("--min-tree-accuracy", o.config.example.min_tree_accuracy,
                  "Reject datasets the target tree fits no better than this")
      ->capture_default_str();
  app->add_option("--min-error-reduction", o.config.example.min_error_reduction,
                  "Reject datasets whose target tree removes less than this share of the majority "
                  "guess's errors, (accuracy - majority) / (1 - majority); 0 = off")
      ->capture_default_str();
  app->add_option("--label-noise", o.config.example.label_noise,
                  "Share of relabelled rows moved to another class")
      ->capture_default_str();
  app->add_option("--optimal-time-limit", o.config.example.optimal_time_limit,
                  "Seconds per optimal target tree (0 = none)")
      ->capture_default_str();
  app->add_option("--seed", o.config.seed, "Random seed")->capture_default_str();
  app->add_option("--threads", o.threads, "Threads (0 = all cores)")->capture_default_str();
}

}  // namespace

void add_corpus_commands(CLI::App& app) {
  CLI::App* corpus_app = app.add_subcommand("corpus", "Build and check MetaTree corpora");
  corpus_app->require_subcommand(1);

  auto o = std::make_shared<BuildOptions>();
  CLI::App* build = corpus_app->add_subcommand(
      "build", "Prior datasets -> target trees -> filters -> relabel + noise, as HDF5 shards");
  build->add_option("--n", o->config.n, "Accepted examples to build")->required();
  add_example_options(build, *o);
  build->add_option("--shard-candidates", o->config.shard_candidates, "Prior datasets per shard")
      ->capture_default_str();
  build->add_option("--compression", o->config.compression, "gzip level 0-9")
      ->capture_default_str();
  build->add_option("--out", o->out, "Corpus folder (created; resumed if it holds this config)")
      ->required();
  build->add_option("--ray", o->ray,
                    "Build the shards as Ray tasks: 'auto' (local or running cluster) or the "
                    "cluster address; every node must see --out (docs/distributed.md)");
  build->add_flag("--quiet", o->quiet, "No progress bar or summary");
  build->callback([o] { run_build(*o); });

  auto st = std::make_shared<StatsOptions>();
  CLI::App* stats = corpus_app->add_subcommand(
      "stats",
      "Distributions of classes, imbalance, features, tree accuracy and shapes, rejections: of a "
      "corpus folder, or of a streamed sample (--sample N, nothing written)");
  stats->add_option("folder", st->folder, "Corpus folder");
  stats->add_option("--sample", st->sample.config.n,
                    "Draw N accepted examples with the options below instead of reading a folder");
  stats->add_option("--plot", st->plot, "Also write the histograms to this PNG file");
  add_example_options(stats, st->sample);
  stats->callback([st] { run_stats(*st); });

  auto folder = std::make_shared<std::string>();
  CLI::App* verify =
      corpus_app->add_subcommand("verify", "Check every shard against the manifest's checksum");
  verify->add_option("folder", *folder, "Corpus folder")->required();
  verify->callback([folder] { run_verify(*folder); });
}

}  // namespace scmforge::cli
