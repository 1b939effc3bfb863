// src/causal/dag.cpp: Dor-Tarsi extension of a partially directed graph.
#include "scmforge/causal/dag.hpp"

#include <string>
#include <vector>

#include "scmforge/core/error.hpp"
#include "scmforge/core/random.hpp"

namespace scmforge::causal {

CausalGraph extend_to_dag(const CausalGraph& cpdag, std::optional<std::uint64_t> seed) {
  const int d = cpdag.d();
  for (int a = 0; a < d; ++a)
    for (int b = 0; b < d; ++b) {
      const std::int8_t m = cpdag.mark(a, b);
      SCMFORGE_CHECK(m != 2 && !(m == 1 && cpdag.mark(b, a) == 1), InvalidInput,
                     "{} is not a CPDAG edge (bi-directed or circle marks come from FCI's PAGs); "
                     "a CPDAG has only --> and ---",
                     edge_text(cpdag, std::min(a, b), std::max(a, b)));
    }
  CausalGraph out = cpdag;
  const auto idx = [d](int a, int b) {
    return static_cast<std::size_t>(a) * static_cast<std::size_t>(d) + static_cast<std::size_t>(b);
  };
  std::vector<std::uint8_t> alive(static_cast<std::size_t>(d), 1);
  Rng rng(seed.value_or(0), derive_stream(streams::kDag, 0));
  // Working copy of the remaining graph's marks.
  std::vector<std::int8_t> g = cpdag.marks;
  const auto directed = [&](int a, int b) { return g[idx(a, b)] == -1 && g[idx(b, a)] == 1; };
  const auto undirected = [&](int a, int b) { return g[idx(a, b)] == -1 && g[idx(b, a)] == -1; };
  const auto adjacent = [&](int a, int b) { return g[idx(a, b)] != 0; };
  for (int left = d; left > 0; --left) {
    std::vector<int> eligible;
    for (int x = 0; x < d; ++x) {
      if (alive[static_cast<std::size_t>(x)] == 0) continue;
      bool ok = true;
      for (int y = 0; y < d && ok; ++y) ok = !directed(x, y);
      for (int y = 0; y < d && ok; ++y) {
        if (!undirected(x, y)) continue;
        for (int z = 0; z < d && ok; ++z)
          if (z != y && adjacent(x, z)) ok = adjacent(y, z);
      }
      if (ok) eligible.push_back(x);
    }
    if (eligible.empty()) {
      std::string rest;
      for (int x = 0; x < d; ++x)
        if (alive[static_cast<std::size_t>(x)] != 0)
          rest += (rest.empty() ? "" : ", ") + cpdag.names[static_cast<std::size_t>(x)];
      SCMFORGE_THROW(InvalidInput,
                     "the graph has no consistent DAG extension: among {{{}}} every node has an "
                     "outgoing edge or an undirected neighbour not adjacent to its other "
                     "neighbours (a directed cycle, or orientations that would add v-structures)",
                     rest);
    }
    const int x =
        seed ? eligible[static_cast<std::size_t>(rng.below(eligible.size()))] : eligible.front();
    for (int y = 0; y < d; ++y) {
      if (undirected(x, y)) {  // y -> x in the result
        out.marks[idx(y, x)] = -1;
        out.marks[idx(x, y)] = 1;
      }
      g[idx(x, y)] = 0;
      g[idx(y, x)] = 0;
    }
    alive[static_cast<std::size_t>(x)] = 0;
  }
  return out;
}

}  // namespace scmforge::causal
