// cli/prior_cmd.cpp: `scmforge prior sample | describe | params`.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "progress.hpp"
#include "python_module.hpp"
#include "scmforge/core/error.hpp"
#include "scmforge/io/prior_h5.hpp"
#include "scmforge/prior/config.hpp"
#include "scmforge/prior/dump.hpp"
#include "scmforge/prior/generator.hpp"

namespace scmforge::cli {
namespace {

struct SampleOptions {
  std::string preset = "tabicl";
  std::string config_file;
  std::vector<std::string> set;
  std::int64_t n = 1000;
  std::uint64_t seed = 0;
  std::uint64_t first_id = 0;
  int threads = 0;
  std::int64_t batch = 256;
  int compression = 1;
  std::string out;
  bool quiet = false;
};

prior::PriorConfig build_config(const std::string& preset_name, const std::string& config_file,
                                const std::vector<std::string>& sets) {
  prior::PriorConfig config = prior::preset(preset_name);
  if (!config_file.empty()) prior::apply_config_file(config, config_file);
  for (const std::string& kv : sets) {
    const auto eq = kv.find('=');
    SCMFORGE_CHECK(eq != std::string::npos && eq > 0, InvalidInput,
                   "--set expects key=value, got '{}'", kv);
    prior::set_parameter(config, kv.substr(0, eq), kv.substr(eq + 1));
  }
  prior::validate(config);
  return config;
}

void run_sample(const SampleOptions& o) {
  SCMFORGE_CHECK(o.n > 0, InvalidInput, "--n must be positive, got {}", o.n);
  SCMFORGE_CHECK(o.batch > 0, InvalidInput, "--batch must be positive, got {}", o.batch);
  SCMFORGE_CHECK(o.compression >= 0 && o.compression <= 9, InvalidInput,
                 "--compression must be 0-9, got {}", o.compression);
  const prior::PriorGenerator generator(build_config(o.preset, o.config_file, o.set), o.seed);
  ProgressBar bar(o.n, "datasets", o.quiet);
  const prior::DumpOptions options{o.first_id, o.n, o.threads, o.batch, o.compression};
  const prior::GenerationStats stats =
      prior::write_dump(generator, o.out, options, [&bar](std::int64_t done) { bar.update(done); });
  bar.finish(o.n);
  if (!o.quiet) {
    std::int64_t rejected = 0;
    for (auto r : stats.rejections) rejected += r;
    fmt::print(stderr,
               "wrote {} datasets to {} in {:.1f}s ({:.0f} datasets/s; {} mlp, {} tree, {} gp; {} "
               "draws rejected)\n",
               o.n, o.out, bar.elapsed(), static_cast<double>(o.n) / std::max(bar.elapsed(), 1e-9),
               stats.by_scm[0], stats.by_scm[1], stats.by_scm[2], rejected);
  }
}

// Text histogram of integer values.
void print_histogram(const std::string& title, const std::vector<std::int32_t>& values) {
  std::map<std::int32_t, std::int64_t> counts;
  for (auto v : values) counts[v] += 1;
  fmt::print("{}:\n", title);
  const auto n = static_cast<double>(values.size());
  for (const auto& [v, c] : counts) {
    fmt::print(
        "  {:>6} {:>9} {:6.2f}% {}\n", v, c, 100.0 * static_cast<double>(c) / n,
        std::string(static_cast<std::size_t>(std::lround(50.0 * static_cast<double>(c) / n)), '#'));
  }
}

void print_share_histogram(const std::string& title, const std::vector<double>& values) {
  std::vector<std::int64_t> bins(10, 0);
  for (double v : values)
    bins[static_cast<std::size_t>(std::clamp(static_cast<int>(v * 10), 0, 9))] += 1;
  fmt::print("{}:\n", title);
  const auto n = static_cast<double>(values.size());
  for (std::size_t b = 0; b < bins.size(); ++b) {
    fmt::print(
        "  [{:.1f},{:.1f}{} {:>9} {:6.2f}% {}\n", static_cast<double>(b) / 10,
        static_cast<double>(b + 1) / 10, b == 9 ? "]" : ")", bins[b],
        100.0 * static_cast<double>(bins[b]) / n,
        std::string(static_cast<std::size_t>(std::lround(50.0 * static_cast<double>(bins[b]) / n)),
                    '#'));
  }
}

void run_describe(const std::string& path, const std::string& plot) {
  const io::PriorDumpSummary s = io::summarize_prior_dump(path);
  SCMFORGE_CHECK(s.count > 0, InvalidInput, "'{}' holds no datasets", path);
  fmt::print("{}: {} datasets, padded to {} rows x {} features\n", path, s.count, s.max_rows,
             s.max_features);
  if (!s.config_json.empty()) fmt::print("config: {}\n", s.config_json);
  auto mean = [](const auto& v) {
    double sum = 0;
    for (auto x : v) sum += static_cast<double>(x);
    return sum / static_cast<double>(v.size());
  };
  fmt::print(
      "mean rows {:.1f}, features {:.2f}, classes {:.2f}, majority share {:.3f}, categorical share "
      "{:.3f}\n",
      mean(s.rows), mean(s.features), mean(s.classes), mean(s.majority_share),
      mean(s.categorical_share));
  if (!s.prior_type.empty()) {
    std::array<std::int64_t, 3> t{};
    for (auto p : s.prior_type) t[std::min<std::size_t>(p, 2)] += 1;
    fmt::print("base priors: {} mlp, {} tree, {} gp\n", t[0], t[1], t[2]);
  }
  print_histogram("rows", s.rows);
  print_histogram("features", s.features);
  print_histogram("classes", s.classes);
  print_share_histogram("majority-class share", s.majority_share);
  print_share_histogram("categorical-feature share", s.categorical_share);
  if (!plot.empty()) {
    // Plots are drawn by matplotlib in the Python package (the `plot` extra).
    run_python_module("scmforge.plots", {"prior-describe", path, plot});
    fmt::print("plots written to {}\n", plot);
  }
}

void run_params(const std::string& preset_name) {
  const prior::PriorConfig config = prior::preset(preset_name);
  fmt::print("{:<26} {:<12} {}\n", "parameter", preset_name, "meaning");
  for (const prior::ParamSpec& spec : prior::prior_parameters()) {
    fmt::print("{:<26} {:<12} {}\n", spec.name, prior::get_parameter(config, spec.name), spec.doc);
  }
}

}  // namespace

void add_prior_commands(CLI::App& app) {
  CLI::App* prior =
      app.add_subcommand("prior", "sample synthetic classification datasets from SCM priors");
  prior->require_subcommand(1);

  auto options = std::make_shared<SampleOptions>();
  CLI::App* sample =
      prior->add_subcommand("sample", "draw datasets and write them to an HDF5 prior dump");
  sample->add_option("--preset", options->preset, "tabpfn-v1 | tabicl | metatree | nanotabpfn")
      ->capture_default_str();
  sample->add_option("--config", options->config_file, "JSON or TOML file of parameter overrides");
  sample->add_option("--set", options->set, "override one parameter: key=value (repeatable)");
  sample->add_option("--n", options->n, "number of datasets")->capture_default_str();
  sample->add_option("--seed", options->seed, "random seed")->capture_default_str();
  sample->add_option("--first-id", options->first_id,
                     "id of the first dataset (to continue a corpus)");
  sample->add_option("--threads", options->threads, "threads (0: all cores)")
      ->capture_default_str();
  sample->add_option("--batch", options->batch, "datasets generated per write (memory vs overhead)")
      ->capture_default_str();
  sample->add_option("--compression", options->compression, "gzip level 0-9")
      ->capture_default_str();
  sample->add_option("--out", options->out, "output .h5 file")->required();
  sample->add_flag("--quiet", options->quiet, "no progress or summary on stderr");
  sample->callback([options] { run_sample(*options); });

  auto path = std::make_shared<std::string>();
  auto plot = std::make_shared<std::string>();
  CLI::App* describe = prior->add_subcommand("describe", "print the distributions of a prior dump");
  describe->add_option("file", *path, "an HDF5 prior dump")->required();
  describe->add_option("--plot", *plot, "also write histograms to this PNG file");
  describe->callback([path, plot] { run_describe(*path, *plot); });

  auto params_preset = std::make_shared<std::string>("tabicl");
  CLI::App* params =
      prior->add_subcommand("params", "list every prior parameter with its value in a preset");
  params->add_option("--preset", *params_preset, "preset whose values to show")
      ->capture_default_str();
  params->callback([params_preset] { run_params(*params_preset); });
}

}  // namespace scmforge::cli
