// scmforge/causal/discovery.hpp: causal discovery on a table: CI test by name, missing values,
// PC or FCI; what the CLI and the Python package call.
#pragma once

#include <string>

#include "scmforge/causal/fci.hpp"
#include "scmforge/causal/graph.hpp"
#include "scmforge/causal/pc.hpp"
#include "scmforge/core/table.hpp"

namespace scmforge::causal {

struct DiscoveryOptions {
  std::string algorithm = "pc";   // "pc" (a CPDAG) or "fci" (a PAG)
  std::string test = "fisherz";   // "fisherz" (numeric columns), "chisq" or "gsq" (discrete),
                                  // "dg" (mixed; dg_test.hpp)
  std::string missing = "error";  // "error": NaN is an error; "drop": rows with NaN are dropped
  SkeletonOptions skeleton;       // alpha, stable, max_depth, threads, time_limit, progress,
                                  // knowledge (PC only)
  int uc_priority = 2;            // PC only (pc.hpp)
  int uc_rule = 0;                // PC only (pc.hpp)
};

struct DiscoveryResult {
  CausalGraph graph;
  std::int64_t rows_used = 0;
  int depth_reached = -1;
  std::int64_t tests = 0;
  std::int64_t possible_dsep_removed = 0;  // FCI only
};

/// PC or FCI (options.algorithm) on every column of `table` (categorical columns hold level
/// codes). Throws InvalidInput, naming the problem and the fix, for: an unknown algorithm, test
/// or missing policy; NaN under
/// missing="error"; fisherz on a categorical column; a column with a single value (constant, or
/// a categorical column with one level); fewer rows than the test needs; and for what the test
/// and the search throw (Numerical for collinear columns).
DiscoveryResult discover(const Table<double>& table, const DiscoveryOptions& options);

/// The graph as JSON (graph.hpp's schema) with the run's settings and counts added: algorithm,
/// test, alpha, stable, uc_rule, uc_priority and background_knowledge (PC), max_depth, missing,
/// rows_used, depth_reached, ci_tests, possible_dsep_removed (FCI). The CLI's --out and Python's
/// Graph.to_json() write exactly this.
std::string result_json(const DiscoveryOptions& options, const DiscoveryResult& result);

}  // namespace scmforge::causal
