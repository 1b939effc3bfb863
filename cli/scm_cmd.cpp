// cli/scm_cmd.cpp: `scmforge scm fit | sample | show`: fit an SCM on a CSV file and a DAG, sample
// rows, inspect.
#include <fmt/format.h>

#include <charconv>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.hpp"
#include "scmforge/core/error.hpp"
#include "scmforge/io/csv.hpp"
#include "scmforge/io/file.hpp"
#include "scmforge/scm/scm.hpp"

namespace scmforge::cli {
namespace {

struct FitArgs {
  std::string data;
  std::string graph;
  std::string out;
  std::string mechanisms = "auto";
  std::string missing = "error";
  scm::FitOptions options;
};

struct SampleArgs {
  std::string model;
  std::int64_t n = 0;
  std::uint64_t seed = 0;
  int threads = 0;
  std::vector<std::string> interventions;
  std::string out;
};

void print_summary(const scm::Scm& model) {
  const auto nodes = nlohmann::json::parse(model.summary_json());
  for (const auto& node : nodes) {
    std::string parents;
    for (const auto& p : node["parents"])
      parents += (parents.empty() ? "" : ", ") + p.get<std::string>();
    std::string cv;
    if (!node["cv_linear"].is_null()) {
      cv = fmt::format("  (cv: linear {:.4g}, boosted {:.4g})", node["cv_linear"].get<double>(),
                       node["cv_boosted"].get<double>());
    }
    fmt::print("  {} [{}]: {}{}{}\n", node["name"].get<std::string>(),
               node["kind"].get<std::string>(), node["mechanism"].get<std::string>(),
               parents.empty() ? "" : " <- " + parents, cv);
  }
}

void run_fit(FitArgs& a) {
  a.options.mechanisms = scm::parse_mechanism_choice(a.mechanisms);
  a.options.missing = scm::parse_missing_policy(a.missing);
  const Table<double> table = io::read_csv_table(a.data);
  const std::vector<scm::Edge> edges = scm::parse_edges(io::read_file(a.graph), a.graph);
  const scm::Scm model = scm::Scm::fit(table, edges, a.options);
  model.save(a.out);
  fmt::print("fitted {} nodes ({} edges) on {} rows of {}\n", table.d(), edges.size(), table.n,
             a.data);
  print_summary(model);
  fmt::print("wrote {}\n", a.out);
}

// "name=value": a number for a numeric node, a level label for a categorical one.
scm::Intervention parse_intervention(const scm::Scm& model, const std::string& text) {
  const auto eq = text.find('=');
  SCMFORGE_CHECK(eq != std::string::npos && eq > 0, InvalidInput, "--do '{}': expected node=value",
                 text);
  scm::Intervention iv{text.substr(0, eq), 0.0, ""};
  const std::string value = text.substr(eq + 1);
  for (const ColumnInfo& c : model.columns()) {
    if (c.name != iv.node) continue;
    if (c.kind == ColumnKind::kCategorical) {
      iv.level = value;
    } else {
      const char* end = value.data() + value.size();
      const auto [ptr, ec] = std::from_chars(value.data(), end, iv.value);
      SCMFORGE_CHECK(ec == std::errc() && ptr == end && !value.empty(), InvalidInput,
                     "--do '{}': '{}' is not a number", text, value);
    }
  }
  return iv;
}

void run_sample(const SampleArgs& a) {
  scm::Scm model = scm::Scm::load(a.model);
  if (!a.interventions.empty()) {
    std::vector<scm::Intervention> ivs;
    for (const std::string& t : a.interventions) ivs.push_back(parse_intervention(model, t));
    model = model.intervene(ivs);
  }
  io::write_csv(a.out, model.sample(a.n, a.seed, a.threads));
  fmt::print("sampled {} rows (seed {}) from {}\nwrote {}\n", a.n, a.seed, a.model, a.out);
}

}  // namespace

void add_scm_commands(CLI::App& app) {
  CLI::App* scm_app =
      app.add_subcommand("scm", "Fit structural causal models on tables and sample from them");
  scm_app->require_subcommand(1);

  auto fit = std::make_shared<FitArgs>();
  CLI::App* fit_cmd = scm_app->add_subcommand(
      "fit", "Fit one mechanism per column of a CSV file given a DAG; writes a .scm model");
  fit_cmd->add_option("data", fit->data, "CSV file (plain or gzip); every column is a node")
      ->required();
  fit_cmd
      ->add_option("--graph", fit->graph,
                   "DAG over the column names: JSON ([[parent, child], ...], {\"edges\": ...} "
                   "or a `causal pc` graph with every edge directed) or text lines 'a -> b'")
      ->required();
  fit_cmd->add_option("--out", fit->out, "Model file to write (.scm)")->required();
  fit_cmd->add_option("--mechanisms", fit->mechanisms, "auto | linear | boosted")
      ->capture_default_str();
  fit_cmd->add_option("--missing", fit->missing, "error | impute (median / most frequent)")
      ->capture_default_str();
  fit_cmd
      ->add_option("--smoothing", fit->options.smoothing,
                   "Numeric roots: Gaussian kernel width in Silverman bandwidths (0 = resample)")
      ->capture_default_str();
  fit_cmd->add_option("--cv-folds", fit->options.cv_folds, "Folds of the auto mode")
      ->capture_default_str();
  fit_cmd->add_option("--n-rounds", fit->options.boosting.n_rounds, "Boosting rounds")
      ->capture_default_str();
  fit_cmd->add_option("--max-depth", fit->options.boosting.max_depth, "Depth of boosted trees")
      ->capture_default_str();
  fit_cmd->add_option("--seed", fit->options.seed, "Seed of the cross-validation folds")
      ->capture_default_str();
  fit_cmd->add_option("--threads", fit->options.threads, "Threads (0 = all cores)")
      ->capture_default_str();
  fit_cmd->callback([fit] { run_fit(*fit); });

  auto sample = std::make_shared<SampleArgs>();
  CLI::App* sample_cmd =
      scm_app->add_subcommand("sample", "Draw rows from a .scm model (optionally under do())");
  sample_cmd->add_option("model", sample->model, "Model from `scm fit`")->required();
  sample_cmd->add_option("--n", sample->n, "Rows to draw (>= 1)")->required();
  sample_cmd->add_option("--seed", sample->seed, "Seed")->capture_default_str();
  sample_cmd->add_option("--threads", sample->threads, "Threads (0 = all cores)")
      ->capture_default_str();
  sample_cmd->add_option("--do", sample->interventions,
                         "Intervention node=value (repeatable; a level label for a "
                         "categorical node)");
  sample_cmd->add_option("--out", sample->out, "CSV file to write (.gz: gzip)")->required();
  sample_cmd->callback([sample] { run_sample(*sample); });

  auto show_path = std::make_shared<std::string>();
  CLI::App* show_cmd = scm_app->add_subcommand("show", "Print a model's nodes and mechanisms");
  show_cmd->add_option("model", *show_path, "Model from `scm fit`")->required();
  show_cmd->callback([show_path] {
    const scm::Scm model = scm::Scm::load(*show_path);
    fmt::print("{}: {} nodes fitted on {} rows\n", *show_path, model.columns().size(),
               model.rows_fitted());
    print_summary(model);
  });
}

}  // namespace scmforge::cli
