// scmforge/causal/dag.hpp: a DAG consistent with a CPDAG (Dor & Tarsi 1992), fixed or random,
// and a DAG from a PAG.
//
// A consistent extension orients every undirected edge of a partially directed graph so that
// the result is acyclic and has exactly the graph's v-structures (unshielded colliders). Dor and
// Tarsi's procedure: repeatedly pick a node x that (a) has no outgoing directed edge and (b)
// whose undirected neighbours are each adjacent to every other neighbour of x; orient x's
// undirected edges into x and remove x. When no such node exists the graph has no consistent
// extension. The fixed extension picks the lowest-numbered eligible node each time; a seeded
// extension picks uniformly among the eligible nodes with the Philox stream (seed, "dag"), which
// reaches every consistent extension with positive probability (not uniformly over them).
#pragma once

#include <cstdint>
#include <optional>

#include "scmforge/causal/graph.hpp"

namespace scmforge::causal {

/// A DAG (marks with only tails and arrows, every edge directed) consistent with `cpdag`.
/// Throws InvalidInput naming the reason: a bi-directed or circle mark (not a CPDAG: a PAG must
/// be turned into a DAG by its own rule), a directed cycle, or no consistent extension (with the
/// nodes left over).
CausalGraph extend_to_dag(const CausalGraph& cpdag,
                          std::optional<std::uint64_t> seed = std::nullopt);

/// A DAG for SCM fitting from a PAG (FCI's output), by this rule (docs/causal.md):
/// 1. a --> b and a o-> b become a -> b (Zhang 2008, Theorem 2, step 1);
/// 2. the edges without arrowheads (o-o, o--, ---) are oriented by the consistent extension
///    above, with the step-1 edges fixed (Zhang's step 2: no new unshielded colliders); when the
///    estimated PAG admits none, they go from the earlier to the later node of a topological order
///    of the step-1 edges (lowest column first among ties) and `consistent` is set false;
/// 3. a <-> b (a latent common cause) becomes an edge from the earlier to the later of a and b in a
///    topological order of the DAG so far, so the SCM keeps the dependence the latent induces.
/// seed as in extend_to_dag (used in step 2). Throws InvalidInput when the step-1 edges hold a
/// directed cycle.
CausalGraph pag_to_dag(const CausalGraph& pag, std::optional<std::uint64_t> seed = std::nullopt,
                       bool* consistent = nullptr);

}  // namespace scmforge::causal
