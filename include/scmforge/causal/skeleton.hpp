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
//
// The stable search stops testing a pair at its first separating set: whether an edge goes does
// not depend on the rest. Its record (the union of every separating set of the level) is kept
// lazily: the level and the frozen adjacencies are stored, and a question "is v in the separating
// set of (x, y)?" runs the tests of the l-subsets containing v only when orientation asks it. The
// answers are those of testing every subset; the work is a small fraction on large graphs.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "scmforge/causal/knowledge.hpp"

namespace scmforge::causal {

/// p-value of x independent of y given the columns in s; must be safe to call concurrently.
using CiTest = std::function<double(int x, int y, const std::vector<int>& s)>;

/// `test` behind a cache keyed by ({x, y}, sorted s), for a test symmetric in x and y (all of
/// ours are): PC asks for (x, y, S) and (y, x, S) alike. A fixed-size table (2^18 keys; a new key
/// evicts an old one), so memory does not grow with the search. Safe to call concurrently.
CiTest cached(CiTest test);

/// out[i] = 1 when the CiTest's p-value of x and ys[i] given s exceeds the search's alpha, exactly,
/// else 0; computed together (Fisher z factors s once for every y).
using BatchCiTest = std::function<void(int x, std::span<const int> s, std::span<const int> ys,
                                       std::span<std::uint8_t> out)>;

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
  /// Edges forbidden both ways are removed before any test (knowledge.hpp).
  Knowledge knowledge;
  /// Optional: the same test in batches, used by the stable search when given.
  BatchCiTest batch_test;
};

/// The separating sets of removed edges, keyed by ordered pair. A record is explicit (a given
/// set, for one direction) or lazy (from the stable search: the level and its frozen adjacencies,
/// for both directions; file comment). Queries of lazy records run CI tests and are not
/// thread-safe.
class SeparatingSets {
 public:
  SeparatingSets() = default;
  SeparatingSets(int d, CiTest test, double alpha);

  /// Whether (x, y) has a record.
  [[nodiscard]] bool recorded(int x, int y) const { return level_[index(x, y)] != kNone; }
  /// Whether v is in the record of (x, y) (false without one).
  [[nodiscard]] bool contains(int x, int y, int v) const;
  /// The record of (x, y), sorted; nullopt without one. A lazy record runs all its tests.
  [[nodiscard]] std::optional<std::vector<int>> get(int x, int y) const;

  /// An explicit record for (x, y) only (as causal-learn stores FCI's possible-d-sep sets).
  void set(int x, int y, std::vector<int> s);
  /// A lazy record for (x, y) and (y, x): separated at `level` (its adjacencies frozen first).
  void set_lazy(int x, int y, int level);
  /// The adjacencies every pair of `level` was tested against (level >= 1).
  void freeze(int level, std::vector<std::vector<int>> adjacency);
  /// CI tests run by lazy queries.
  [[nodiscard]] std::int64_t tests() const { return tests_; }

 private:
  static constexpr std::int16_t kNone = -1;
  static constexpr std::int16_t kExplicit = -2;
  [[nodiscard]] std::size_t index(int x, int y) const {
    return static_cast<std::size_t>(x) * static_cast<std::size_t>(d_) + static_cast<std::size_t>(y);
  }
  // Whether some level-subset of x's frozen adjacencies that contains v separates x and y.
  [[nodiscard]] bool side_contains(int level, int x, int y, int v) const;
  // The union of the level-subsets of x's frozen adjacencies that separate x and y.
  void side_union(int level, int x, int y, std::vector<int>& out) const;

  int d_ = 0;
  CiTest test_;
  double alpha_ = 0.05;
  std::vector<std::int16_t> level_;  // d x d: kNone, kExplicit or a level
  std::unordered_map<std::size_t, std::vector<int>> explicit_;
  std::vector<std::vector<std::vector<int>>> frozen_;  // [level][x]: sorted adjacencies
  mutable std::unordered_map<std::uint64_t, bool> answers_;
  mutable std::int64_t tests_ = 0;
};

struct Skeleton {
  int d = 0;
  std::vector<std::uint8_t> adjacent;  // d x d, row-major, symmetric, 0 diagonal
  SeparatingSets sepsets;              // a record for every removed edge
  int depth_reached = -1;              // the last level run
  std::int64_t tests = 0;              // CI tests performed by the search

  [[nodiscard]] bool has_edge(int x, int y) const {
    return adjacent[static_cast<std::size_t>(x) * static_cast<std::size_t>(d) +
                    static_cast<std::size_t>(y)] != 0;
  }
};

/// The skeleton of `d` variables under `test` (kept, with copies sharing its state, for the lazy
/// separating sets). Throws InvalidInput for alpha outside (0, 1), d < 2 or invalid knowledge,
/// and whatever the test throws.
Skeleton find_skeleton(int d, const CiTest& test, const SkeletonOptions& options);

}  // namespace scmforge::causal
