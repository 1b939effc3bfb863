// scmforge/causal/graph.hpp: a graph with endpoint marks over named variables, and its exports.
//
// marks is causal-learn's `GeneralGraph.graph` encoding (see pc.hpp): entry (a, b) is the mark
// at a of the edge a - b: 0 none, -1 tail, 1 arrow, 2 circle (PAGs). Exports: JSON (schema
// "scmforge-graph" version 1: nodes, the marks matrix and an edge list), Graphviz DOT and a text
// edge list ("a --> b", "a --- b", "a <-> b", "a o-> b", ...).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace scmforge::causal {

struct CausalGraph {
  std::vector<std::string> names;  // d variable names
  std::vector<std::int8_t> marks;  // d x d row-major

  [[nodiscard]] int d() const { return static_cast<int>(names.size()); }
  [[nodiscard]] std::int8_t mark(int a, int b) const {
    return marks[static_cast<std::size_t>(a) * names.size() + static_cast<std::size_t>(b)];
  }
};

/// One edge a - b (a < b) with the mark at each end: its text, e.g. "x --> y".
std::string edge_text(const CausalGraph& g, int a, int b);

/// Every edge, a < b, row-major: "name_a <mark><mark> name_b" lines.
std::string to_edge_list(const CausalGraph& g);

/// JSON: {"format": "scmforge-graph", "version": 1, "nodes": [...], "marks": [[...]],
/// "edges": [{"a": name, "b": name, "mark_a": "tail"|"arrow"|"circle", "mark_b": ...}],
/// plus the `extra` object's members (e.g. algorithm settings) when given.
std::string to_json(const CausalGraph& g, const std::string& extra_json = "{}");

/// Graphviz DOT: a -> b directed, a -> b [dir=none] undirected, dir=both for <->, circles as
/// odot arrowheads.
std::string to_dot(const CausalGraph& g);

}  // namespace scmforge::causal
