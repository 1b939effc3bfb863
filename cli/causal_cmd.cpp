// cli/causal_cmd.cpp: `scmforge causal pc|fci`.
#include <fmt/format.h>

#include <memory>
#include <mutex>
#include <string>

#include "commands.hpp"
#include "progress.hpp"
#include "scmforge/causal/discovery.hpp"
#include "scmforge/core/error.hpp"
#include "scmforge/io/csv.hpp"
#include "scmforge/io/file.hpp"

namespace scmforge::cli {
namespace {

struct DiscoveryCommand {
  std::string data;
  causal::DiscoveryOptions options;
  bool original = false;
  std::string knowledge;  // JSON file (PC)
  std::string out;
  std::string dot;
  bool quiet = false;
};

void run_discovery(DiscoveryCommand& c) {
  c.options.skeleton.stable = !c.original;
  const Table<double> table = io::read_csv_table(c.data);
  if (!c.knowledge.empty()) {
    std::vector<std::string> names;
    for (const auto& col : table.columns) names.push_back(col.name);
    c.options.skeleton.knowledge = causal::parse_knowledge(io::read_file(c.knowledge), names);
  }
  // The adjacency search reports each variable of each level, from several threads: one bar per
  // level, over the variables.
  ProgressBar bar(table.d(), "variables", c.quiet);
  std::mutex mutex;
  int bar_level = 0;
  std::int64_t done = 0;
  c.options.skeleton.progress = [&](int level, int /*variable*/, int /*d*/) {
    const std::lock_guard<std::mutex> lock(mutex);
    if (level != bar_level) {
      bar_level = level;
      done = 0;
    }
    bar.update(++done, fmt::format("depth {}", level));
  };
  const causal::DiscoveryResult r = causal::discover(table, c.options);
  bar.finish(done);
  if (!c.out.empty()) io::write_file_atomically(c.out, causal::result_json(c.options, r));
  if (!c.dot.empty()) io::write_file_atomically(c.dot, causal::to_dot(r.graph));
  fmt::print("{}", causal::to_edge_list(r.graph));
  fmt::print(stderr, "{} ({}, alpha {}): {} rows, depth {} reached, {} CI tests\n",
             c.options.algorithm, c.options.test, c.options.skeleton.alpha, r.rows_used,
             r.depth_reached, r.tests);
}

// The options PC and FCI share; `c` outlives the parse (owned by the callback).
void add_shared_options(CLI::App* cmd, DiscoveryCommand& c) {
  cmd->add_option("data", c.data, "CSV file; every column is a variable")->required();
  cmd->add_option("--alpha", c.options.skeleton.alpha, "Significance level in (0, 1)")
      ->capture_default_str();
  cmd->add_option("--test", c.options.test,
                  "fisherz | chisq | gsq (discrete) | dg (mixed numeric and categorical)")
      ->capture_default_str();
  cmd->add_option("--max-depth", c.options.skeleton.max_depth,
                  "Largest conditioning set of the adjacency search (-1: no limit)")
      ->capture_default_str();
  cmd->add_option("--missing", c.options.missing, "error | drop (rows with a missing value)")
      ->capture_default_str();
  cmd->add_option("--threads", c.options.skeleton.threads, "Threads (0: all cores)")
      ->capture_default_str();
  cmd->add_option("--time-limit", c.options.skeleton.time_limit,
                  "Seconds the search may take (0: none); past it, stop naming the level reached")
      ->capture_default_str();
  cmd->add_option("--out", c.out, "Write the graph as JSON (docs/causal.md)");
  cmd->add_option("--dot", c.dot, "Write the graph as Graphviz DOT");
  cmd->add_flag("--quiet", c.quiet, "No progress bar");
}

}  // namespace

void add_causal_commands(CLI::App& app) {
  CLI::App* causal_app = app.add_subcommand("causal", "Learn causal graphs from a CSV table");
  causal_app->require_subcommand(1);

  auto pc_cmd = std::make_shared<DiscoveryCommand>();
  CLI::App* pc = causal_app->add_subcommand(
      "pc", "PC (stable by default): a CPDAG in causal-learn's encoding, edges on stdout");
  add_shared_options(pc, *pc_cmd);
  pc->add_flag("--original", pc_cmd->original, "Order-dependent PC instead of PC-stable");
  pc->add_option("--uc-rule", pc_cmd->options.uc_rule,
                 "Colliders as causal-learn: 0 separating sets, 1 MaxP, 2 definite MaxP")
      ->capture_default_str();
  pc->add_option("--knowledge", pc_cmd->knowledge,
                 "Background knowledge, a JSON file: forbidden / required edges, tiers "
                 "(docs/causal.md)");
  pc->add_option("--uc-priority", pc_cmd->options.uc_priority,
                 "Collider conflicts as causal-learn: -1 the rule's default (3; 4 for uc_rule 2), "
                 "0 overwrite, 1 bi-directed, 2 existing, 3 stronger, 4 stronger*")
      ->capture_default_str();
  pc->callback([pc_cmd] { run_discovery(*pc_cmd); });

  auto fci_cmd = std::make_shared<DiscoveryCommand>();
  fci_cmd->options.algorithm = "fci";
  CLI::App* fci = causal_app->add_subcommand(
      "fci", "FCI: a PAG (latent confounders allowed) in causal-learn's encoding, edges on stdout");
  add_shared_options(fci, *fci_cmd);
  fci->callback([fci_cmd] { run_discovery(*fci_cmd); });
}

}  // namespace scmforge::cli
