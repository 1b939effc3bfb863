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

struct Marks {
  int d;
  std::vector<std::int8_t> m;
  std::int8_t& at(int a, int b) {
    return m[static_cast<std::size_t>(a) * static_cast<std::size_t>(d) +
             static_cast<std::size_t>(b)];
  }
  [[nodiscard]] std::int8_t get(int a, int b) const {
    return m[static_cast<std::size_t>(a) * static_cast<std::size_t>(d) +
             static_cast<std::size_t>(b)];
  }
  [[nodiscard]] bool directed(int a, int b) const {
    return get(a, b) == kTail && get(b, a) == kArrow;
  }
  [[nodiscard]] bool undirected(int a, int b) const {
    return get(a, b) == kTail && get(b, a) == kTail;
  }
  void orient(int a, int b) {  // a -> b
    at(a, b) = kTail;
    at(b, a) = kArrow;
  }
  [[nodiscard]] std::vector<int> neighbours(int a) const {
    std::vector<int> out;
    for (int b = 0; b < d; ++b)
      if (get(a, b) != 0) out.push_back(b);
    return out;
  }
  // A directed path from a to b over a -> ... -> b edges (causal-learn's dpath).
  [[nodiscard]] bool ancestor(int a, int b) const {
    std::vector<std::uint8_t> seen(static_cast<std::size_t>(d), 0);
    std::vector<int> stack{a};
    seen[static_cast<std::size_t>(a)] = 1;
    while (!stack.empty()) {
      const int v = stack.back();
      stack.pop_back();
      for (int w = 0; w < d; ++w) {
        if (directed(v, w) && seen[static_cast<std::size_t>(w)] == 0) {
          if (w == b) return true;
          seen[static_cast<std::size_t>(w)] = 1;
          stack.push_back(w);
        }
      }
    }
    return false;
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

void orient_colliders(Marks& g, const Skeleton& s, const CiTest& test, int priority) {
  std::vector<Triple> candidates;
  for (const Triple& t : unshielded_triples(g)) {
    const int x = t[0], y = t[1], z = t[2];
    if (x >= z || s.sepsets.contains(x, z, y)) continue;
    if (priority == 0) {
      g.orient(x, y);
      g.orient(z, y);
    } else if (priority == 1) {
      for (const int v : {x, z}) {
        if (g.get(v, y) == kArrow && g.get(y, v) == kTail) {
          g.at(v, y) = kArrow;  // already y -> v: both ends get arrows
          g.at(y, v) = kArrow;
        } else if (g.get(v, y) == 0 || g.undirected(v, y)) {
          g.orient(v, y);
        }
      }
    } else if (priority == 2) {
      if (!g.directed(y, x) && !g.directed(y, z)) {
        g.orient(x, y);
        g.orient(z, y);
      }
    } else {
      candidates.push_back(t);
    }
  }
  if (priority <= 2) return;
  std::vector<std::pair<Triple, double>> ranked;
  for (const Triple& t : candidates)
    ranked.emplace_back(t, max_p(g, test, t[0], t[2], t[1], priority == 3));
  std::stable_sort(ranked.begin(), ranked.end(), [priority](const auto& a, const auto& b) {
    return priority == 3 ? a.second < b.second : a.second > b.second;
  });
  for (const auto& [t, p] : ranked) {
    const int x = t[0], y = t[1], z = t[2];
    if (!g.directed(y, x) && !g.directed(y, z)) {
      g.orient(x, y);
      g.orient(z, y);
    }
  }
}

void meek(Marks& g) {
  const std::vector<Triple> ut = unshielded_triples(g);
  const std::vector<Triple> tri = triangles(g);
  const std::vector<std::array<int, 4>> kite = kites(g, tri);
  for (bool changed = true; changed;) {
    changed = false;
    for (const Triple& t : ut) {  // R1: i -> j - k, i and k not adjacent: j -> k
      const int i = t[0], j = t[1], k = t[2];
      if (g.directed(i, j) && g.undirected(j, k) && !g.ancestor(k, j)) {
        g.orient(j, k);
        changed = true;
      }
    }
    for (const Triple& t : tri) {  // R2: i -> j -> k and i - k: i -> k
      const int i = t[0], j = t[1], k = t[2];
      if (g.directed(i, j) && g.directed(j, k) && g.undirected(i, k) && !g.ancestor(k, i)) {
        g.orient(i, k);
        changed = true;
      }
    }
    for (const auto& q : kite) {  // R3: i - j -> l, i - k -> l, i - l, j and k not adjacent
      const int i = q[0], j = q[1], k = q[2], l = q[3];
      if (g.undirected(i, j) && g.undirected(i, k) && g.directed(j, l) && g.directed(k, l) &&
          g.undirected(i, l) && !g.ancestor(l, i)) {
        g.orient(i, l);
        changed = true;
      }
    }
  }
}

}  // namespace

PcResult pc(int d, const CiTest& test, const PcOptions& options) {
  SCMFORGE_CHECK(options.uc_priority >= -1 && options.uc_priority <= 4, InvalidInput,
                 "uc_priority must be in -1..4 (causal-learn's meaning), got {}",
                 options.uc_priority);
  PcResult r;
  r.d = d;
  r.skeleton = find_skeleton(d, test, options.skeleton);
  Marks g{d, std::vector<std::int8_t>(r.skeleton.adjacent.size(), 0)};
  for (std::size_t e = 0; e < g.m.size(); ++e) g.m[e] = r.skeleton.adjacent[e] != 0 ? kTail : 0;
  orient_colliders(g, r.skeleton, test, options.uc_priority == -1 ? 3 : options.uc_priority);
  meek(g);
  r.graph = std::move(g.m);
  return r;
}

}  // namespace scmforge::causal
