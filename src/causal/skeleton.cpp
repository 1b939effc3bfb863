// src/causal/skeleton.cpp: PC's adjacency search, level by level.
#include "scmforge/causal/skeleton.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>

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

void remove_edge(Skeleton& g, int x, int y, const std::vector<int>& sepset) {
  const auto d = static_cast<std::size_t>(g.d);
  const auto xs = static_cast<std::size_t>(x), ys = static_cast<std::size_t>(y);
  g.adjacent[xs * d + ys] = 0;
  g.adjacent[ys * d + xs] = 0;
  g.sepset[xs * d + ys] = sepset;
  g.sepset[ys * d + xs] = sepset;
}

struct Removal {
  int y;
  std::vector<int> sepset;
};

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

Skeleton find_skeleton(int d, const CiTest& test, const SkeletonOptions& o) {
  SCMFORGE_CHECK(o.alpha > 0.0 && o.alpha < 1.0, InvalidInput, "alpha must be in (0, 1), got {}",
                 o.alpha);
  SCMFORGE_CHECK(d >= 2, InvalidInput, "causal discovery needs at least 2 variables, got {}", d);
  Skeleton g;
  g.d = d;
  const auto dd = static_cast<std::size_t>(d);
  g.adjacent.assign(dd * dd, 1);
  for (std::size_t i = 0; i < dd; ++i) g.adjacent[i * dd + i] = 0;
  g.sepset.assign(dd * dd, std::nullopt);
  SCMFORGE_CHECK(o.time_limit >= 0.0, InvalidInput, "time_limit must be >= 0 seconds, got {}",
                 o.time_limit);
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
              remove_edge(g, x, y, sorted);
              return false;
            }
            return true;
          });
        }
      }
      continue;
    }
    std::vector<std::vector<Removal>> found(dd);
    std::vector<std::int64_t> counts(dd, 0);
    parallel_for(d, o.threads, [&](std::int64_t xi) {
      const int x = static_cast<int>(xi);
      const auto xs = static_cast<std::size_t>(x);
      checkpoint(level, x);
      const std::vector<int> adj = neighbours(g, x);
      if (static_cast<int>(adj.size()) < level - 1) return;  // causal-learn's guard
      for (const int y : adj) {
        std::vector<int> rest;
        for (const int v : adj)
          if (v != y) rest.push_back(v);
        std::set<int> united;
        bool separated = false;
        for_each_subset(rest, level, [&](const std::vector<int>& s) {
          ++counts[xs];
          if (test(x, y, s) > o.alpha) {
            separated = true;
            united.insert(s.begin(), s.end());
          }
          return true;
        });
        if (separated) found[xs].push_back({y, std::vector<int>(united.begin(), united.end())});
      }
    });
    // When both (x, y) and (y, x) were separated, the record is the union of both sides' sets
    // (causal-learn appends both, and orientation reads them together).
    for (std::size_t x = 0; x < dd; ++x) {
      g.tests += counts[x];
      for (const Removal& r : found[x]) {
        std::vector<int> merged = r.sepset;
        if (const auto& earlier = g.sepset[x * dd + static_cast<std::size_t>(r.y)]) {
          merged.insert(merged.end(), earlier->begin(), earlier->end());
          std::sort(merged.begin(), merged.end());
          merged.erase(std::unique(merged.begin(), merged.end()), merged.end());
        }
        remove_edge(g, static_cast<int>(x), r.y, merged);
      }
    }
  }
  return g;
}

}  // namespace scmforge::causal
