// src/causal/pc.cpp: collider orientation and Meek's rules in causal-learn's order.
#include "scmforge/causal/pc.hpp"

#include <algorithm>
#include <array>
#include <set>

#include "scmforge/core/error.hpp"

namespace scmforge::causal {
namespace {

constexpr std::int8_t kTail = -1;
constexpr std::int8_t kArrow = 1;

// The marks, and causal-learn's `dpath` record of ancestry, which Meek's rules consult to skip an
// orientation that would close a cycle. causal-learn keeps that record incrementally and not
// transitively closed: a new edge i -> j records i's ancestors as j's and i as an ancestor of
// j's recorded descendants (not i's ancestors as theirs), so some directed paths go unrecorded;
// removing a directed edge rebuilds the record from the remaining directed edges in a fixed
// order. The record decides which orientations Meek makes, so we keep the same one: the same
// graph on every input (a true path search differs, e.g. on bnlearn's hepar2).
struct Marks {
  int d;
  std::vector<std::int8_t> m;
  std::vector<std::uint8_t> dpath;                 // (a, b) = 1: b recorded as an ancestor of a
  bool stale = false;                              // a rebuild is due before the next query
  std::vector<std::pair<int, int>> since_rebuild;  // edges directed since the last rebuild

  Marks(int size, std::vector<std::int8_t> marks) : d(size), m(std::move(marks)) {
    dpath.assign(m.size(), 0);
    for (int a = 0; a < d; ++a) dpath[index(a, a)] = 1;
  }
  [[nodiscard]] std::size_t index(int a, int b) const {
    return static_cast<std::size_t>(a) * static_cast<std::size_t>(d) + static_cast<std::size_t>(b);
  }
  std::int8_t& at(int a, int b) { return m[index(a, b)]; }
  [[nodiscard]] std::int8_t get(int a, int b) const { return m[index(a, b)]; }
  [[nodiscard]] bool directed(int a, int b) const {
    return get(a, b) == kTail && get(b, a) == kArrow;
  }
  [[nodiscard]] bool undirected(int a, int b) const {
    return get(a, b) == kTail && get(b, a) == kTail;
  }
  // causal-learn's adjust_dpath for a new edge i -> j.
  void adjust(int i, int j) {
    dpath[index(j, i)] = 1;
    for (int k = 0; k < d; ++k) {
      if (dpath[index(i, k)] != 0) dpath[index(j, k)] = 1;
      if (dpath[index(k, j)] != 0) dpath[index(k, i)] = 1;
    }
  }
  // Removing the edge a - b (remove_edge): a directed one makes the record due for a rebuild.
  void remove(int a, int b) {
    if (directed(a, b) || directed(b, a)) {
      stale = true;
      since_rebuild.clear();
    }
    at(a, b) = 0;
    at(b, a) = 0;
  }
  // remove_edge then add_edge(a -> b), as every orientation of causal-learn's PC is made.
  void orient(int a, int b) {
    remove(a, b);
    at(a, b) = kTail;
    at(b, a) = kArrow;
    since_rebuild.emplace_back(a, b);
    if (!stale) adjust(a, b);
  }
  // a <-> b in place of b -> a (uc_priority 1).
  void bidirect(int a, int b) {
    remove(a, b);
    at(a, b) = kArrow;
    at(b, a) = kArrow;
  }
  // reconstitute_dpath at the last removal of a directed edge (over the directed edges then: all
  // now but those directed since, popped from the end of the pair list), then the adjustments
  // made since.
  void rebuild() {
    std::fill(dpath.begin(), dpath.end(), 0);
    for (int a = 0; a < d; ++a) dpath[index(a, a)] = 1;
    const std::set<std::pair<int, int>> later(since_rebuild.begin(), since_rebuild.end());
    for (int i = d - 1; i >= 0; --i)
      for (int j = d - 1; j > i; --j) {
        if (directed(i, j) && later.count({i, j}) == 0) adjust(i, j);
        if (directed(j, i) && later.count({j, i}) == 0) adjust(j, i);
      }
    for (const auto& [a, b] : since_rebuild) adjust(a, b);
    stale = false;
  }
  [[nodiscard]] std::vector<int> neighbours(int a) const {
    std::vector<int> out;
    for (int b = 0; b < d; ++b)
      if (get(a, b) != 0) out.push_back(b);
    return out;
  }
  // Whether a is recorded as an ancestor of b (causal-learn's is_ancestor_of(a, b)).
  bool ancestor(int a, int b) {
    if (stale) rebuild();
    return dpath[index(b, a)] != 0;
  }
};

using Pair = std::array<int, 2>;
using Triple = std::array<int, 3>;

// causal-learn's find_adj: (column, row) of every tail mark in row-major order, then of every
// arrow mark.
std::vector<Pair> adjacency_list(const Marks& g) {
  std::vector<Pair> out;
  for (const std::int8_t mark : {kTail, kArrow})
    for (int r = 0; r < g.d; ++r)
      for (int c = 0; c < g.d; ++c)
        if (g.get(r, c) == mark) out.push_back({c, r});
  return out;
}

// Ordered pairs of distinct list positions, in itertools.permutations order.
template <typename T, typename Visit>
void for_each_ordered_pair(const std::vector<T>& items, Visit&& visit) {
  for (std::size_t p = 0; p < items.size(); ++p)
    for (std::size_t q = 0; q < items.size(); ++q)
      if (p != q) visit(items[p], items[q]);
}

std::vector<Triple> unshielded_triples(const Marks& g) {
  std::vector<Triple> out;
  for_each_ordered_pair(adjacency_list(g), [&](const Pair& p, const Pair& q) {
    if (p[1] == q[0] && p[0] != q[1] && g.get(p[0], q[1]) == 0) out.push_back({p[0], p[1], q[1]});
  });
  return out;
}

std::vector<Triple> triangles(const Marks& g) {
  const std::vector<Pair> adj = adjacency_list(g);
  const std::set<Pair> in_adj(adj.begin(), adj.end());
  std::vector<Triple> out;
  for_each_ordered_pair(adj, [&](const Pair& p, const Pair& q) {
    if (p[1] == q[0] && p[0] != q[1] && in_adj.count({p[0], q[1]}) != 0)
      out.push_back({p[0], p[1], q[1]});
  });
  return out;
}

std::vector<std::array<int, 4>> kites(const Marks& g, const std::vector<Triple>& tri) {
  std::vector<std::array<int, 4>> out;
  for_each_ordered_pair(tri, [&](const Triple& a, const Triple& b) {
    if (a[0] == b[0] && a[2] == b[2] && a[1] < b[1] && g.get(a[1], b[1]) == 0)
      out.push_back({a[0], a[1], b[1], a[2]});
  });
  return out;
}

// Largest p-value of x _||_ z over the subsets of adj(x) and of adj(z) that contain y (with_mid)
// or do not (causal-learn's find_cond_sets_with_mid / _without_mid).
double max_p(const Marks& g, const CiTest& test, int x, int z, int y, bool with_mid) {
  std::set<std::vector<int>> sets;
  for (const int v : {x, z}) {
    const std::vector<int> adj = g.neighbours(v);
    const std::size_t m = adj.size();
    for (std::size_t mask = 0; mask < (std::size_t{1} << m); ++mask) {
      std::vector<int> s;
      for (std::size_t i = 0; i < m; ++i)
        if ((mask >> i) & 1U) s.push_back(adj[i]);
      if ((std::find(s.begin(), s.end(), y) != s.end()) == with_mid) sets.insert(s);
    }
  }
  double best = 0.0;
  for (const auto& s : sets) {
    if (std::find(s.begin(), s.end(), x) != s.end() || std::find(s.begin(), s.end(), z) != s.end())
      continue;
    best = std::max(best, test(x, z, s));
  }
  return best;
}

// causal-learn skips a collider x -> y <- z that the knowledge contradicts.
bool collider_blocked(const Knowledge& k, int x, int y, int z) {
  return k.forbids(x, y) || k.forbids(z, y) || k.requires_edge(y, x) || k.requires_edge(y, z);
}

// Priorities 0-2 orient a collider when it is found.
void orient_now(Marks& g, int x, int y, int z, int priority) {
  if (priority == 1) {
    for (const int v : {x, z}) {
      if (g.get(v, y) == kArrow && g.get(y, v) == kTail) {
        g.bidirect(v, y);  // already y -> v: both ends get arrows
      } else if (g.get(v, y) == 0 || g.undirected(v, y)) {
        g.orient(v, y);
      }
    }
  } else if (priority == 0 || (!g.directed(y, x) && !g.directed(y, z))) {  // 2: keep existing
    g.orient(x, y);
    g.orient(z, y);
  }
}

// Priorities 3 and 4 (and every definite-MaxP collider): in order of their scores, ascending
// (3) or descending (4), or as found (2); each oriented unless an edge already points out of y.
// Returns the colliders oriented.
std::vector<Triple> orient_ranked(Marks& g, std::vector<std::pair<Triple, double>> ranked,
                                  int priority, const Knowledge& k) {
  if (priority == 3 || priority == 4)
    std::stable_sort(ranked.begin(), ranked.end(), [priority](const auto& a, const auto& b) {
      return priority == 3 ? a.second < b.second : a.second > b.second;
    });
  std::vector<Triple> oriented;
  for (const auto& [t, p] : ranked) {
    const int x = t[0], y = t[1], z = t[2];
    if (collider_blocked(k, x, y, z)) continue;
    if (!g.directed(y, x) && !g.directed(y, z)) {
      g.orient(x, y);
      g.orient(z, y);
      oriented.push_back(t);
    }
  }
  return oriented;
}

// uc_rule 0 (causal-learn's uc_sepset): y outside the separating set of x and z.
void uc_sepset(Marks& g, const Skeleton& s, const CiTest& test, int priority, const Knowledge& k) {
  std::vector<std::pair<Triple, double>> ranked;
  for (const Triple& t : unshielded_triples(g)) {
    const int x = t[0], y = t[1], z = t[2];
    if (x >= z || collider_blocked(k, x, y, z) || s.sepsets.contains(x, z, y)) continue;
    if (priority <= 2)
      orient_now(g, x, y, z, priority);
    else
      ranked.emplace_back(t, 0.0);
  }
  if (priority <= 2) return;
  for (auto& [t, p] : ranked) p = max_p(g, test, t[0], t[2], t[1], priority == 3);
  orient_ranked(g, std::move(ranked), priority, k);
}

// uc_rule 1 (causal-learn's maxp): a collider when the largest p-value of x _||_ z over sets
// without y exceeds the largest over sets with y.
void uc_maxp(Marks& g, const CiTest& test, int priority, const Knowledge& k) {
  std::vector<std::pair<Triple, double>> ranked;
  for (const Triple& t : unshielded_triples(g)) {
    const int x = t[0], y = t[1], z = t[2];
    if (x >= z || collider_blocked(k, x, y, z)) continue;
    const double with_y = max_p(g, test, x, z, y, true);
    const double without_y = max_p(g, test, x, z, y, false);
    if (without_y <= with_y) continue;
    if (priority <= 2)
      orient_now(g, x, y, z, priority);
    else
      ranked.emplace_back(t, priority == 3 ? with_y : without_y);
  }
  if (priority > 2) orient_ranked(g, std::move(ranked), priority, k);
}

struct Definite {
  std::set<Triple> colliders, non_colliders;
  std::vector<Triple> non_collider_order;  // as found (definite_meek's R1 walks this order)
};

// uc_rule 2 (causal-learn's definite_maxp): a definite collider when no set with y separates x
// and z and (some set without y does, or the MaxP comparison says so); a definite non-collider
// when no set without y separates them and (some set with y does, or MaxP says not).
Definite uc_definite_maxp(Marks& g, const CiTest& test, double alpha, int priority,
                          const Knowledge& k) {
  Definite out;
  std::vector<std::pair<Triple, double>> ranked;
  for (const Triple& t : unshielded_triples(g)) {
    const int x = t[0], y = t[1], z = t[2];
    if (x >= z) continue;
    const double with_y = max_p(g, test, x, z, y, true);
    const double without_y = max_p(g, test, x, z, y, false);
    const bool uc = with_y <= alpha, nuc = without_y <= alpha;
    const double score = priority == 4 ? without_y : with_y;
    if (uc && (!nuc || without_y > with_y))
      ranked.emplace_back(t, score);
    else if (nuc)
      out.non_collider_order.push_back(t);
  }
  for (const Triple& t : orient_ranked(g, std::move(ranked), priority, k)) out.colliders.insert(t);
  out.non_colliders.insert(out.non_collider_order.begin(), out.non_collider_order.end());
  return out;
}

// One orientation i -> j by a Meek-type rule unless the knowledge forbids it or it would close a
// directed cycle; returns whether it oriented.
bool meek_orient(Marks& g, const Knowledge& k, int i, int j) {
  if (k.forbids(i, j) || k.requires_edge(j, i) || g.ancestor(j, i)) return false;
  g.orient(i, j);
  return true;
}

void meek(Marks& g, const Knowledge& k) {
  const std::vector<Triple> ut = unshielded_triples(g);
  const std::vector<Triple> tri = triangles(g);
  const std::vector<std::array<int, 4>> kite = kites(g, tri);
  for (bool changed = true; changed;) {
    changed = false;
    for (const Triple& t : ut) {  // R1: i -> j - k, i and k not adjacent: j -> k
      const int i = t[0], j = t[1], kk = t[2];
      if (g.directed(i, j) && g.undirected(j, kk)) changed = meek_orient(g, k, j, kk) || changed;
    }
    for (const Triple& t : tri) {  // R2: i -> j -> k and i - k: i -> k
      const int i = t[0], j = t[1], kk = t[2];
      if (g.directed(i, j) && g.directed(j, kk) && g.undirected(i, kk))
        changed = meek_orient(g, k, i, kk) || changed;
    }
    for (const auto& q : kite) {  // R3: i - j -> l, i - k -> l, i - l, j and k not adjacent
      const int i = q[0], j = q[1], kk = q[2], l = q[3];
      if (g.undirected(i, j) && g.undirected(i, kk) && g.directed(j, l) && g.directed(kk, l) &&
          g.undirected(i, l))
        changed = meek_orient(g, k, i, l) || changed;
    }
  }
}

// causal-learn's definite_meek (uc_rule 2, before meek): R1 along definite non-colliders (either
// way round), R2 on triangles, and R3 on kites whose j - l - k is a definite collider and
// j - i - k a definite non-collider.
void definite_meek(Marks& g, const Definite& dm, const Knowledge& k) {
  const std::vector<Triple> tri = triangles(g);
  const std::vector<std::array<int, 4>> kite = kites(g, tri);
  const auto in = [](const std::set<Triple>& set, int a, int b, int c) {
    return set.count({a, b, c}) != 0 || set.count({c, b, a}) != 0;
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (const Triple& t : dm.non_collider_order) {
      const int i = t[0], j = t[1], kk = t[2];
      if (g.directed(i, j) && g.undirected(j, kk) && !k.forbids(j, kk) && !k.requires_edge(kk, j))
        changed = meek_orient(g, k, j, kk) || changed;
      else if (g.directed(kk, j) && g.undirected(j, i) && !k.forbids(j, i) &&
               !k.requires_edge(i, j))
        changed = meek_orient(g, k, j, i) || changed;
    }
    for (const Triple& t : tri) {
      const int i = t[0], j = t[1], kk = t[2];
      if (g.directed(i, j) && g.directed(j, kk) && g.undirected(i, kk))
        changed = meek_orient(g, k, i, kk) || changed;
    }
    for (const auto& q : kite) {
      const int i = q[0], j = q[1], kk = q[2], l = q[3];
      if (in(dm.colliders, j, l, kk) && in(dm.non_colliders, j, i, kk) && g.undirected(i, l))
        changed = meek_orient(g, k, i, l) || changed;
    }
  }
}

// causal-learn's orient_by_background_knowledge: each undirected edge a - b (a < b) pointed
// away from a forbidden direction, else along a required one.
void orient_by_knowledge(Marks& g, const Knowledge& k) {
  for (int a = 0; a < g.d; ++a)
    for (int b = a + 1; b < g.d; ++b) {
      if (!g.undirected(a, b)) continue;
      const bool b_to_a = k.forbids(a, b) || k.requires_edge(b, a);
      if (k.forbids(b, a) || (!b_to_a && k.requires_edge(a, b)))
        g.orient(a, b);
      else if (b_to_a)
        g.orient(b, a);
    }
}

}  // namespace

PcResult pc(int d, const CiTest& test, const PcOptions& options) {
  SCMFORGE_CHECK(options.uc_rule >= 0 && options.uc_rule <= 2, InvalidInput,
                 "uc_rule must be 0 (separating sets), 1 (MaxP) or 2 (definite MaxP), got {}",
                 options.uc_rule);
  SCMFORGE_CHECK(options.uc_priority >= -1 && options.uc_priority <= 4, InvalidInput,
                 "uc_priority must be in -1..4 (causal-learn's meaning), got {}",
                 options.uc_priority);
  SCMFORGE_CHECK(options.uc_rule != 2 || options.uc_priority == -1 || options.uc_priority >= 2,
                 InvalidInput,
                 "uc_rule 2 (definite MaxP) takes uc_priority -1, 2, 3 or 4 (as causal-learn), "
                 "got {}",
                 options.uc_priority);
  PcResult r;
  r.d = d;
  r.skeleton = find_skeleton(d, test, options.skeleton);
  const Knowledge& k = options.skeleton.knowledge;
  std::vector<std::int8_t> marks(r.skeleton.adjacent.size(), 0);
  for (std::size_t e = 0; e < marks.size(); ++e) marks[e] = r.skeleton.adjacent[e] != 0 ? kTail : 0;
  Marks g(d, std::move(marks));
  orient_by_knowledge(g, k);
  const int p = options.uc_priority;
  if (options.uc_rule == 0) {
    uc_sepset(g, r.skeleton, test, p == -1 ? 3 : p, k);
  } else if (options.uc_rule == 1) {
    uc_maxp(g, test, p == -1 ? 3 : p, k);
  } else {
    const Definite dm = uc_definite_maxp(g, test, options.skeleton.alpha, p == -1 ? 4 : p, k);
    definite_meek(g, dm, k);
  }
  meek(g, k);
  r.graph = std::move(g.m);
  return r;
}

}  // namespace scmforge::causal
