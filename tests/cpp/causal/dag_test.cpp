// tests/cpp/causal/dag_test.cpp: consistent DAG extensions of CPDAGs (Dor-Tarsi).
#include "scmforge/causal/dag.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>

#include "scmforge/core/error.hpp"

namespace scmforge::causal {
namespace {

// A graph from "a->b" / "a-b" / "a<->b" edge strings over nodes 0..d-1 named "0", "1", ...
CausalGraph graph(int d, const std::vector<std::string>& edges) {
  CausalGraph g;
  for (int i = 0; i < d; ++i) g.names.push_back(std::to_string(i));
  g.marks.assign(static_cast<std::size_t>(d * d), 0);
  const auto set = [&](int a, int b, int ma, int mb) {
    g.marks[static_cast<std::size_t>(a * d + b)] = static_cast<std::int8_t>(ma);
    g.marks[static_cast<std::size_t>(b * d + a)] = static_cast<std::int8_t>(mb);
  };
  for (const auto& e : edges) {
    const int a = e.front() - '0', b = e.back() - '0';
    if (e.find("<->") != std::string::npos)
      set(a, b, 1, 1);
    else if (e.find("->") != std::string::npos)
      set(a, b, -1, 1);
    else
      set(a, b, -1, -1);
  }
  return g;
}

bool is_dag(const CausalGraph& g) {
  const int d = g.d();
  std::vector<int> indegree(static_cast<std::size_t>(d), 0);
  for (int a = 0; a < d; ++a)
    for (int b = 0; b < d; ++b) {
      if (g.mark(a, b) == 0) continue;
      EXPECT_TRUE((g.mark(a, b) == -1 && g.mark(b, a) == 1) ||
                  (g.mark(a, b) == 1 && g.mark(b, a) == -1));
      if (g.mark(a, b) == -1) ++indegree[static_cast<std::size_t>(b)];
    }
  std::vector<int> ready;
  for (int v = 0; v < d; ++v)
    if (indegree[static_cast<std::size_t>(v)] == 0) ready.push_back(v);
  int seen = 0;
  while (!ready.empty()) {
    const int v = ready.back();
    ready.pop_back();
    ++seen;
    for (int w = 0; w < d; ++w)
      if (g.mark(v, w) == -1 && g.mark(w, v) == 1 && --indegree[static_cast<std::size_t>(w)] == 0)
        ready.push_back(w);
  }
  return seen == d;
}

std::set<std::array<int, 3>> v_structures(const CausalGraph& g) {
  std::set<std::array<int, 3>> out;
  const int d = g.d();
  for (int b = 0; b < d; ++b)
    for (int a = 0; a < d; ++a)
      for (int c = a + 1; c < d; ++c)
        if (g.mark(a, b) == -1 && g.mark(b, a) == 1 && g.mark(c, b) == -1 && g.mark(b, c) == 1 &&
            g.mark(a, c) == 0)
          out.insert({a, b, c});
  return out;
}

TEST(CausalDag, ExtensionsAreAcyclicKeepDirectedEdgesAndAddNoVStructures) {
  // 0 -> 2 <- 1, 2 - 3, 3 - 4, 2 - 4 (a triangle below the collider), 4 - 5
  const CausalGraph cpdag = graph(6, {"0->2", "1->2", "2-3", "3-4", "2-4", "4-5"});
  std::set<std::vector<std::int8_t>> seen;
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    for (const auto& dag : {extend_to_dag(cpdag, seed), extend_to_dag(cpdag)}) {
      EXPECT_TRUE(is_dag(dag));
      for (int a = 0; a < 6; ++a)
        for (int b = 0; b < 6; ++b) {
          EXPECT_EQ(dag.mark(a, b) != 0, cpdag.mark(a, b) != 0);
          if (cpdag.mark(a, b) == -1 && cpdag.mark(b, a) == 1) {
            EXPECT_EQ(dag.mark(a, b), -1);
          }
        }
      EXPECT_EQ(v_structures(dag), v_structures(cpdag));
      seen.insert(dag.marks);
    }
  }
  EXPECT_GT(seen.size(), 1U);  // seeds reach different extensions
  EXPECT_EQ(extend_to_dag(cpdag, 7).marks, extend_to_dag(cpdag, 7).marks);
}

TEST(CausalDag, GraphsWithoutAnExtensionAreRejectedWithTheReason) {
  EXPECT_THROW(extend_to_dag(graph(3, {"0->1", "1->2", "2->0"})), InvalidInput);  // cycle
  // 0 - 1 - 2 - 3 - 0 (an undirected 4-cycle): every orientation adds a v-structure or a cycle.
  EXPECT_THROW(extend_to_dag(graph(4, {"0-1", "1-2", "2-3", "3-0"})), InvalidInput);
  try {
    extend_to_dag(graph(2, {"0<->1"}));
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("not a CPDAG edge"), std::string::npos) << e.what();
  }
}

// A PAG with every kind of edge: 0 o-> 2 <-o 1 (a collider with circles), 2 --> 3, 3 <-> 4,
// 5 o-o 6, 6 o-o 0. pag_to_dag keeps the adjacencies and every arrowhead into a node whose other
// end is a tail or circle, orients <-> along a topological order (either way here), adds no
// collider on the circle path, and is acyclic.
TEST(CausalDag, PagsBecomeDagsKeepingAdjacenciesAndArrowheads) {
  CausalGraph pag = graph(7, {"2->3", "3<->4"});
  const auto set = [&pag](int a, int b, int ma, int mb) {
    pag.marks[static_cast<std::size_t>(a * 7 + b)] = static_cast<std::int8_t>(ma);
    pag.marks[static_cast<std::size_t>(b * 7 + a)] = static_cast<std::int8_t>(mb);
  };
  set(0, 2, 2, 1);
  set(1, 2, 2, 1);
  set(5, 6, 2, 2);
  set(6, 0, 2, 2);
  for (const std::optional<std::uint64_t> seed :
       {std::optional<std::uint64_t>{}, std::optional<std::uint64_t>{3}}) {
    bool consistent = false;
    const CausalGraph dag = pag_to_dag(pag, seed, &consistent);
    EXPECT_TRUE(consistent);
    EXPECT_TRUE(is_dag(dag));
    for (int a = 0; a < 7; ++a)
      for (int b = 0; b < 7; ++b) {
        EXPECT_EQ(dag.mark(a, b) != 0, pag.mark(a, b) != 0);
        if (pag.mark(b, a) == 1 && pag.mark(a, b) != 1) {
          EXPECT_EQ(dag.mark(b, a), 1) << a << " " << b;
        }
      }
    EXPECT_EQ(v_structures(dag).count({0, 2, 1}), 1U);  // the PAG's collider
    EXPECT_EQ(v_structures(dag).count({0, 6, 5}), 0U);
  }
  // A directed cycle among the arrowheads cannot become a DAG.
  CausalGraph cycle = graph(3, {"0->1", "1->2", "2->0"});
  EXPECT_THROW(pag_to_dag(cycle), InvalidInput);
}

}  // namespace
}  // namespace scmforge::causal
