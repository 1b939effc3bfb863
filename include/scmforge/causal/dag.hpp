// scmforge/causal/dag.hpp: a DAG consistent with a CPDAG (Dor & Tarsi 1992), fixed or random.
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

}  // namespace scmforge::causal
