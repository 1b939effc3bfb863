// src/causal/knowledge.cpp: checks of background knowledge.
#include "scmforge/causal/knowledge.hpp"

#include "scmforge/core/error.hpp"

namespace scmforge::causal {

void Knowledge::validate(int d) const {
  const auto check_edges = [d](const std::set<std::pair<int, int>>& edges, const char* kind) {
    for (const auto& [a, b] : edges) {
      SCMFORGE_CHECK(a >= 0 && a < d && b >= 0 && b < d, InvalidInput,
                     "background knowledge: {} edge ({}, {}) names a variable outside 0..{}", kind,
                     a, b, d - 1);
      SCMFORGE_CHECK(a != b, InvalidInput, "background knowledge: {} edge {} -> {} is a self-loop",
                     kind, a, b);
    }
  };
  check_edges(forbidden, "forbidden");
  check_edges(required, "required");
  SCMFORGE_CHECK(tier.empty() || static_cast<int>(tier.size()) == d, InvalidInput,
                 "background knowledge: {} tiers given for {} variables; give one per variable "
                 "(-1 for none)",
                 tier.size(), d);
  for (const auto& [a, b] : required)
    SCMFORGE_CHECK(!forbids(a, b), InvalidInput,
                   "background knowledge: edge {} -> {} is both required and forbidden (by a rule "
                   "or by the tiers); drop one",
                   a, b);
}

}  // namespace scmforge::causal
