// src/causal/fci.cpp: FCI in causal-learn's order (fci.hpp lists the steps).
#include "scmforge/causal/fci.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <utility>

#include "scmforge/core/error.hpp"
#include "subsets.hpp"

namespace scmforge::causal {
namespace {

constexpr std::int8_t kNone = 0;
constexpr std::int8_t kTail = -1;
constexpr std::int8_t kArrow = 1;
constexpr std::int8_t kCircle = 2;

// The partial ancestral graph being built. at(x, y) is the mark at x of the edge x - y.
class Pag {
 public:
  explicit Pag(int d) : d_(d), m_(static_cast<std::size_t>(d) * static_cast<std::size_t>(d)) {}

  [[nodiscard]] int d() const { return d_; }
  [[nodiscard]] std::int8_t at(int x, int y) const { return m_[index(x, y)]; }
  [[nodiscard]] bool adjacent(int x, int y) const { return at(x, y) != kNone; }
  void set(int x, int y, std::int8_t mark_x, std::int8_t mark_y) {
    m_[index(x, y)] = mark_x;
    m_[index(y, x)] = mark_y;
  }
  void set_mark(int x, int y, std::int8_t mark_x) { m_[index(x, y)] = mark_x; }
  void remove(int x, int y) { set(x, y, kNone, kNone); }
  void all_circles() {
    for (auto& v : m_)
      if (v != kNone) v = kCircle;
  }
  [[nodiscard]] std::vector<int> adjacents(int x) const {
    std::vector<int> out;
    for (int y = 0; y < d_; ++y)
      if (adjacent(x, y)) out.push_back(y);
    return out;
  }
  /// Nodes y whose edge y - x has `mark` at x (causal-learn's get_nodes_into).
  [[nodiscard]] std::vector<int> into(int x, std::int8_t mark) const {
    std::vector<int> out;
    for (int y = 0; y < d_; ++y)
      if (at(x, y) == mark) out.push_back(y);
    return out;
  }
  /// x -> y.
  [[nodiscard]] bool parent(int x, int y) const { return at(x, y) == kTail && at(y, x) == kArrow; }
  /// a *-> b <-* c.
  [[nodiscard]] bool collider(int a, int b, int c) const {
    return adjacent(a, b) && adjacent(b, c) && at(b, a) == kArrow && at(b, c) == kArrow;
  }
  /// No arrowhead may go at y of x *-* y when its mark there is a tail (no background knowledge).
  [[nodiscard]] bool arrow_allowed(int x, int y) const { return at(y, x) != kTail; }

  /// A path from `from` to `to` along edges without an arrowhead at the near end
  /// (causal-learn's existsSemiDirectedPath: breadth first, `from` itself not marked visited).
  [[nodiscard]] bool semi_directed_path(int from, int to) const {
    std::vector<std::uint8_t> seen(static_cast<std::size_t>(d_), 0);
    std::deque<int> queue;
    const auto expand = [&](int t) {
      for (int u = 0; u < d_; ++u) {
        const std::int8_t near = at(t, u);
        if ((near == kTail || near == kCircle) && seen[static_cast<std::size_t>(u)] == 0) {
          seen[static_cast<std::size_t>(u)] = 1;
          queue.push_back(u);
        }
      }
    };
    expand(from);
    while (!queue.empty()) {
      const int t = queue.front();
      queue.pop_front();
      if (t == to) return true;
      expand(t);
    }
    return false;
  }

  /// No two nodes two apart on `path` are adjacent.
  [[nodiscard]] bool uncovered(const std::vector<int>& path) const {
    for (std::size_t i = 0; i + 2 < path.size(); ++i)
      if (adjacent(path[i], path[i + 2])) return false;
    return true;
  }

 private:
  [[nodiscard]] std::size_t index(int x, int y) const {
    return static_cast<std::size_t>(x) * static_cast<std::size_t>(d_) + static_cast<std::size_t>(y);
  }
  int d_;
  std::vector<std::int8_t> m_;
};

struct Run {
  Pag g;
  SeparatingSets& sepsets;
  const CiTest& test;
  double alpha;
  double time_limit;
  std::chrono::steady_clock::time_point start;
  std::int64_t tests = 0;
  // (a, b), a < b: 1 when causal-learn's edge object names b first (R0 re-created it as b *-> a).
  std::vector<std::uint8_t> node1;

  [[nodiscard]] bool has_sepset(int x, int y) const { return sepsets.recorded(x, y); }
  [[nodiscard]] bool in_sepset(int x, int y, int z) const { return sepsets.contains(x, y, z); }
  void check_time(const char* step) const {
    if (time_limit <= 0.0) return;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    SCMFORGE_CHECK(seconds <= time_limit, InvalidInput,
                   "FCI stopped after {:.1f} s (time_limit {} s) in the {}; raise time_limit, "
                   "lower max_depth, or use pc",
                   seconds, time_limit, step);
  }
  bool independent(int x, int y, const std::vector<int>& s) {
    check_time("possible-d-separation / discriminating-path tests");
    ++tests;
    return test(x, y, s) > alpha;
  }
};

// R0: unshielded a *-* b *-* c with b outside sepset(a, c) (a < c, as causal-learn asks).
void rule0(Run& r) {
  Pag& g = r.g;
  g.all_circles();
  for (int b = 0; b < g.d(); ++b) {
    const std::vector<int> adj = g.adjacents(b);
    for (std::size_t i = 0; i < adj.size(); ++i) {
      for (std::size_t j = i + 1; j < adj.size(); ++j) {
        const int a = adj[i], c = adj[j];
        if (g.adjacent(a, c) || g.collider(a, b, c)) continue;
        if (!r.has_sepset(a, c) || r.in_sepset(a, c, b)) continue;
        if (!g.arrow_allowed(a, b) || !g.arrow_allowed(c, b)) continue;
        g.set_mark(b, a, kArrow);
        g.set_mark(b, c, kArrow);
        r.node1[static_cast<std::size_t>(std::min(a, b)) * static_cast<std::size_t>(g.d()) +
                static_cast<std::size_t>(std::max(a, b))] = static_cast<std::uint8_t>(a > b);
        r.node1[static_cast<std::size_t>(std::min(c, b)) * static_cast<std::size_t>(g.d()) +
                static_cast<std::size_t>(std::max(c, b))] = static_cast<std::uint8_t>(c > b);
      }
    }
  }
}

// Is there, among the nodes recorded as reaching w, one (other than b and x) with a semi-directed
// path to x or to b? (causal-learn's existOnePathWithPossibleParents, called with w = b.)
bool possible_parent_path(const Pag& g, const std::vector<std::vector<std::uint8_t>>& previous,
                          const std::vector<std::uint8_t>& has_previous, int w, int x, int b) {
  if (w == x) return true;
  if (has_previous[static_cast<std::size_t>(w)] == 0) return false;
  for (int r = 0; r < g.d(); ++r) {
    if (previous[static_cast<std::size_t>(w)][static_cast<std::size_t>(r)] == 0) continue;
    if (r == b || r == x) continue;
    if (g.semi_directed_path(r, x) || g.semi_directed_path(r, b)) return true;
  }
  return false;
}

// Possible-D-Sep(x, y) as causal-learn's getPossibleDsep computes it: a breadth-first search over
// pairs that starts from x's neighbours (y excluded). Its queue holds pairs (x, c) (causal-learn
// enqueues (a, c) for a popped (a, b), so the first member stays x): from (x, b) it goes on to a
// neighbour c of b when x *-> b <-* c or x and c are adjacent. The result is sorted as
// causal-learn sorts its nodes, by the default names "X1".."Xd" as strings, descending.
std::vector<int> possible_dsep(const Pag& g, int x, int y) {
  const int d = g.d();
  const auto du = static_cast<std::size_t>(d);
  std::vector<std::uint8_t> dsep(du, 0);
  std::vector<std::vector<std::uint8_t>> previous(du, std::vector<std::uint8_t>(du, 0));
  std::vector<std::uint8_t> has_previous(du, 0);
  has_previous[static_cast<std::size_t>(x)] = 1;
  std::vector<std::uint8_t> queued(du * du, 0);
  std::deque<std::pair<int, int>> queue;
  const auto push = [&](int a, int c) {
    auto& q = queued[static_cast<std::size_t>(a) * du + static_cast<std::size_t>(c)];
    if (q != 0) return;
    q = 1;
    queue.emplace_back(a, c);
  };
  for (int b : g.adjacents(x)) {
    if (b == y) continue;
    push(x, b);
    previous[static_cast<std::size_t>(x)][static_cast<std::size_t>(b)] = 1;
    dsep[static_cast<std::size_t>(b)] = 1;
  }
  while (!queue.empty()) {
    const auto [a, b] = queue.front();
    queue.pop_front();
    if (possible_parent_path(g, previous, has_previous, b, x, b))
      dsep[static_cast<std::size_t>(b)] = 1;
    for (int c : g.adjacents(b)) {
      if (c == a || c == x || c == y) continue;
      previous[static_cast<std::size_t>(c)][static_cast<std::size_t>(b)] = 1;
      has_previous[static_cast<std::size_t>(c)] = 1;
      if (g.collider(a, b, c) || g.adjacent(a, c)) push(a, c);
    }
  }
  dsep[static_cast<std::size_t>(x)] = 0;
  dsep[static_cast<std::size_t>(y)] = 0;
  // "X" + a against "X" + b compares as a against b.
  std::vector<std::pair<std::string, int>> named;
  for (int v = 0; v < d; ++v)
    if (dsep[static_cast<std::size_t>(v)] != 0) named.emplace_back(std::to_string(v + 1), v);
  std::sort(named.begin(), named.end(), [](const auto& u, const auto& v) { return u > v; });
  std::vector<int> out;
  for (const auto& entry : named) out.push_back(entry.second);
  return out;
}

bool subset_of(const std::vector<int>& s, const std::vector<std::uint8_t>& members) {
  return std::all_of(s.begin(), s.end(),
                     [&](int v) { return members[static_cast<std::size_t>(v)] != 0; });
}

// Tests a _||_ b given each subset (size >= 2, not inside adj(a) or adj(b)) of pdsep, by size,
// then lexicographically; the separating set found, if any. causal-learn skips the first subset
// of every size that has more than one: its loop keeps a reference to the generator's list, which
// the next call advances in place before the subset is read (the last of a size is then read
// twice, which changes nothing). We skip the same subsets, or the edges removed differ (bnlearn
// barley).
std::optional<std::vector<int>> search_possible_dsep(Run& r, int a, int b,
                                                     const std::vector<int>& pdsep) {
  const auto du = static_cast<std::size_t>(r.g.d());
  std::vector<std::uint8_t> adj_a(du, 0), adj_b(du, 0);
  for (int v : r.g.adjacents(a)) adj_a[static_cast<std::size_t>(v)] = 1;
  for (int v : r.g.adjacents(b)) adj_b[static_cast<std::size_t>(v)] = 1;
  std::optional<std::vector<int>> found;
  const int m = static_cast<int>(pdsep.size());
  for (int k = 2; k <= m && !found; ++k) {
    bool first = k < m;
    for_each_subset(pdsep, k, [&](const std::vector<int>& s) {
      if (first) {
        first = false;
        return true;
      }
      if (subset_of(s, adj_a) || subset_of(s, adj_b)) return true;
      if (!r.independent(a, b, s)) return true;
      found = s;
      return false;
    });
  }
  return found;
}

std::int64_t remove_by_possible_dsep(Run& r) {
  Pag& g = r.g;
  std::vector<std::pair<int, int>> edges;
  for (int a = 0; a < g.d(); ++a)
    for (int b = a + 1; b < g.d(); ++b)
      if (g.adjacent(a, b)) edges.emplace_back(a, b);
  std::int64_t removed = 0;
  for (const auto& [first, second] : edges) {
    // causal-learn's edge object names R0's tail end first (R0 re-creates the edges it orients
    // as parent *-> collider); that end is searched from first and keys the separating set.
    const bool swap = r.node1[static_cast<std::size_t>(first) * static_cast<std::size_t>(g.d()) +
                              static_cast<std::size_t>(second)] != 0;
    const int a = swap ? second : first, b = swap ? first : second;
    auto s = search_possible_dsep(r, a, b, possible_dsep(g, a, b));
    if (!s) s = search_possible_dsep(r, a, b, possible_dsep(g, b, a));
    if (!s) continue;
    g.remove(a, b);
    std::sort(s->begin(), s->end());
    // Only (a, b), as causal-learn records it; lookups in the other order miss it.
    r.sepsets.set(a, b, std::move(*s));
    ++removed;
  }
  return removed;
}

// R1: a *-> b o-* c, a and c not adjacent => b -> c.
bool rule1(Pag& g, int a, int b, int c) {
  if (g.adjacent(a, c)) return false;
  if (g.at(b, a) != kArrow || g.at(b, c) != kCircle) return false;
  if (!g.arrow_allowed(b, c)) return false;
  g.set(c, b, kArrow, kTail);
  return true;
}

// R2: a -> b *-> c or a *-> b -> c, and a *-o c => a *-> c.
bool rule2(Pag& g, int a, int b, int c) {
  if (!g.adjacent(a, c) || g.at(c, a) != kCircle) return false;
  if (g.at(b, a) != kArrow || g.at(c, b) != kArrow) return false;
  if (g.at(a, b) != kTail && g.at(b, c) != kTail) return false;
  if (!g.arrow_allowed(a, c)) return false;
  g.set_mark(c, a, kArrow);
  return true;
}

bool rules_r1_r2(Pag& g) {
  bool changed = false;
  for (int b = 0; b < g.d(); ++b) {
    const std::vector<int> adj = g.adjacents(b);
    for (std::size_t i = 0; i < adj.size(); ++i) {
      for (std::size_t j = i + 1; j < adj.size(); ++j) {
        const int a = adj[i], c = adj[j];
        changed = rule1(g, a, b, c) || changed;
        changed = rule1(g, c, b, a) || changed;
        changed = rule2(g, a, b, c) || changed;
        changed = rule2(g, c, b, a) || changed;
      }
    }
  }
  return changed;
}

// R3: a *-> b <-* c, a *-o d o-* c, a and c not adjacent, d *-o b, d in sepset(a, c)
// => d *-> b.
bool rule3(Run& r) {
  Pag& g = r.g;
  bool changed = false;
  for (int b = 0; b < g.d(); ++b) {
    const std::vector<int> arrows = g.into(b, kArrow);
    const std::vector<int> circles = g.into(b, kCircle);
    if (arrows.size() < 2) continue;
    for (int dn : circles) {
      for (std::size_t i = 0; i < arrows.size(); ++i) {
        for (std::size_t j = i + 1; j < arrows.size(); ++j) {
          const int a = arrows[i], c = arrows[j];
          if (g.adjacent(a, c) || !g.adjacent(a, dn) || !g.adjacent(c, dn)) continue;
          if (!r.in_sepset(a, c, dn)) continue;
          if (g.at(dn, a) != kCircle || g.at(dn, c) != kCircle) continue;
          if (!g.arrow_allowed(dn, b)) continue;
          g.set_mark(b, dn, kArrow);
          changed = true;
        }
      }
    }
  }
  return changed;
}

// The discriminating path found by ddp_orient, ending at dn: its inner nodes back to b.
std::vector<int> ddp_path(const std::vector<int>& previous, int dn) {
  std::vector<int> path;
  for (int p = previous[static_cast<std::size_t>(dn)]; p >= 0;
       p = previous[static_cast<std::size_t>(p)])
    path.push_back(p);
  return path;
}

// R4 on a discriminating path for b from dn: b -> c if dn and c are independent given the path
// (or, failing both tests, b is in their sepset), else a <-> b <-> c.
bool ddp_orientation(Run& r, int dn, int a, int b, int c, const std::vector<int>& previous,
                     bool& changed) {
  Pag& g = r.g;
  const std::vector<int> path = ddp_path(previous, dn);
  bool ind = r.independent(dn, c, path);
  std::vector<int> path2 = path;
  path2.erase(std::find(path2.begin(), path2.end(), b));
  const bool ind2 = r.independent(dn, c, path2);
  if (!ind && !ind2) {
    if (!r.has_sepset(dn, c)) return false;
    ind = r.in_sepset(dn, c, b);
  }
  if (ind) {
    g.set_mark(b, c, kTail);
    changed = true;
    return true;
  }
  if (!g.arrow_allowed(a, b) || !g.arrow_allowed(c, b)) return false;
  g.set_mark(b, a, kArrow);
  g.set_mark(b, c, kArrow);
  changed = true;
  return true;
}

// Searches back from a for a discriminating path for b (causal-learn's ddpOrient): breadth first
// over colliders that are parents of c.
void ddp_orient(Run& r, int a, int b, int c, bool& changed) {
  Pag& g = r.g;
  const auto du = static_cast<std::size_t>(g.d());
  std::vector<std::uint8_t> parent_of_c(du, 0);
  for (int v = 0; v < g.d(); ++v)
    if (g.parent(v, c)) parent_of_c[static_cast<std::size_t>(v)] = 1;
  std::vector<std::uint8_t> seen(du, 0);
  std::vector<int> previous(du, -1);
  std::deque<int> queue{a};
  seen[static_cast<std::size_t>(a)] = 1;
  seen[static_cast<std::size_t>(b)] = 1;
  previous[static_cast<std::size_t>(a)] = b;
  while (!queue.empty()) {
    const int t = queue.front();
    queue.pop_front();
    for (int dn : g.into(t, kArrow)) {
      if (seen[static_cast<std::size_t>(dn)] != 0) continue;
      previous[static_cast<std::size_t>(dn)] = t;
      if (!g.collider(dn, t, previous[static_cast<std::size_t>(t)])) continue;
      if (!g.adjacent(dn, c) && dn != c && ddp_orientation(r, dn, a, b, c, previous, changed))
        return;
      if (parent_of_c[static_cast<std::size_t>(dn)] != 0) {
        queue.push_back(dn);
        seen[static_cast<std::size_t>(dn)] = 1;
      }
    }
  }
}

bool rule4(Run& r) {
  Pag& g = r.g;
  bool changed = false;
  for (int b = 0; b < g.d(); ++b) {
    std::vector<int> poss_a;  // b *-> a
    for (int v = 0; v < g.d(); ++v)
      if (g.adjacent(v, b) && g.at(v, b) == kArrow) poss_a.push_back(v);
    const std::vector<int> poss_c = g.into(b, kCircle);
    for (int a : poss_a) {
      for (int c : poss_c) {
        if (!g.parent(a, c) || g.at(c, b) != kArrow) continue;
        ddp_orient(r, a, b, c, changed);
      }
    }
  }
  return changed;
}

// Breadth-first search for uncovered circle paths from `from` to `to` avoiding `excluded`
// (causal-learn's GetUncoveredCirclePath); `found` runs on each path as the search meets it and
// may change the graph, which the rest of the search then sees.
template <typename Found>
void uncovered_circle_paths(const Pag& g, int from, int to, int ex1, int ex2, Found&& found) {
  std::vector<std::uint8_t> seen(static_cast<std::size_t>(g.d()), 0);
  std::deque<std::pair<int, std::vector<int>>> queue;
  const auto expand = [&](int t, const std::vector<int>& path) {
    for (int u = 0; u < g.d(); ++u) {
      if (!g.adjacent(t, u) || u == ex1 || u == ex2) continue;
      if (g.at(t, u) != kCircle || g.at(u, t) != kCircle) continue;
      if (seen[static_cast<std::size_t>(u)] != 0) continue;
      seen[static_cast<std::size_t>(u)] = 1;
      std::vector<int> next = path;
      next.push_back(u);
      queue.emplace_back(u, std::move(next));
    }
  };
  expand(from, {from});
  while (!queue.empty()) {
    auto [t, path] = std::move(queue.front());
    queue.pop_front();
    if (t == to && g.uncovered(path)) found(path);
    expand(t, path);
  }
}

// R5: a o-o b with an uncovered circle path a o-o c ... dn o-o b (c not adjacent to b, dn not
// adjacent to a) => every edge of the cycle becomes a --- b.
bool rule5(Pag& g) {
  bool changed = false;
  for (int b = 0; b < g.d(); ++b) {
    for (int a : g.into(b, kCircle)) {
      if (g.at(a, b) != kCircle) continue;
      const auto circle_neighbours = [&](int v) {
        std::vector<int> out;
        for (int u : g.adjacents(v))
          if (u != a && u != b && g.at(v, u) == kCircle && g.at(u, v) == kCircle) out.push_back(u);
        return out;
      };
      const std::vector<int> from_a = circle_neighbours(a);
      const std::vector<int> from_b = circle_neighbours(b);
      std::vector<std::pair<int, int>> ends;
      for (int c : from_a) {
        if (g.adjacent(b, c)) continue;
        for (int dn : from_b)
          if (!g.adjacent(a, dn)) ends.emplace_back(c, dn);
      }
      for (const auto& [c, dn] : ends) {
        uncovered_circle_paths(g, c, dn, a, b, [&](const std::vector<int>& path) {
          changed = true;
          g.set(a, b, kTail, kTail);
          g.set(a, path.front(), kTail, kTail);
          g.set(b, path.back(), kTail, kTail);
          for (std::size_t i = 0; i + 1 < path.size(); ++i)
            g.set(path[i], path[i + 1], kTail, kTail);
        });
      }
    }
  }
  return changed;
}

// R6: a --- b o-* c => b --* c.
bool rule6(Pag& g) {
  bool changed = false;
  for (int b = 0; b < g.d(); ++b) {
    bool undirected = false;
    for (int a : g.into(b, kTail)) undirected = undirected || g.at(a, b) == kTail;
    if (!undirected) continue;
    for (int c : g.into(b, kCircle)) {
      g.set_mark(b, c, kTail);
      changed = true;
    }
  }
  return changed;
}

// R7: a --o b o-* c, a and c not adjacent => b --* c.
bool rule7(Pag& g) {
  bool changed = false;
  for (int b = 0; b < g.d(); ++b) {
    const std::vector<int> circles = g.into(b, kCircle);
    std::vector<int> tails;  // a --o b
    for (int a : circles)
      if (g.at(a, b) == kTail) tails.push_back(a);
    for (int c : circles) {
      for (int a : tails) {
        if (a == c || g.adjacent(a, c)) continue;
        g.set_mark(b, c, kTail);
        changed = true;
      }
    }
  }
  return changed;
}

// R8: a -> b -> c or a -o b -> c, and a o-> c => a -> c (a < c, as causal-learn checks it).
bool rule8(Pag& g) {
  bool changed = false;
  for (int b = 0; b < g.d(); ++b) {
    const std::vector<int> adj = g.adjacents(b);
    for (std::size_t i = 0; i < adj.size(); ++i) {
      for (std::size_t j = i + 1; j < adj.size(); ++j) {
        const int a = adj[i], c = adj[j];
        const bool first = g.at(b, a) == kArrow || g.at(b, a) == kCircle;
        if (first && g.at(a, b) == kTail && g.parent(b, c) && g.adjacent(a, c) &&
            g.at(c, a) == kArrow && g.at(a, c) == kCircle) {
          g.set(a, c, kTail, kArrow);
          changed = true;
        }
      }
    }
  }
  return changed;
}

// b is a possible child of a: adjacent, no arrowhead at a.
bool possible_child(const Pag& g, int a, int b) {
  return a != b && g.adjacent(a, b) && g.at(a, b) != kArrow;
}

// An uncovered potentially directed path a, b, ..., c (causal-learn's existsUncoveredPdPath).
bool uncovered_pd_path(const Pag& g, int a, int b, int c) {
  std::vector<std::uint8_t> seen(static_cast<std::size_t>(g.d()), 0);
  seen[static_cast<std::size_t>(a)] = 1;
  seen[static_cast<std::size_t>(b)] = 1;
  std::deque<std::pair<int, std::vector<int>>> queue;
  const auto expand = [&](int t, const std::vector<int>& path) {
    for (int u = 0; u < g.d(); ++u) {
      if (!g.adjacent(t, u)) continue;
      const std::int8_t near = g.at(t, u), far = g.at(u, t);
      if (near != kTail && near != kCircle) continue;
      if (far != kArrow && far != kCircle) continue;
      if (seen[static_cast<std::size_t>(u)] != 0) continue;
      seen[static_cast<std::size_t>(u)] = 1;
      std::vector<int> next = path;
      next.push_back(u);
      queue.emplace_back(u, std::move(next));
    }
  };
  expand(b, {a, b});
  while (!queue.empty()) {
    auto [t, path] = std::move(queue.front());
    queue.pop_front();
    if (t == c && g.uncovered(path)) return true;
    expand(t, path);
  }
  return false;
}

// R9: a o-> c with an uncovered potentially directed path a, b, ..., c, b not adjacent to c
// => a -> c.
bool rule9(Pag& g) {
  bool changed = false;
  for (int c = 0; c < g.d(); ++c) {
    for (int a : g.into(c, kArrow)) {
      if (g.at(a, c) != kCircle) continue;
      for (int b : g.adjacents(a)) {
        if (b == c || !possible_child(g, a, b) || g.adjacent(b, c)) continue;
        if (uncovered_pd_path(g, a, b, c)) {
          g.set(a, c, kTail, kArrow);
          changed = true;
          break;
        }
      }
    }
  }
  return changed;
}

// R10: a o-> c, b -> c <- dn, semi-directed paths from two non-adjacent possible children of a,
// one to b and one to dn => a -> c. Both assignments of the two children are tried.
bool rule10(Pag& g) {
  bool changed = false;
  for (int c = 0; c < g.d(); ++c) {
    const std::vector<int> arrows = g.into(c, kArrow);
    if (arrows.size() < 2) continue;
    std::vector<int> anodes;
    for (int a : arrows)
      if (g.at(a, c) == kCircle) anodes.push_back(a);
    for (int a : anodes) {
      std::vector<int> children;
      for (int v : g.adjacents(a))
        if (v != c && possible_child(g, a, v)) children.push_back(v);
      if (children.size() < 2) continue;
      for (std::size_t i = 0; i < arrows.size(); ++i) {
        for (std::size_t j = i + 1; j < arrows.size(); ++j) {
          const int b = arrows[i], dn = arrows[j];
          if (g.at(b, c) != kTail || g.at(dn, c) != kTail) continue;
          bool found = false;
          for (std::size_t u = 0; u < children.size() && !found; ++u) {
            for (std::size_t v = u + 1; v < children.size() && !found; ++v) {
              const int one = children[u], two = children[v];
              if (g.adjacent(one, two)) continue;
              found = (g.semi_directed_path(one, b) && g.semi_directed_path(two, dn)) ||
                      (g.semi_directed_path(two, b) && g.semi_directed_path(one, dn));
            }
          }
          if (found) {
            g.set(a, c, kTail, kArrow);
            changed = true;
          }
        }
      }
    }
  }
  return changed;
}

}  // namespace

FciResult fci(int d, const CiTest& test, const FciOptions& options) {
  SCMFORGE_CHECK(options.skeleton.stable, InvalidInput,
                 "FCI runs the stable adjacency search only (as causal-learn); drop --original");
  SCMFORGE_CHECK(options.skeleton.knowledge.empty(), InvalidInput,
                 "background knowledge is supported by PC only; run pc, or fci without it");
  const auto start = std::chrono::steady_clock::now();
  FciResult out;
  out.d = d;
  out.skeleton = find_skeleton(d, test, options.skeleton);
  Run r{Pag(d),
        out.skeleton.sepsets,
        test,
        options.skeleton.alpha,
        options.skeleton.time_limit,
        start,
        0,
        std::vector<std::uint8_t>(static_cast<std::size_t>(d) * static_cast<std::size_t>(d), 0)};
  for (int x = 0; x < d; ++x)
    for (int y = 0; y < d; ++y)
      if (x != y && out.skeleton.has_edge(x, y)) r.g.set(x, y, kCircle, kCircle);
  rule0(r);
  out.possible_dsep_removed = remove_by_possible_dsep(r);
  rule0(r);
  for (bool changed = true; changed;) {
    r.check_time("orientation rules");
    changed = rules_r1_r2(r.g);
    changed = rule3(r) || changed;
    if (changed) changed = rule4(r) || changed;
    changed = rule5(r.g) || changed;
    changed = rule6(r.g) || changed;
    changed = rule7(r.g) || changed;
    if (options.complete_rules) {
      changed = rule8(r.g) || changed;
      changed = rule9(r.g) || changed;
      changed = rule10(r.g) || changed;
    }
  }
  out.tests = out.skeleton.tests + r.tests + out.skeleton.sepsets.tests();
  out.graph.resize(static_cast<std::size_t>(d) * static_cast<std::size_t>(d));
  for (int x = 0; x < d; ++x)
    for (int y = 0; y < d; ++y)
      out.graph[static_cast<std::size_t>(x) * static_cast<std::size_t>(d) +
                static_cast<std::size_t>(y)] = r.g.at(x, y);
  return out;
}

}  // namespace scmforge::causal
