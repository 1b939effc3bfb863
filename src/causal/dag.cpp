// src/causal/dag.cpp: Dor-Tarsi extension of a partially directed graph; PAG to DAG.
#include "scmforge/causal/dag.hpp"

#include <algorithm>
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

namespace {

// A topological order of the directed edges of `g` (Kahn's algorithm, lowest column first);
// throws naming the nodes on a directed cycle.
std::vector<int> topological_order(const CausalGraph& g) {
  const int d = g.d();
  std::vector<int> indegree(static_cast<std::size_t>(d), 0);
  const auto directed = [&g](int a, int b) { return g.mark(a, b) == -1 && g.mark(b, a) == 1; };
  for (int a = 0; a < d; ++a)
    for (int b = 0; b < d; ++b)
      if (directed(a, b)) ++indegree[static_cast<std::size_t>(b)];
  std::vector<int> order;
  std::vector<std::uint8_t> done(static_cast<std::size_t>(d), 0);
  for (int step = 0; step < d; ++step) {
    int next = -1;
    for (int x = 0; x < d && next < 0; ++x)
      if (done[static_cast<std::size_t>(x)] == 0 && indegree[static_cast<std::size_t>(x)] == 0)
        next = x;
    if (next < 0) {
      std::string rest;
      for (int x = 0; x < d; ++x)
        if (done[static_cast<std::size_t>(x)] == 0)
          rest += (rest.empty() ? "" : ", ") + g.names[static_cast<std::size_t>(x)];
      SCMFORGE_THROW(InvalidInput,
                     "the graph's directed edges form a cycle among {{{}}}; an SCM needs a DAG",
                     rest);
    }
    done[static_cast<std::size_t>(next)] = 1;
    order.push_back(next);
    for (int b = 0; b < d; ++b)
      if (directed(next, b)) --indegree[static_cast<std::size_t>(b)];
  }
  return order;
}

// Orients every edge of `g` that `pick` selects from the earlier to the later node of `order`.
template <typename Pick>
void orient_by_order(CausalGraph& g, const std::vector<int>& order, Pick&& pick) {
  const int d = g.d();
  std::vector<int> rank(static_cast<std::size_t>(d));
  for (std::size_t i = 0; i < order.size(); ++i)
    rank[static_cast<std::size_t>(order[i])] = static_cast<int>(i);
  const auto idx = [d](int a, int b) {
    return static_cast<std::size_t>(a) * static_cast<std::size_t>(d) + static_cast<std::size_t>(b);
  };
  for (int a = 0; a < d; ++a) {
    for (int b = a + 1; b < d; ++b) {
      if (g.marks[idx(a, b)] == 0 || !pick(a, b)) continue;
      const bool forward = rank[static_cast<std::size_t>(a)] < rank[static_cast<std::size_t>(b)];
      g.marks[idx(a, b)] = forward ? -1 : 1;
      g.marks[idx(b, a)] = forward ? 1 : -1;
    }
  }
}

}  // namespace

CausalGraph pag_to_dag(const CausalGraph& pag, std::optional<std::uint64_t> seed,
                       bool* consistent) {
  const int d = pag.d();
  const auto idx = [d](int a, int b) {
    return static_cast<std::size_t>(a) * static_cast<std::size_t>(d) + static_cast<std::size_t>(b);
  };
  // Step 1 and the input of step 2: directed edges fixed, arrowless edges undirected, <-> aside.
  CausalGraph partial = pag;
  std::vector<std::pair<int, int>> bidirected;
  for (int a = 0; a < d; ++a) {
    for (int b = a + 1; b < d; ++b) {
      const std::int8_t ma = pag.mark(a, b), mb = pag.mark(b, a);
      if (ma == 0) continue;
      std::int8_t na = -1, nb = -1;  // arrowless: undirected
      if (ma == 1 && mb == 1) {
        bidirected.emplace_back(a, b);
        na = nb = 0;
      } else if (mb == 1) {
        nb = 1;  // a (tail or circle) *-> b: a -> b
      } else if (ma == 1) {
        na = 1;
      }
      partial.marks[idx(a, b)] = na;
      partial.marks[idx(b, a)] = nb;
    }
  }
  CausalGraph dag;
  bool ok = true;
  try {
    dag = extend_to_dag(partial, seed);
  } catch (const InvalidInput&) {
    ok = false;
    dag = partial;
    orient_by_order(dag, topological_order(partial), [&partial, &idx](int a, int b) {
      return partial.marks[idx(a, b)] == -1 && partial.marks[idx(b, a)] == -1;
    });
  }
  if (consistent != nullptr) *consistent = ok;
  // Step 3.
  for (const auto& [a, b] : bidirected) {
    dag.marks[idx(a, b)] = 1;
    dag.marks[idx(b, a)] = 1;
  }
  const std::vector<int> order = topological_order(dag);  // <-> is not directed: ignored
  orient_by_order(dag, order,
                  [&pag](int a, int b) { return pag.mark(a, b) == 1 && pag.mark(b, a) == 1; });
  return dag;
}

}  // namespace scmforge::causal
