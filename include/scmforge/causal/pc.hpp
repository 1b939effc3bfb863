// scmforge/causal/pc.hpp: the PC algorithm: adjacency search, unshielded colliders, Meek's rules.
//
// The result is a CPDAG in causal-learn's adjacency encoding (`GeneralGraph.graph`): a d x d
// matrix whose entry (a, b) is the endpoint mark at a of the edge a - b: 0 no edge, -1 tail,
// 1 arrow. So a -> b is (a, b) = -1, (b, a) = 1; a --- b is -1 both ways; a <-> b is 1 both ways.
//
// Orientation follows causal-learn's uc_rule = 0 (`UCSepset.uc_sepset`: a triple x - y - z with
// x, z not adjacent is a collider when y is in no separating set of x and z) and its `Meek.meek`
// (rules R1-R3, with the triples, triangles and kites listed once in causal-learn's order, and an
// orientation skipped when it would close a directed cycle). uc_priority decides between
// conflicting colliders: 0 overwrite, 1 bi-directed edges, 2 keep existing colliders, 3 stronger
// colliders first (ascending max p-value of x _||_ z given sets containing y), 4 stronger*
// colliders first (descending max p-value given sets without y); -1 is uc_sepset's default, 3.
#pragma once

#include <cstdint>
#include <vector>

#include "scmforge/causal/skeleton.hpp"

namespace scmforge::causal {

struct PcOptions {
  SkeletonOptions skeleton;  // alpha, ..., and the background knowledge
  int uc_priority = 2;       // -1 .. 4, as causal-learn's pc(uc_priority=...)
  int uc_rule = 0;           // 0 separating sets, 1 MaxP, 2 definite MaxP
};

struct PcResult {
  int d = 0;
  std::vector<std::int8_t> graph;  // d x d row-major, causal-learn's encoding (file comment)
  Skeleton skeleton;               // adjacencies before orientation, separating sets
};

/// PC on `d` variables under `test` (uc_rule 0). Throws InvalidInput for a uc_priority outside
/// -1..4 and whatever the skeleton search throws.
PcResult pc(int d, const CiTest& test, const PcOptions& options);

}  // namespace scmforge::causal
