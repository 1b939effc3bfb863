// src/causal/skeleton.cpp: PC's adjacency search, level by level.
#include "scmforge/causal/skeleton.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <utility>

#include "scmforge/core/error.hpp"
#include "scmforge/core/parallel.hpp"
#include "subsets.hpp"

namespace scmforge::causal {
namespace {

std::vector<int> neighbours(const Skeleton& g, int x) {
  std::vector<int> out;
  for (int y = 0; y < g.d; ++y)
    if (g.has_edge(x, y)) out.push_back(y);
  return out;
}

int max_degree(const Skeleton& g) {
  int best = 0;
  for (int x = 0; x < g.d; ++x) best = std::max(best, static_cast<int>(neighbours(g, x).size()));
  return best;
}

void remove_edge(Skeleton& g, int x, int y) {
  const auto d = static_cast<std::size_t>(g.d);
  const auto xs = static_cast<std::size_t>(x), ys = static_cast<std::size_t>(y);
  g.adjacent[xs * d + ys] = 0;
  g.adjacent[ys * d + xs] = 0;
}

}  // namespace

CiTest cached(CiTest test) {
  // (x, y, S) and (y, x, S) usually come close together, so a bounded direct-mapped table is
  // enough: a slot holds one key and its p-value, a new key evicts the old one. Memory stays
  // fixed (kSlots entries) however many tests the search runs; eviction costs only a repeat.
  constexpr std::size_t kSlots = std::size_t{1} << 18;
  struct Slot {
    std::vector<int> key;
    double value = 0.0;
  };
  struct Cache {
    std::mutex mutex;
    std::vector<Slot> slots = std::vector<Slot>(kSlots);
  };
  auto cache = std::make_shared<Cache>();
  return [cache, test = std::move(test)](int x, int y, const std::vector<int>& s) {
    std::vector<int> key{std::min(x, y), std::max(x, y)};
    key.insert(key.end(), s.begin(), s.end());
    std::sort(key.begin() + 2, key.end());
    std::size_t h = 1469598103934665603ULL;
    for (const int v : key) h = (h ^ static_cast<std::size_t>(v)) * 1099511628211ULL;
    Slot& slot = cache->slots[h & (kSlots - 1)];
    {
      const std::lock_guard<std::mutex> lock(cache->mutex);
      if (slot.key == key) return slot.value;
    }
    const double p = test(x, y, s);
    const std::lock_guard<std::mutex> lock(cache->mutex);
    slot.key = std::move(key);
    slot.value = p;
    return p;
  };
}

SeparatingSets::SeparatingSets(int d, CiTest test, double alpha)
    : d_(d),
      test_(std::move(test)),
      alpha_(alpha),
      level_(static_cast<std::size_t>(d) * static_cast<std::size_t>(d), kNone) {}

void SeparatingSets::set(int x, int y, std::vector<int> s) {
  level_[index(x, y)] = kExplicit;
  explicit_[index(x, y)] = std::move(s);
}

void SeparatingSets::set_lazy(int x, int y, int level) {
  level_[index(x, y)] = static_cast<std::int16_t>(level);
  level_[index(y, x)] = static_cast<std::int16_t>(level);
}

void SeparatingSets::freeze(int level, std::vector<std::vector<int>> adjacency) {
  if (frozen_.size() <= static_cast<std::size_t>(level))
    frozen_.resize(static_cast<std::size_t>(level) + 1);
  frozen_[static_cast<std::size_t>(level)] = std::move(adjacency);
}

bool SeparatingSets::side_contains(int level, int x, int y, int v) const {
  const std::vector<int>& adj =
      frozen_[static_cast<std::size_t>(level)][static_cast<std::size_t>(x)];
  if (!std::binary_search(adj.begin(), adj.end(), v)) return false;
  std::vector<int> rest;
  for (const int u : adj)
    if (u != y && u != v) rest.push_back(u);
  bool found = false;
  std::vector<int> s;
  for_each_subset(rest, level - 1, [&](const std::vector<int>& t) {
    s = t;
    s.insert(std::lower_bound(s.begin(), s.end(), v), v);  // sorted, as the search made it
    ++tests_;
    found = test_(x, y, s) > alpha_;
    return !found;
  });
  return found;
}

void SeparatingSets::side_union(int level, int x, int y, std::vector<int>& out) const {
  std::vector<int> rest;
  for (const int u : frozen_[static_cast<std::size_t>(level)][static_cast<std::size_t>(x)])
    if (u != y) rest.push_back(u);
  for_each_subset(rest, level, [&](const std::vector<int>& s) {
    ++tests_;
    if (test_(x, y, s) > alpha_) out.insert(out.end(), s.begin(), s.end());
    return true;
  });
}

bool SeparatingSets::contains(int x, int y, int v) const {
  const std::int16_t level = level_[index(x, y)];
  if (level == kNone || level == 0 || v == x || v == y) return false;
  if (level == kExplicit) {
    const std::vector<int>& s = explicit_.at(index(x, y));
    return std::find(s.begin(), s.end(), v) != s.end();
  }
  const auto key = static_cast<std::uint64_t>(index(std::min(x, y), std::max(x, y))) *
                       static_cast<std::uint64_t>(d_) +
                   static_cast<std::uint64_t>(v);
  if (const auto it = answers_.find(key); it != answers_.end()) return it->second;
  const bool in = side_contains(level, x, y, v) || side_contains(level, y, x, v);
  answers_.emplace(key, in);
  return in;
}

std::optional<std::vector<int>> SeparatingSets::get(int x, int y) const {
  const std::int16_t level = level_[index(x, y)];
  if (level == kNone) return std::nullopt;
  if (level == kExplicit) return explicit_.at(index(x, y));
  std::vector<int> out;
  if (level > 0) {
    side_union(level, x, y, out);
    side_union(level, y, x, out);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Skeleton find_skeleton(int d, const CiTest& test, const SkeletonOptions& o) {
  SCMFORGE_CHECK(o.alpha > 0.0 && o.alpha < 1.0, InvalidInput, "alpha must be in (0, 1), got {}",
                 o.alpha);
  SCMFORGE_CHECK(d >= 2, InvalidInput, "causal discovery needs at least 2 variables, got {}", d);
  SCMFORGE_CHECK(o.time_limit >= 0.0, InvalidInput, "time_limit must be >= 0 seconds, got {}",
                 o.time_limit);
  o.knowledge.validate(d);
  Skeleton g;
  g.d = d;
  const auto dd = static_cast<std::size_t>(d);
  g.adjacent.assign(dd * dd, 1);
  for (std::size_t i = 0; i < dd; ++i) g.adjacent[i * dd + i] = 0;
  g.sepsets = SeparatingSets(d, test, o.alpha);
  // An edge forbidden both ways goes with an empty separating set, as causal-learn removes it
  // at level 0.
  for (int x = 0; x < d; ++x)
    for (int y = x + 1; y < d; ++y)
      if (o.knowledge.forbids(x, y) && o.knowledge.forbids(y, x)) {
        remove_edge(g, x, y);
        g.sepsets.set_lazy(x, y, 0);
      }
  const auto start = std::chrono::steady_clock::now();
  // Before each variable: progress, then the time limit (a clear stop, naming the level).
  const auto checkpoint = [&](int level, int x) {
    if (o.progress) o.progress(level, x, d);
    if (o.time_limit <= 0.0) return;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    SCMFORGE_CHECK(seconds <= o.time_limit, InvalidInput,
                   "time limit of {} s reached during level {} of the adjacency search "
                   "(conditioning sets of size {}; at most {} neighbours left); raise time_limit, "
                   "lower max_depth or alpha",
                   o.time_limit, level, level, max_degree(g));
  };
  for (int level = 0; max_degree(g) - 1 >= level; ++level) {
    if (o.max_depth >= 0 && level > o.max_depth) break;
    g.depth_reached = level;
    if (!o.stable) {
      for (int x = 0; x < d; ++x) {
        checkpoint(level, x);
        const std::vector<int> adj = neighbours(g, x);
        if (static_cast<int>(adj.size()) < level - 1) continue;
        for (const int y : adj) {
          if (!g.has_edge(x, y)) continue;
          std::vector<int> rest;
          for (const int v : neighbours(g, x))
            if (v != y) rest.push_back(v);
          for_each_subset(rest, level, [&](const std::vector<int>& s) {
            ++g.tests;
            if (test(x, y, s) > o.alpha) {
              std::vector<int> sorted = s;
              std::sort(sorted.begin(), sorted.end());
              remove_edge(g, x, y);
              g.sepsets.set(x, y, sorted);
              g.sepsets.set(y, x, std::move(sorted));
              return false;
            }
            return true;
          });
        }
      }
      continue;
    }
    std::vector<std::vector<int>> adjacency(dd);
    for (int x = 0; x < d; ++x) adjacency[static_cast<std::size_t>(x)] = neighbours(g, x);
    std::vector<std::vector<int>> separated(dd);
    std::vector<std::int64_t> counts(dd, 0);
    parallel_for(d, o.threads, [&](std::int64_t xi) {
      const int x = static_cast<int>(xi);
      const auto xs = static_cast<std::size_t>(x);
      checkpoint(level, x);
      const std::vector<int>& adj = adjacency[xs];
      if (static_cast<int>(adj.size()) < level - 1) return;  // causal-learn's guard
      // Every l-subset S of adj(x), in lexicographic order, against each y of adj(x) \ S not
      // yet separated: y meets the subsets of adj(x) \ {y} in their lexicographic order, so it
      // stops at the same first separating set as a loop over y then S would.
      std::vector<std::uint8_t> done(adj.size(), 0);
      std::vector<int> ys;
      std::vector<std::size_t> at;
      std::vector<std::uint8_t> independent;
      std::size_t open = adj.size();
      for_each_subset(adj, level, [&](const std::vector<int>& s) {
        ys.clear();
        at.clear();
        for (std::size_t i = 0; i < adj.size(); ++i)
          if (done[i] == 0 && !std::binary_search(s.begin(), s.end(), adj[i])) {
            ys.push_back(adj[i]);
            at.push_back(i);
          }
        if (ys.empty()) return true;
        independent.resize(ys.size());
        counts[xs] += static_cast<std::int64_t>(ys.size());
        if (o.batch_test) {
          o.batch_test(x, s, ys, independent);
        } else {
          for (std::size_t i = 0; i < ys.size(); ++i)
            independent[i] = test(x, ys[i], s) > o.alpha ? 1 : 0;
        }
        for (std::size_t i = 0; i < ys.size(); ++i)
          if (independent[i] != 0) {
            done[at[i]] = 1;
            separated[xs].push_back(ys[i]);
            --open;
          }
        return open > 0;
      });
      std::sort(separated[xs].begin(), separated[xs].end());
    });
    for (std::size_t x = 0; x < dd; ++x) {
      g.tests += counts[x];
      for (const int y : separated[x]) {
        remove_edge(g, static_cast<int>(x), y);
        g.sepsets.set_lazy(static_cast<int>(x), y, level);
      }
    }
    if (level > 0) g.sepsets.freeze(level, std::move(adjacency));
  }
  return g;
}

}  // namespace scmforge::causal
