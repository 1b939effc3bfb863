// scmforge/causal/knowledge.hpp: background knowledge for PC, with causal-learn's meaning
// (`BackgroundKnowledge`): forbidden and required directed edges, and tiers.
//
// forbids(a, b): a -> b is forbidden, explicitly or because a's tier is later than b's (or the two
// share a tier whose inner edges are forbidden). requires(a, b): a -> b is required. PC uses it as
// causal-learn does: an edge forbidden both ways is removed before any test; an undirected edge
// left by the adjacency search is oriented away from a forbidden or towards a required direction;
// a collider or a Meek orientation against the knowledge is skipped. A required edge is an
// orientation constraint only: if the data separate its ends, the edge is gone (as in
// causal-learn, unlike Tetrad).
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace scmforge::causal {

struct Knowledge {
  std::set<std::pair<int, int>> forbidden;  // (a, b): a -> b forbidden
  std::set<std::pair<int, int>> required;   // (a, b): a -> b required
  std::vector<int> tier;                    // per variable, -1 for none (empty: no tiers)
  std::set<int> forbidden_within_tiers;     // tiers whose variables may not point at each other

  [[nodiscard]] bool empty() const { return forbidden.empty() && required.empty() && tier.empty(); }
  [[nodiscard]] bool forbids(int a, int b) const {
    if (forbidden.count({a, b}) != 0) return true;
    if (tier.empty()) return false;
    const int ta = tier[static_cast<std::size_t>(a)], tb = tier[static_cast<std::size_t>(b)];
    if (ta < 0 || tb < 0) return false;
    return ta > tb || (ta == tb && forbidden_within_tiers.count(ta) != 0);
  }
  [[nodiscard]] bool requires_edge(int a, int b) const { return required.count({a, b}) != 0; }
  /// Throws InvalidInput for a variable outside 0..d-1, a self-loop, a tier list of another
  /// length, or an edge both required and forbidden (naming it).
  void validate(int d) const;
};

/// Knowledge from JSON over variable names (docs/causal.md):
///   {"forbidden": [["a", "b"], ...], "required": [["a", "b"], ...],
///    "tiers": [["a", "b"], ["c"], ...], "forbidden_within_tiers": [0, ...]}
/// (every key optional; tiers[i] lists the variables of tier i). Throws InvalidInput for
/// malformed JSON, an unknown key or name, or what validate() rejects, naming it.
Knowledge parse_knowledge(const std::string& json, const std::vector<std::string>& names);

/// The knowledge as that JSON ({} when empty).
std::string knowledge_json(const Knowledge& knowledge, const std::vector<std::string>& names);

}  // namespace scmforge::causal
