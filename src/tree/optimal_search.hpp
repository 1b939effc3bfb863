// src/tree/optimal_search.hpp: the optimal solver's dynamic program over row subsets (private).
//
// Solver::solve(rows, depth, budget, ub) returns the canonical optimal tree of the subproblem
// (rows, depth budget, leaf budget) when its objective is below ub, else a proven lower bound.
// "Canonical": among optimal trees the leaf wins over a split, a lower candidate index over a
// higher one, and for one root candidate the earlier option (children as leaves before children
// split, left before right, smaller left leaf budget first). The canonical tree does not depend on
// ub, on what the cache holds or on the order subproblems were met in, which is what makes the
// result independent of the thread count.
//
// Parts (MurTree / STreeD): a specialised depth-2 solver from pairwise class counts over the
// candidates' bitsets; a cache keyed by the sorted row set, holding optima and lower bounds; a
// similarity lower bound from recently solved subsets of the same depth (opt(S) >= opt(S') -
// |S' \ S|, valid with min_samples_leaf == 1); branch-and-bound on the incumbent's objective.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "optimal_candidates.hpp"

namespace scmforge::tree::detail {

/// Objectives closer than this are equal (they are sums of integers and leaf penalties).
inline constexpr double kObjectiveEps = 1e-9;

struct SearchConfig {
  std::int32_t k = 2;
  double penalty = 0.0;  // per leaf, in rows: leaf_penalty * n
  std::int64_t min_leaf = 1;
  bool has_deadline = false;
  std::chrono::steady_clock::time_point deadline;
};

/// One node of a solution; leaves have cand == -1. Children index the solver's arena.
struct SolNode {
  std::int32_t cand = -1;
  std::int32_t left = -1;
  std::int32_t right = -1;
  std::int32_t leaves = 1;
  std::int64_t mis = 0;
};

/// sol >= 0: a tree with objective < ub (the canonical optimum when exact); lb: a proven lower
/// bound on the subproblem's optimum (== the objective of sol when exact).
struct Outcome {
  std::int32_t sol = -1;
  double lb = 0.0;
  bool exact = true;
};

class Solver {
 public:
  Solver(const CandidateSet& cs, std::span<const std::int32_t> y, const SearchConfig& config,
         std::atomic<bool>* stop);

  [[nodiscard]] double value(std::int64_t mis, std::int32_t leaves) const {
    return static_cast<double>(mis) + config_.penalty * static_cast<double>(leaves);
  }
  [[nodiscard]] double value(std::int32_t sol) const {
    return value(arena_[static_cast<std::size_t>(sol)].mis,
                 arena_[static_cast<std::size_t>(sol)].leaves);
  }
  [[nodiscard]] const SolNode& node(std::int32_t sol) const {
    return arena_[static_cast<std::size_t>(sol)];
  }

  Outcome solve(std::span<const std::int32_t> rows, std::int32_t depth, std::int32_t budget,
                double ub);

  /// The best tree whose root splits on `cand` (objective < ub), trying every leaf-budget split
  /// between the children; out.lb bounds every such tree from below.
  Outcome solve_split(std::span<const std::int32_t> rows, std::int32_t cand, std::int32_t depth,
                      std::int32_t budget, double ub);

  /// True when the time limit expired (the search then returns the best found so far).
  [[nodiscard]] bool stopped() const { return stop_->load(std::memory_order_relaxed); }

  std::int64_t subproblems = 0;
  std::int64_t cache_hits = 0;

 private:
  struct Entry {
    std::vector<std::int32_t> rows;
    std::int32_t depth = 0;
    std::int32_t budget = 0;
    std::int32_t sol = -1;  // the optimum when >= 0
    double lb = 0.0;
  };
  struct Leaf {
    std::int64_t mis = 0;
    bool pure = false;
  };

  Leaf leaf_of(std::span<const std::int32_t> rows);
  std::int32_t leaf_node(std::int64_t mis);
  std::int32_t add_node(const SolNode& n);
  /// Normalises (depth, budget): budget <= 2^depth, depth <= budget - 1.
  static void normalise(std::int32_t& depth, std::int32_t& budget);
  [[nodiscard]] std::uint64_t key_of(std::span<const std::int32_t> rows, std::int32_t depth,
                                     std::int32_t budget) const;
  Entry* find(std::uint64_t key, std::span<const std::int32_t> rows, std::int32_t depth,
              std::int32_t budget);
  void store(std::uint64_t key, std::span<const std::int32_t> rows, std::int32_t depth,
             std::int32_t budget, std::int32_t sol, double lb);
  double similarity_bound(std::span<const std::int32_t> rows, std::int32_t depth,
                          std::int32_t budget) const;
  /// Lower bound without search: cache, similarity, trivial cases.
  double quick_bound(std::span<const std::int32_t> rows, std::int32_t depth, std::int32_t budget);
  Outcome solve_depth2(std::span<const std::int32_t> rows, std::int32_t depth, std::int32_t budget,
                       std::int64_t leaf_mis);
  /// The same result as solve_depth2's pairwise counting, by scanning every feature's sorted
  /// rows once per root split (cheaper when columns have many thresholds), with the
  /// similarity bound between neighbouring root thresholds.
  Outcome solve_depth2_scan(std::span<const std::int32_t> rows, std::int32_t budget,
                            std::int64_t leaf_mis);
  /// Builds the depth-2 tree for root `cand` with the chosen option (see solve_depth2).
  Outcome make_depth2(std::int32_t cand, int option, std::int64_t leaf_l, std::int64_t leaf_r,
                      std::int32_t l_cand, std::int64_t l_mis_l, std::int64_t l_mis_r,
                      std::int32_t r_cand, std::int64_t r_mis_l, std::int64_t r_mis_r);
  void tick();

  const CandidateSet& cs_;
  std::span<const std::int32_t> y_;
  SearchConfig config_;
  std::atomic<bool>* stop_;
  std::int64_t ticks_ = 0;

  std::vector<SolNode> arena_;
  std::vector<std::int32_t> leaf_nodes_;  // by misclassification count, -1 until made
  std::vector<Entry> entries_;
  std::unordered_map<std::uint64_t, std::vector<std::int32_t>> cache_;
  static constexpr std::size_t kRing = 4;
  std::vector<std::vector<std::int32_t>> recent_;  // per depth: last kRing entry ids

  // Depth-2 scratch.
  std::vector<std::uint64_t> bits_;
  std::vector<std::uint64_t> class_bits_;
  std::vector<std::int32_t> active_;
  std::vector<std::int64_t> single_;  // per active: k class counts left
};

}  // namespace scmforge::tree::detail
