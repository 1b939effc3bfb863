// scmforge/causal/fci.hpp: FCI (Spirtes et al.; orientation rules of Zhang 2008), as causal-learn
// runs it.
//
// Steps, each in causal-learn's order (its `fci` with depth, no background knowledge):
// 1. the PC-stable adjacency search (skeleton.hpp), every edge then o-o;
// 2. R0: an unshielded triple a *-o b o-* c whose b is not in sepset(a, c) becomes a *-> b <-* c;
// 3. the possible-d-separation phase: for every edge a - b (a < b), every subset of size >= 2 of
//    Possible-D-Sep(a, b) (then of (b, a)) that is not inside adj(a) or adj(b) is tested, in
//    causal-learn's enumeration order, and the edge goes at the first independence; its set
//    becomes sepset(a, b);
// 4. all edges o-o again, R0 again;
// 5. until nothing changes: R1, R2 (one pass over the triples), R3, R4 (discriminating paths,
//    with two further CI tests per path, only in a round where R1-R3 changed something), R5-R7
//    (selection bias), R8, R9, R10.
//
// causal-learn's R10 tries its two possible children of a in the order of a Python set, which
// varies between processes; we try both orders, the rule as Zhang states it, so the result is
// fixed. Everything else follows causal-learn, quirks included (docs/causal.md lists them).
//
// The result is a PAG in causal-learn's encoding (pc.hpp): entry (a, b) is the mark at a of the
// edge a - b: 0 none, -1 tail, 1 arrow, 2 circle.
#pragma once

#include <cstdint>
#include <vector>

#include "scmforge/causal/skeleton.hpp"

namespace scmforge::causal {

struct FciOptions {
  /// alpha, max_depth (causal-learn's depth), threads, time_limit (covering the whole run) and
  /// progress of the adjacency search. stable must be true (causal-learn's FCI has no other).
  SkeletonOptions skeleton;
  /// Run the tail rules R8-R10 (Zhang's complete rule set, as causal-learn always does); false
  /// stops at R1-R7, as Tetrad's FCI without its complete rule set.
  bool complete_rules = true;
};

struct FciResult {
  int d = 0;
  std::vector<std::int8_t> graph;          // d x d row-major, causal-learn's encoding
  Skeleton skeleton;                       // the adjacency search's result, before step 3
  std::int64_t possible_dsep_removed = 0;  // edges removed in step 3
  std::int64_t tests = 0;                  // CI tests asked for in all steps
};

/// FCI on `d` variables under `test`. Throws InvalidInput for stable = false and whatever the
/// adjacency search throws; past options.skeleton.time_limit, InvalidInput naming the step.
FciResult fci(int d, const CiTest& test, const FciOptions& options);

}  // namespace scmforge::causal
