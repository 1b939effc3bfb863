// cli/causal_cmd.cpp: `scmforge causal pc`.
#include <fmt/format.h>

#include <memory>
#include <string>

#include "commands.hpp"
#include "scmforge/causal/discovery.hpp"
#include "scmforge/core/error.hpp"
#include "scmforge/io/csv.hpp"
#include "scmforge/io/file.hpp"

namespace scmforge::cli {
namespace {

struct PcCommand {
  std::string data;
  causal::DiscoveryOptions options;
  bool original = false;
  std::string out;
  std::string dot;
};

void run_pc(PcCommand& c) {
  c.options.pc.skeleton.stable = !c.original;
  const Table<double> table = io::read_csv_table(c.data);
  const causal::DiscoveryResult r = causal::discover_pc(table, c.options);
  if (!c.out.empty()) io::write_file_atomically(c.out, causal::result_json(c.options, r));
  if (!c.dot.empty()) io::write_file_atomically(c.dot, causal::to_dot(r.graph));
  fmt::print("{}", causal::to_edge_list(r.graph));
  fmt::print(stderr, "pc ({}, alpha {}): {} rows, depth {} reached, {} CI tests\n", c.options.test,
             c.options.pc.skeleton.alpha, r.rows_used, r.depth_reached, r.tests);
}

}  // namespace

void add_causal_commands(CLI::App& app) {
  CLI::App* causal_app = app.add_subcommand("causal", "Learn causal graphs from a CSV table");
  causal_app->require_subcommand(1);
  auto c = std::make_shared<PcCommand>();
  CLI::App* pc = causal_app->add_subcommand(
      "pc", "PC (stable by default): a CPDAG in causal-learn's encoding, edges on stdout");
  pc->add_option("data", c->data, "CSV file; every column is a variable")->required();
  pc->add_option("--alpha", c->options.pc.skeleton.alpha, "Significance level in (0, 1)")
      ->capture_default_str();
  pc->add_option("--test", c->options.test, "fisherz | chisq | gsq")->capture_default_str();
  pc->add_flag("--original", c->original, "Order-dependent PC instead of PC-stable");
  pc->add_option("--uc-priority", c->options.pc.uc_priority,
                 "Collider conflicts as causal-learn: -1 default (3), 0 overwrite, 1 bi-directed, "
                 "2 existing, 3 stronger, 4 stronger*")
      ->capture_default_str();
  pc->add_option("--max-depth", c->options.pc.skeleton.max_depth,
                 "Largest conditioning set (-1: no limit)")
      ->capture_default_str();
  pc->add_option("--missing", c->options.missing, "error | drop (rows with a missing value)")
      ->capture_default_str();
  pc->add_option("--threads", c->options.pc.skeleton.threads, "Threads (0: all cores)")
      ->capture_default_str();
  pc->add_option("--time-limit", c->options.pc.skeleton.time_limit,
                 "Seconds the search may take (0: none); past it, stop naming the level reached")
      ->capture_default_str();
  pc->add_option("--out", c->out, "Write the graph as JSON (docs/causal.md)");
  pc->add_option("--dot", c->dot, "Write the graph as Graphviz DOT");
  pc->callback([c] { run_pc(*c); });
}

}  // namespace scmforge::cli
