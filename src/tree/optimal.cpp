// src/tree/optimal.cpp: fit_optimal: input checks, the (parallel) root search and the output tree.
//
// Threads split the root's candidate splits. Each thread owns a Solver (cache, arena); they share
// only the incumbent (objective, root candidate). A root candidate c is searched for trees
// strictly better than the incumbent when the incumbent's candidate is lower than c, and for
// trees at least as good otherwise; with the canonical tie-break inside Solver this gives the
// tree of the one-thread search for any thread count (time limits aside).
#include "scmforge/tree/optimal.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>
#include <numeric>

#include "optimal_candidates.hpp"
#include "optimal_search.hpp"
#include "scmforge/core/error.hpp"
#include "scmforge/core/parallel.hpp"

namespace scmforge::tree {

namespace {

using detail::CandidateSet;
using detail::kObjectiveEps;
using detail::Outcome;
using detail::SearchConfig;
using detail::Solver;

void check_inputs(const TrainingSet& data, const OptimalOptions& options) {
  const auto& x = data.x;
  SCMFORGE_CHECK(x.n > 0, InvalidInput, "fit_optimal: the training set has zero rows");
  SCMFORGE_CHECK(x.n < std::numeric_limits<std::int32_t>::max(), InvalidInput,
                 "fit_optimal: {} rows is more than supported", x.n);
  SCMFORGE_CHECK(x.d > 0, InvalidInput, "fit_optimal: the training set has zero features");
  SCMFORGE_CHECK(x.x != nullptr, InvalidInput, "fit_optimal: the feature matrix is missing");
  SCMFORGE_CHECK(x.categorical.empty() || x.categorical.size() == static_cast<std::size_t>(x.d),
                 InvalidInput, "fit_optimal: categorical has {} entries for {} features",
                 x.categorical.size(), x.d);
  SCMFORGE_CHECK(data.k >= 1, InvalidInput,
                 "fit_optimal: k (number of classes) must be >= 1, got {}", data.k);
  SCMFORGE_CHECK(data.y.size() == static_cast<std::size_t>(x.n), InvalidInput,
                 "fit_optimal: y has {} labels for {} rows", data.y.size(), x.n);
  for (std::size_t i = 0; i < data.y.size(); ++i) {
    SCMFORGE_CHECK(data.y[i] >= 0 && data.y[i] < data.k, InvalidInput,
                   "fit_optimal: label y[{}] = {} is out of range [0, {})", i, data.y[i], data.k);
  }
  SCMFORGE_CHECK(data.sample_weight.empty() && data.class_weight.empty(), InvalidInput,
                 "fit_optimal: sample_weight / class_weight are not supported (rows are "
                 "unweighted); pass no weights");
  SCMFORGE_CHECK(options.max_depth >= 1 && options.max_depth <= 20, InvalidInput,
                 "fit_optimal: max_depth must be in [1, 20], got {}", options.max_depth);
  SCMFORGE_CHECK(options.max_leaves == -1 || options.max_leaves >= 1, InvalidInput,
                 "fit_optimal: max_leaves must be -1 (no limit) or >= 1, got {}",
                 options.max_leaves);
  SCMFORGE_CHECK(std::isfinite(options.leaf_penalty) && options.leaf_penalty >= 0.0, InvalidInput,
                 "fit_optimal: leaf_penalty must be finite and >= 0, got {}", options.leaf_penalty);
  SCMFORGE_CHECK(options.max_thresholds >= 0, InvalidInput,
                 "fit_optimal: max_thresholds must be >= 0 (0: every midpoint), got {}",
                 options.max_thresholds);
  SCMFORGE_CHECK(options.min_samples_leaf >= 1, InvalidInput,
                 "fit_optimal: min_samples_leaf must be >= 1, got {}", options.min_samples_leaf);
  SCMFORGE_CHECK(std::isfinite(options.time_limit) && options.time_limit >= 0.0, InvalidInput,
                 "fit_optimal: time_limit must be finite and >= 0 (0: none), got {}",
                 options.time_limit);
}

// Appends the subtree of `sol` (rows reaching it) depth first; returns its node id.
std::int32_t build_tree(Tree& tree, const Solver& solver, const CandidateSet& cs,
                        std::span<const std::int32_t> y, std::int32_t sol,
                        std::span<const std::int32_t> rows, std::int64_t& errors) {
  const auto k = static_cast<std::size_t>(tree.n_outputs);
  std::vector<double> counts(k, 0.0);
  for (const auto r : rows) {
    counts[static_cast<std::size_t>(y[static_cast<std::size_t>(r)])] += 1.0;
  }
  const double top = *std::max_element(counts.begin(), counts.end());
  const auto m = static_cast<double>(rows.size());
  const auto id = tree.add_node(counts, m - top, static_cast<std::int64_t>(rows.size()), m);
  const auto& node = solver.node(sol);
  if (node.cand < 0) {
    errors += static_cast<std::int64_t>(m - top);
    return id;
  }
  std::vector<std::int32_t> left;
  std::vector<std::int32_t> right;
  for (const auto r : rows) {
    (cs.goes_left(node.cand, r) ? left : right).push_back(r);
  }
  const auto l = build_tree(tree, solver, cs, y, node.left, left, errors);
  const auto rgt = build_tree(tree, solver, cs, y, node.right, right, errors);
  const auto& c = cs.candidates[static_cast<std::size_t>(node.cand)];
  tree.set_split(id, c.feature, c.threshold, c.kind, false, l, rgt);
  return id;
}

}  // namespace

OptimalResult fit_optimal(const TrainingSet& data, const OptimalOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  check_inputs(data, options);
  const auto cs = detail::build_candidates(data.x, options.max_thresholds);
  const auto n = data.x.n;

  SearchConfig config;
  config.k = data.k;
  config.penalty = options.leaf_penalty * static_cast<double>(n);
  config.min_leaf = options.min_samples_leaf;
  if (options.time_limit > 0.0) {
    config.has_deadline = true;
    config.deadline = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                  std::chrono::duration<double>(options.time_limit));
  }
  std::int32_t depth = options.max_depth;
  std::int32_t budget =
      options.max_leaves > 0 ? options.max_leaves : std::numeric_limits<std::int32_t>::max();
  if (depth < 20) {
    budget = std::min(budget, std::int32_t{1} << depth);
  }
  depth = std::min(depth, budget - 1);

  std::vector<std::int32_t> rows(static_cast<std::size_t>(n));
  std::iota(rows.begin(), rows.end(), 0);
  std::atomic<bool> stop{false};
  const int threads = std::max(1, resolve_threads(options.threads));
  const auto f = static_cast<std::int32_t>(cs.candidates.size());

  std::vector<std::unique_ptr<Solver>> solvers;
  std::int32_t winner = 0;  // solver holding the result
  std::int32_t sol = -1;
  double lower_bound = 0.0;
  bool exact = true;
  if (threads == 1 || depth <= 2 || f < 2) {
    solvers.push_back(std::make_unique<Solver>(cs, data.y, config, &stop));
    const auto o = solvers[0]->solve(rows, depth, budget, std::numeric_limits<double>::infinity());
    SCMFORGE_ASSERT(o.sol >= 0);
    sol = o.sol;
    exact = o.exact;
    lower_bound = o.lb;
  } else {
    const int workers = std::min(threads, static_cast<int>(f));
    for (int t = 0; t < workers; ++t) {
      solvers.push_back(std::make_unique<Solver>(cs, data.y, config, &stop));
    }
    // The leaf (candidate -1) is the first incumbent.
    std::int64_t leaf_counts_max = 0;
    {
      std::vector<std::int64_t> counts(static_cast<std::size_t>(data.k), 0);
      for (const auto label : data.y) {
        ++counts[static_cast<std::size_t>(label)];
      }
      leaf_counts_max = *std::max_element(counts.begin(), counts.end());
    }
    const std::int64_t leaf_mis = n - leaf_counts_max;
    std::mutex mutex;
    double best_val = static_cast<double>(leaf_mis) + config.penalty;
    std::int32_t best_cand = -1;
    std::int32_t best_thread = -1;
    std::int32_t best_sol = -1;
    std::vector<double> cand_lb(static_cast<std::size_t>(f), 2.0 * config.penalty);
    std::vector<char> cand_exact(static_cast<std::size_t>(f), 0);
    std::atomic<std::int32_t> next{0};
    parallel_for(workers, workers, [&](std::int64_t t) {
      auto& solver = *solvers[static_cast<std::size_t>(t)];
      for (;;) {
        const auto c = next.fetch_add(1);
        if (c >= f || solver.stopped()) {
          return;
        }
        double ub = 0.0;
        {
          const std::lock_guard<std::mutex> lock(mutex);
          ub = best_cand < c ? best_val : best_val + 2.0 * kObjectiveEps;
        }
        const auto o = solver.solve_split(rows, c, depth, budget, ub);
        const std::lock_guard<std::mutex> lock(mutex);
        cand_lb[static_cast<std::size_t>(c)] = o.lb;
        cand_exact[static_cast<std::size_t>(c)] = o.exact ? 1 : 0;
        if (o.sol >= 0) {
          const double v = solver.value(o.sol);
          if (v < best_val - kObjectiveEps || (v <= best_val + kObjectiveEps && c < best_cand)) {
            best_val = v;
            best_cand = c;
            best_thread = static_cast<std::int32_t>(t);
            best_sol = o.sol;
          }
        }
      }
    });
    lower_bound = best_val;
    for (std::int32_t c = 0; c < f; ++c) {
      exact = exact && cand_exact[static_cast<std::size_t>(c)] != 0;
      lower_bound = std::min(lower_bound, cand_lb[static_cast<std::size_t>(c)]);
    }
    if (best_thread < 0) {
      // The leaf: any solver can make it (a depth-0 solve).
      sol = solvers[0]->solve(rows, 0, 1, std::numeric_limits<double>::infinity()).sol;
    } else {
      winner = best_thread;
      sol = best_sol;
    }
  }
  exact = exact && !stop.load();

  OptimalResult result;
  auto& tree = result.tree;
  tree.task = TreeTask::kClassification;
  tree.n_features = static_cast<std::int32_t>(data.x.d);
  tree.n_outputs = data.k;
  const auto& solver = *solvers[static_cast<std::size_t>(winner)];
  std::int64_t errors = 0;
  build_tree(tree, solver, cs, data.y, sol, rows, errors);
  SCMFORGE_ASSERT(errors == solver.node(sol).mis);
  result.misclassified = errors;
  result.objective = solver.value(sol);
  result.optimal = exact;
  result.lower_bound = exact ? result.objective : std::min(lower_bound, result.objective);
  result.candidates_per_feature = cs.per_feature;
  for (const auto& s : solvers) {
    result.subproblems += s->subproblems;
    result.cache_hits += s->cache_hits;
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

std::vector<OptimalResult> fit_optimal_batch(std::span<const TrainingSet> sets,
                                             const OptimalOptions& options, int threads) {
  std::vector<OptimalResult> out(sets.size());
  OptimalOptions one = options;
  one.threads = 1;
  parallel_for(static_cast<std::int64_t>(sets.size()), threads, [&](std::int64_t i) {
    try {
      out[static_cast<std::size_t>(i)] = fit_optimal(sets[static_cast<std::size_t>(i)], one);
    } catch (const InvalidInput& e) {
      SCMFORGE_THROW(InvalidInput, "set {}: {}", i, e.what());
    }
  });
  return out;
}

}  // namespace scmforge::tree
