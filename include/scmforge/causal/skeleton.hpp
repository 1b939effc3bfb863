// scmforge/causal/skeleton.hpp: the adjacency search of PC (stable and original variants).
//
// Starting from the complete undirected graph over d variables, level l = 0, 1, ... tests, for
// every ordered adjacent pair (x, y), x independent of y given every l-subset S of adj(x) \ {y}
// (subsets in lexicographic order), and removes the edge when some p-value exceeds alpha. The
// search stops when no variable has more than l + 1 neighbours, or after level max_depth.
//
// stable = true is PC-stable (Colombo & Maathuis 2014), as causal-learn runs it by default:
// adjacencies are frozen for a whole level and the edges found independent are removed at its
// end, so the result does not depend on the column order; every l-subset is tested and the
// separating set of (x, y) is the union of all l-subsets that separated them, from both x's and
// y's side (causal-learn's record, as its orientation step reads it). The pairs of one level are
// tested in parallel with the same result at any thread count. stable = false is the original
// order-dependent PC: an edge goes as soon as one set separates it, and that set is the separating
// set.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace scmforge::causal {

/// p-value of x independent of y given the columns in s; must be safe to call concurrently.
using CiTest = std::function<double(int x, int y, const std::vector<int>& s)>;

/// `test` behind a cache keyed by ({x, y}, sorted s), for a test symmetric in x and y (all of
/// ours are): PC asks for (x, y, S) and (y, x, S) alike. A fixed-size table (2^18 keys; a new key
/// evicts an old one), so memory does not grow with the search. Safe to call concurrently.
CiTest cached(CiTest test);

/// Called before each variable of each level with (level, variable, variables); must be
/// safe to call concurrently (stable search).
using SkeletonProgress = std::function<void(int level, int variable, int d)>;

struct SkeletonOptions {
  double alpha = 0.05;  // in (0, 1)
  bool stable = true;
  int max_depth = -1;  // largest conditioning-set size; -1 = no limit
  int threads = 1;     // <= 0: all cores (stable only; the original variant is sequential)
  /// Seconds the search may run (0: no limit). Past it the search stops with InvalidInput
  /// naming the level reached and the largest level still to come, instead of running on.
  double time_limit = 0.0;
  SkeletonProgress progress;  // optional
};

struct Skeleton {
  int d = 0;
  std::vector<std::uint8_t> adjacent;  // d x d, row-major, symmetric, 0 diagonal
  /// sepset[x * d + y]: the separating set of a removed edge (sorted, possibly empty), nullopt
  /// for an edge kept.
  std::vector<std::optional<std::vector<int>>> sepset;
  int depth_reached = -1;  // the last level run
  std::int64_t tests = 0;  // CI tests performed

  [[nodiscard]] bool has_edge(int x, int y) const {
    return adjacent[static_cast<std::size_t>(x) * static_cast<std::size_t>(d) +
                    static_cast<std::size_t>(y)] != 0;
  }
};

/// The skeleton of `d` variables under `test`. Throws InvalidInput for alpha outside (0, 1) or
/// d < 2, and whatever the test throws.
Skeleton find_skeleton(int d, const CiTest& test, const SkeletonOptions& options);

}  // namespace scmforge::causal
