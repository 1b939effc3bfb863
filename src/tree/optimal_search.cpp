// src/tree/optimal_search.cpp: the optimal solver's dynamic program (depth-2 solver, cache,
// bounds).
#include "optimal_search.hpp"

#include <algorithm>
#include <bit>
#include <limits>

#include "scmforge/core/error.hpp"

namespace scmforge::tree::detail {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::int64_t kNone = std::numeric_limits<std::int64_t>::max();

std::uint64_t mix(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

// Misclassifications of a leaf holding counts[0..k): size - max.
std::int64_t leaf_errors(const std::int64_t* counts, std::int32_t k) {
  std::int64_t total = 0;
  std::int64_t best = 0;
  for (std::int32_t c = 0; c < k; ++c) {
    total += counts[c];
    best = std::max(best, counts[c]);
  }
  return total - best;
}

// Best split of one child of a depth-2 tree: lowest misclassification, lowest candidate index.
struct ChildBest {
  std::int64_t mis = kNone;
  std::int32_t cand = -1;
  std::int64_t mis_left = 0;
  std::int64_t mis_right = 0;

  void offer(std::int64_t mis_l, std::int64_t mis_r, std::int32_t c) {
    const auto m = mis_l + mis_r;
    if (m < mis || (m == mis && c < cand)) {
      mis = m;
      cand = c;
      mis_left = mis_l;
      mis_right = mis_r;
    }
  }
};

// Inputs and outputs of the depth-2 solver's frequency counting over compact bitsets.
struct PairCounts {
  const std::uint64_t* bits;  // a_count x w: rows left of each active candidate
  const std::uint64_t* cls;   // ku x w: rows of each class
  std::size_t w;
  std::size_t ku;
  std::size_t a_count;
  std::int64_t* single;       // out: a_count x ku class counts left of each candidate
  std::int64_t* size1;        // out: a_count rows left of each candidate
  const std::int64_t* total;  // ku class counts of all rows
  std::int64_t m;
  std::int64_t ml;
  const std::int32_t* active;  // candidate index of each active slot
  ChildBest* best_left;        // out: per root, best split of its left child
  ChildBest* best_right;       // out: per root, best split of its right child
  std::int32_t k;
  bool pairs;  // false: singles only (depth 1)
};

// Offers the pair (a, b) to the four children it can split (see solve_depth2). p: class counts
// of the rows left of both; the other cells follow from the singles and totals.
template <bool kTwo>
inline __attribute__((always_inline)) void offer_pair(const PairCounts& g, std::size_t a,
                                                      std::size_t b, const std::int64_t* p,
                                                      std::int64_t both, std::int64_t* q) {
  const std::size_t ku = g.ku;
  const std::int64_t* sa = g.single + a * ku;
  const std::int64_t* sb = g.single + b * ku;
  const std::int64_t n_ab = both;
  const std::int64_t n_a_nb = g.size1[a] - both;
  const std::int64_t n_na_b = g.size1[b] - both;
  const std::int64_t n_na_nb = g.m - g.size1[a] - g.size1[b] + both;
  std::int64_t e_ab = 0;
  std::int64_t e_a_nb = 0;
  std::int64_t e_na_b = 0;
  std::int64_t e_na_nb = 0;
  if constexpr (kTwo) {
    e_ab = std::min(p[0], p[1]);
    e_a_nb = std::min(sa[0] - p[0], sa[1] - p[1]);
    e_na_b = std::min(sb[0] - p[0], sb[1] - p[1]);
    e_na_nb = std::min(g.total[0] - sa[0] - sb[0] + p[0], g.total[1] - sa[1] - sb[1] + p[1]);
  } else {
    e_ab = leaf_errors(p, g.k);
    for (std::size_t c = 0; c < ku; ++c) {
      q[c] = sa[c] - p[c];
    }
    e_a_nb = leaf_errors(q, g.k);
    for (std::size_t c = 0; c < ku; ++c) {
      q[c] = sb[c] - p[c];
    }
    e_na_b = leaf_errors(q, g.k);
    for (std::size_t c = 0; c < ku; ++c) {
      q[c] = g.total[c] - sa[c] - sb[c] + p[c];
    }
    e_na_nb = leaf_errors(q, g.k);
  }
  const auto ca = g.active[a];
  const auto cb = g.active[b];
  const std::int64_t ml = g.ml;
  if (n_ab >= ml && n_a_nb >= ml) {
    g.best_left[a].offer(e_ab, e_a_nb, cb);
  }
  if (n_na_b >= ml && n_na_nb >= ml) {
    g.best_right[a].offer(e_na_b, e_na_nb, cb);
  }
  if (n_ab >= ml && n_na_b >= ml) {
    g.best_left[b].offer(e_ab, e_na_b, ca);
  }
  if (n_a_nb >= ml && n_na_nb >= ml) {
    g.best_right[b].offer(e_a_nb, e_na_nb, ca);
  }
}

template <bool kTwo>
inline __attribute__((always_inline)) void count_pairs_impl(const PairCounts& g) {
  const std::size_t w = g.w;
  const std::size_t ku = g.ku;
  for (std::size_t a = 0; a < g.a_count; ++a) {
    const std::uint64_t* b = g.bits + a * w;
    for (std::size_t c = 0; c < ku; ++c) {
      const std::uint64_t* cb = g.cls + c * w;
      std::int64_t s = 0;
      for (std::size_t j = 0; j < w; ++j) {
        s += std::popcount(b[j] & cb[j]);
      }
      g.single[a * ku + c] = s;
      g.size1[a] += s;
    }
  }
  if (!g.pairs) {
    return;
  }
  std::vector<std::int64_t> p(ku);
  std::vector<std::int64_t> q(ku);
  const std::uint64_t* c1 = g.cls + w;  // class 1 (kTwo)
  for (std::size_t a = 0; a < g.a_count; ++a) {
    const std::uint64_t* ba = g.bits + a * w;
    for (std::size_t b = a + 1; b < g.a_count; ++b) {
      const std::uint64_t* bb = g.bits + b * w;
      std::int64_t both = 0;
      if constexpr (kTwo) {
        std::int64_t ones = 0;
        for (std::size_t j = 0; j < w; ++j) {
          const std::uint64_t x = ba[j] & bb[j];
          both += std::popcount(x);
          ones += std::popcount(x & c1[j]);
        }
        p[0] = both - ones;
        p[1] = ones;
      } else {
        std::fill(p.begin(), p.end(), 0);
        for (std::size_t j = 0; j < w; ++j) {
          const std::uint64_t x = ba[j] & bb[j];
          both += std::popcount(x);
          for (std::size_t c = 0; c + 1 < ku; ++c) {
            p[c] += std::popcount(x & g.cls[c * w + j]);
          }
        }
        std::int64_t rest = both;
        for (std::size_t c = 0; c + 1 < ku; ++c) {
          rest -= p[c];
        }
        p[ku - 1] = rest;
      }
      offer_pair<kTwo>(g, a, b, p.data(), both, q.data());
    }
  }
}

void count_pairs_default(const PairCounts& g) {
  if (g.ku == 2) {
    count_pairs_impl<true>(g);
  } else {
    count_pairs_impl<false>(g);
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
// The same code compiled with the popcnt instruction (the default x86-64 target lacks it).
__attribute__((target("popcnt"))) void count_pairs_popcnt(const PairCounts& g) {
  if (g.ku == 2) {
    count_pairs_impl<true>(g);
  } else {
    count_pairs_impl<false>(g);
  }
}
#endif

void count_pairs(const PairCounts& g) {
#if defined(__x86_64__) && defined(__GNUC__)
  static const bool has_popcnt = __builtin_cpu_supports("popcnt") != 0;
  if (has_popcnt) {
    count_pairs_popcnt(g);
    return;
  }
#endif
  count_pairs_default(g);
}

// The best of a depth-2 root's four options: 0 both children leaves, 1 left split, 2 right
// split, 3 both split (the first wins ties).
struct RootChoice {
  double value = kInf;
  int option = 0;
  std::int64_t leaf_l = 0;
  std::int64_t leaf_r = 0;
};

RootChoice choose_option(std::int64_t leaf_l, std::int64_t leaf_r, const ChildBest& bl,
                         const ChildBest& br, std::int32_t budget, double penalty) {
  const auto val = [penalty](std::int64_t mis, int leaves) {
    return static_cast<double>(mis) + penalty * static_cast<double>(leaves);
  };
  const double opts[4] = {
      val(leaf_l + leaf_r, 2),
      bl.cand >= 0 && budget >= 3 ? val(bl.mis + leaf_r, 3) : kInf,
      br.cand >= 0 && budget >= 3 ? val(leaf_l + br.mis, 3) : kInf,
      bl.cand >= 0 && br.cand >= 0 && budget >= 4 ? val(bl.mis + br.mis, 4) : kInf,
  };
  RootChoice out{opts[0], 0, leaf_l, leaf_r};
  for (int o = 1; o < 4; ++o) {
    if (opts[o] < out.value - kObjectiveEps) {
      out.value = opts[o];
      out.option = o;
    }
  }
  return out;
}

}  // namespace

Solver::Solver(const CandidateSet& cs, std::span<const std::int32_t> y, const SearchConfig& config,
               std::atomic<bool>* stop)
    : cs_(cs),
      y_(y),
      config_(config),
      stop_(stop),
      leaf_nodes_(static_cast<std::size_t>(cs.n) + 1, -1),
      recent_(64) {}

void Solver::tick() {
  if (!config_.has_deadline) {
    return;
  }
  if (std::chrono::steady_clock::now() >= config_.deadline) {
    stop_->store(true, std::memory_order_relaxed);
  }
}

void Solver::normalise(std::int32_t& depth, std::int32_t& budget) {
  if (depth < 20) {
    budget = std::min(budget, std::int32_t{1} << depth);
  }
  depth = std::min(depth, budget - 1);
}

Solver::Leaf Solver::leaf_of(std::span<const std::int32_t> rows) {
  std::int64_t counts[64] = {};
  std::vector<std::int64_t> big;
  std::int64_t* c = counts;
  if (config_.k > 64) {
    big.assign(static_cast<std::size_t>(config_.k), 0);
    c = big.data();
  }
  for (const auto r : rows) {
    ++c[y_[static_cast<std::size_t>(r)]];
  }
  const auto mis = leaf_errors(c, config_.k);
  return {mis, mis == 0};
}

std::int32_t Solver::add_node(const SolNode& n) {
  arena_.push_back(n);
  return static_cast<std::int32_t>(arena_.size() - 1);
}

std::int32_t Solver::leaf_node(std::int64_t mis) {
  auto& id = leaf_nodes_[static_cast<std::size_t>(mis)];
  if (id < 0) {
    id = add_node({-1, -1, -1, 1, mis});
  }
  return id;
}

std::uint64_t Solver::key_of(std::span<const std::int32_t> rows, std::int32_t depth,
                             std::int32_t budget) const {
  std::uint64_t h =
      mix(static_cast<std::uint64_t>(rows.size()) * 0x9e3779b97f4a7c15ULL +
          static_cast<std::uint64_t>(depth) * 131 + static_cast<std::uint64_t>(budget));
  for (const auto r : rows) {
    h = (h ^ static_cast<std::uint64_t>(r)) * 0x100000001b3ULL;
    h ^= h >> 29;
  }
  return mix(h);
}

Solver::Entry* Solver::find(std::uint64_t key, std::span<const std::int32_t> rows,
                            std::int32_t depth, std::int32_t budget) {
  const auto it = cache_.find(key);
  if (it == cache_.end()) {
    return nullptr;
  }
  for (const auto id : it->second) {
    auto& e = entries_[static_cast<std::size_t>(id)];
    if (e.depth == depth && e.budget == budget && e.rows.size() == rows.size() &&
        std::equal(rows.begin(), rows.end(), e.rows.begin())) {
      return &e;
    }
  }
  return nullptr;
}

void Solver::store(std::uint64_t key, std::span<const std::int32_t> rows, std::int32_t depth,
                   std::int32_t budget, std::int32_t sol, double lb) {
  if (auto* e = find(key, rows, depth, budget)) {
    if (sol >= 0) {
      e->sol = sol;
      e->lb = value(sol);
    } else {
      e->lb = std::max(e->lb, lb);
    }
    return;
  }
  const auto id = static_cast<std::int32_t>(entries_.size());
  entries_.push_back({{rows.begin(), rows.end()}, depth, budget, sol, sol >= 0 ? value(sol) : lb});
  cache_[key].push_back(id);
  if (config_.min_leaf == 1 && static_cast<std::size_t>(depth) < recent_.size()) {
    auto& ring = recent_[static_cast<std::size_t>(depth)];
    if (ring.size() == kRing) {
      ring.erase(ring.begin());
    }
    ring.push_back(id);
  }
}

double Solver::similarity_bound(std::span<const std::int32_t> rows, std::int32_t depth,
                                std::int32_t budget) const {
  double best = 0.0;
  if (config_.min_leaf != 1 || static_cast<std::size_t>(depth) >= recent_.size()) {
    return best;
  }
  for (const auto id : recent_[static_cast<std::size_t>(depth)]) {
    const auto& e = entries_[static_cast<std::size_t>(id)];
    // |e.rows \ rows| >= |e.rows| - |rows|: skip entries that cannot beat the bound so far.
    const auto size_gap = static_cast<double>(e.rows.size()) - static_cast<double>(rows.size());
    if (e.budget != budget || e.lb - size_gap <= best) {
      continue;
    }
    // |e.rows \ rows|: rows only in the cached subset (each could have been misclassified).
    std::int64_t removed = 0;
    std::size_t i = 0;
    for (const auto r : e.rows) {
      while (i < rows.size() && rows[i] < r) {
        ++i;
      }
      if (i == rows.size() || rows[i] != r) {
        ++removed;
      }
    }
    best = std::max(best, e.lb - static_cast<double>(removed));
  }
  return best;
}

double Solver::quick_bound(std::span<const std::int32_t> rows, std::int32_t depth,
                           std::int32_t budget) {
  normalise(depth, budget);
  const auto leaf = leaf_of(rows);
  const double leaf_val = value(leaf.mis, 1);
  const double two_leaves = 2.0 * config_.penalty;
  if (depth == 0 || static_cast<std::int64_t>(rows.size()) < 2 * config_.min_leaf || leaf.pure ||
      leaf_val <= two_leaves + kObjectiveEps) {
    return leaf_val;
  }
  double lb = two_leaves;
  if (const auto* e = find(key_of(rows, depth, budget), rows, depth, budget)) {
    lb = std::max(lb, e->sol >= 0 ? value(e->sol) : e->lb);
  }
  if (depth >= 2) {
    lb = std::max(lb, similarity_bound(rows, depth, budget));
  }
  return std::min(lb, leaf_val);
}

Outcome Solver::solve(std::span<const std::int32_t> rows, std::int32_t depth, std::int32_t budget,
                      double ub) {
  tick();
  normalise(depth, budget);
  const auto leaf = leaf_of(rows);
  const double leaf_val = value(leaf.mis, 1);
  const double two_leaves = 2.0 * config_.penalty;
  if (depth == 0 || static_cast<std::int64_t>(rows.size()) < 2 * config_.min_leaf || leaf.pure ||
      leaf_val <= two_leaves + kObjectiveEps) {
    return {leaf_val < ub - kObjectiveEps ? leaf_node(leaf.mis) : -1, leaf_val, true};
  }
  const auto key = key_of(rows, depth, budget);
  double lb = two_leaves;
  if (const auto* e = find(key, rows, depth, budget)) {
    if (e->sol >= 0) {
      ++cache_hits;
      const double v = value(e->sol);
      return {v < ub - kObjectiveEps ? e->sol : -1, v, true};
    }
    if (e->lb >= ub - kObjectiveEps) {
      ++cache_hits;
      return {-1, e->lb, true};
    }
    lb = std::max(lb, e->lb);
  }
  if (depth >= 2) {
    lb = std::max(lb, similarity_bound(rows, depth, budget));
  }
  if (lb >= ub - kObjectiveEps) {
    return {-1, lb, true};
  }
  ++subproblems;
  if (depth <= 2) {
    const auto o = solve_depth2(rows, depth, budget, leaf.mis);
    if (o.exact) {
      store(key, rows, depth, budget, o.sol, o.lb);
    }
    return {value(o.sol) < ub - kObjectiveEps ? o.sol : -1, std::max(lb, o.lb), o.exact};
  }

  // General case: the leaf is the incumbent; candidates in index order, strict improvements.
  std::int32_t best = leaf_val < ub - kObjectiveEps ? leaf_node(leaf.mis) : -1;
  double cur_ub = std::min(ub, leaf_val);
  double lb_min = leaf_val;
  bool exact = true;
  const auto f = static_cast<std::int32_t>(cs_.candidates.size());
  // Similarity between neighbouring thresholds of one numeric column (ConTree): the left sets
  // are nested, so value(t') >= value(t) - (rows moved between them).
  const bool similarity = config_.min_leaf == 1;
  std::int32_t prev_feature = -1;
  double prev_lb = -kInf;
  std::int64_t prev_left = 0;
  for (std::int32_t c = 0; c < f; ++c) {
    if (stopped()) {
      exact = false;
      lb_min = std::min(lb_min, two_leaves);
      break;
    }
    const auto& cand = cs_.candidates[static_cast<std::size_t>(c)];
    const bool numeric = similarity && cand.kind == SplitKind::kThreshold;
    std::int64_t n_left = 0;
    if (numeric) {
      if (cand.feature != prev_feature) {
        prev_feature = cand.feature;
        prev_lb = -kInf;
      }
      const std::uint64_t* src = cs_.bitset(c);
      for (const auto r : rows) {
        n_left += static_cast<std::int64_t>(
            (src[static_cast<std::size_t>(r) >> 6] >> (static_cast<std::uint32_t>(r) & 63U)) & 1U);
      }
      const double bound = prev_lb - static_cast<double>(n_left - prev_left);
      if (bound >= cur_ub - kObjectiveEps) {
        lb_min = std::min(lb_min, bound);
        continue;
      }
    }
    const auto o = solve_split(rows, c, depth, budget, cur_ub);
    if (numeric && o.lb < kInf) {
      prev_lb = o.lb;
      prev_left = n_left;
    }
    exact = exact && o.exact;
    lb_min = std::min(lb_min, o.lb);
    if (o.sol >= 0) {
      best = o.sol;
      cur_ub = value(o.sol);
    }
  }
  if (exact) {
    const double result_lb = best >= 0 ? value(best) : std::max(lb, lb_min);
    store(key, rows, depth, budget, best, result_lb);
    return {best, result_lb, true};
  }
  return {best, std::max(lb, lb_min), false};
}

Outcome Solver::solve_split(std::span<const std::int32_t> rows, std::int32_t cand,
                            std::int32_t depth, std::int32_t budget, double ub) {
  normalise(depth, budget);
  std::vector<std::int32_t> left;
  std::vector<std::int32_t> right;
  left.reserve(rows.size());
  right.reserve(rows.size());
  for (const auto r : rows) {
    (cs_.goes_left(cand, r) ? left : right).push_back(r);
  }
  if (static_cast<std::int64_t>(left.size()) < config_.min_leaf ||
      static_cast<std::int64_t>(right.size()) < config_.min_leaf || depth < 1) {
    return {-1, kInf, true};
  }
  const std::int32_t child_depth = depth - 1;
  const std::int32_t cap = child_depth < 20 ? std::int32_t{1} << child_depth : budget;
  const std::int32_t lo = std::max(1, budget - cap);
  const std::int32_t hi = std::min(cap, budget - 1);
  std::int32_t best = -1;
  double cur_ub = ub;
  double lb_min = kInf;
  bool exact = true;
  for (std::int32_t bl = lo; bl <= hi; ++bl) {
    if (stopped()) {
      exact = false;
      lb_min = std::min(lb_min, 2.0 * config_.penalty);
      break;
    }
    const std::int32_t br = budget - bl;
    const double lb_l = quick_bound(left, child_depth, bl);
    const double lb_r = quick_bound(right, child_depth, br);
    if (lb_l + lb_r >= cur_ub - kObjectiveEps) {
      lb_min = std::min(lb_min, lb_l + lb_r);
      continue;
    }
    const auto o_left = solve(left, child_depth, bl, cur_ub - lb_r);
    exact = exact && o_left.exact;
    if (o_left.sol < 0) {
      lb_min = std::min(lb_min, std::max(o_left.lb, lb_l) + lb_r);
      continue;
    }
    const double vl = value(o_left.sol);
    const auto o_right = solve(right, child_depth, br, cur_ub - vl);
    exact = exact && o_right.exact;
    lb_min = std::min(lb_min, std::max(o_left.lb, lb_l) + std::max(o_right.lb, lb_r));
    if (o_right.sol < 0) {
      continue;
    }
    const auto& nl = arena_[static_cast<std::size_t>(o_left.sol)];
    const auto& nr = arena_[static_cast<std::size_t>(o_right.sol)];
    const SolNode n{cand, o_left.sol, o_right.sol, nl.leaves + nr.leaves, nl.mis + nr.mis};
    const double total = value(n.mis, n.leaves);
    if (total < cur_ub - kObjectiveEps) {
      best = add_node(n);
      cur_ub = total;
    }
  }
  return {best, lb_min, exact};
}

Outcome Solver::solve_depth2(std::span<const std::int32_t> rows, std::int32_t depth,
                             std::int32_t budget, std::int64_t leaf_mis) {
  const auto m = static_cast<std::int64_t>(rows.size());
  const auto w = static_cast<std::size_t>((m + 63) / 64);
  const std::int32_t k = config_.k;
  const auto ku = static_cast<std::size_t>(k);
  const std::int64_t ml = config_.min_leaf;
  const auto f = static_cast<std::int32_t>(cs_.candidates.size());
  if (depth >= 2 && budget >= 3) {
    // Pairwise counting costs ~f^2 w k / 2 word operations, scanning ~f d m row steps.
    const auto d = static_cast<double>(cs_.per_feature.size());
    if (static_cast<double>(f) * static_cast<double>(w) * static_cast<double>(k) >
        6.0 * d * static_cast<double>(m)) {
      return solve_depth2_scan(rows, budget, leaf_mis);
    }
  }

  // Compact bitsets of the candidates that split these rows validly.
  active_.clear();
  bits_.resize(static_cast<std::size_t>(f) * w);
  for (std::int32_t c = 0; c < f; ++c) {
    std::uint64_t* b = bits_.data() + active_.size() * w;
    const std::uint64_t* src = cs_.bitset(c);
    std::int64_t count = 0;
    // One word of 64 local rows at a time, gathered in a register.
    for (std::size_t wi = 0; wi < w; ++wi) {
      const auto lo = static_cast<std::int64_t>(wi) * 64;
      const std::int64_t hi = std::min(m, lo + 64);
      std::uint64_t word = 0;
      for (std::int64_t i = lo; i < hi; ++i) {
        const auto r = static_cast<std::uint64_t>(rows[static_cast<std::size_t>(i)]);
        word |= ((src[r >> 6] >> (r & 63)) & 1U) << (i - lo);
      }
      b[wi] = word;
      count += std::popcount(word);
    }
    if (count >= ml && m - count >= ml) {
      active_.push_back(c);
    }
  }
  const auto a_count = active_.size();
  class_bits_.assign(ku * w, 0);
  std::vector<std::int64_t> total(ku, 0);
  for (std::int64_t i = 0; i < m; ++i) {
    const auto c =
        static_cast<std::size_t>(y_[static_cast<std::size_t>(rows[static_cast<std::size_t>(i)])]);
    class_bits_[c * w + static_cast<std::size_t>(i >> 6)] |= std::uint64_t{1} << (i & 63);
    ++total[c];
  }
  single_.assign(a_count * ku, 0);
  std::vector<std::int64_t> size1(a_count, 0);
  std::vector<ChildBest> best_left(a_count);
  std::vector<ChildBest> best_right(a_count);
  PairCounts g{bits_.data(),
               class_bits_.data(),
               w,
               ku,
               a_count,
               single_.data(),
               size1.data(),
               total.data(),
               m,
               ml,
               active_.data(),
               best_left.data(),
               best_right.data(),
               k,
               depth >= 2 && budget >= 3};
  count_pairs(g);

  // Choose: the leaf, then roots in index order (strict improvements only).
  double best_val = value(leaf_mis, 1);
  std::int32_t best_root = -1;
  RootChoice best_choice;
  std::vector<std::int64_t> q(ku);
  for (std::size_t a = 0; a < a_count; ++a) {
    const std::int64_t* sa = single_.data() + a * ku;
    const std::int64_t leaf_l = leaf_errors(sa, k);
    for (std::size_t c = 0; c < ku; ++c) {
      q[c] = total[c] - sa[c];
    }
    const std::int64_t leaf_r = leaf_errors(q.data(), k);
    const auto choice =
        choose_option(leaf_l, leaf_r, best_left[a], best_right[a], budget, config_.penalty);
    if (choice.value < best_val - kObjectiveEps) {
      best_val = choice.value;
      best_root = static_cast<std::int32_t>(a);
      best_choice = choice;
    }
  }
  if (best_root < 0) {
    const auto id = leaf_node(leaf_mis);
    return {id, value(id), true};
  }
  const auto a = static_cast<std::size_t>(best_root);
  const auto& bl = best_left[a];
  const auto& br = best_right[a];
  return make_depth2(active_[a], best_choice.option, best_choice.leaf_l, best_choice.leaf_r,
                     bl.cand, bl.mis_left, bl.mis_right, br.cand, br.mis_left, br.mis_right);
}

Outcome Solver::make_depth2(std::int32_t cand, int option, std::int64_t leaf_l, std::int64_t leaf_r,
                            std::int32_t l_cand, std::int64_t l_mis_l, std::int64_t l_mis_r,
                            std::int32_t r_cand, std::int64_t r_mis_l, std::int64_t r_mis_r) {
  const auto child = [&](bool split, std::int64_t leaf_e, std::int32_t c, std::int64_t e_l,
                         std::int64_t e_r) {
    if (!split) {
      return leaf_node(leaf_e);
    }
    const auto l = leaf_node(e_l);
    const auto r = leaf_node(e_r);
    return add_node({c, l, r, 2, e_l + e_r});
  };
  const auto l = child(option == 1 || option == 3, leaf_l, l_cand, l_mis_l, l_mis_r);
  const auto r = child(option == 2 || option == 3, leaf_r, r_cand, r_mis_l, r_mis_r);
  const SolNode n{cand, l, r, node(l).leaves + node(r).leaves, node(l).mis + node(r).mis};
  const auto id = add_node(n);
  return {id, value(id), true};
}

Outcome Solver::solve_depth2_scan(std::span<const std::int32_t> rows, std::int32_t budget,
                                  std::int64_t leaf_mis) {
  const auto m = rows.size();
  const std::int32_t k = config_.k;
  const auto ku = static_cast<std::size_t>(k);
  const std::int64_t ml = config_.min_leaf;
  const auto n = static_cast<std::size_t>(cs_.n);
  const auto d = cs_.per_feature.size();

  // Local rows: class and, per feature, rank; order_ holds each feature's rows sorted by rank.
  std::vector<std::int32_t> cls(m);
  std::vector<std::int64_t> total(ku, 0);
  for (std::size_t i = 0; i < m; ++i) {
    cls[i] = y_[static_cast<std::size_t>(rows[i])];
    ++total[static_cast<std::size_t>(cls[i])];
  }
  std::vector<std::int32_t> rank(d * m);
  std::vector<std::int32_t> order(d * m);
  std::vector<std::int32_t> bucket;
  for (std::size_t j = 0; j < d; ++j) {
    const std::int32_t* global = cs_.rank.data() + j * n;
    std::int32_t* rk = rank.data() + j * m;
    std::int32_t* ord = order.data() + j * m;
    // Counting sort by rank (stable; ranks lie in [0, per_feature[j]]).
    bucket.assign(static_cast<std::size_t>(cs_.per_feature[j]) + 2, 0);
    for (std::size_t i = 0; i < m; ++i) {
      rk[i] = global[static_cast<std::size_t>(rows[i])];
      ++bucket[static_cast<std::size_t>(rk[i]) + 1];
    }
    for (std::size_t b = 1; b < bucket.size(); ++b) {
      bucket[b] += bucket[b - 1];
    }
    for (std::size_t i = 0; i < m; ++i) {
      ord[bucket[static_cast<std::size_t>(rk[i])]++] = static_cast<std::int32_t>(i);
    }
  }

  std::vector<char> side(m, 0);  // 1: left of the root split
  std::vector<std::int64_t> lc(ku);
  std::vector<std::int64_t> rc(ku);
  std::vector<std::int64_t> cl(ku);
  std::vector<std::int64_t> cr(ku);
  std::vector<std::int64_t> q(ku);

  // Best child splits of the current root over every feature (rows scanned in rank order).
  // Two classes, numeric columns: per feature, the class of each row in rank order and, where a
  // rank group ends below t_count, the candidate index (-1 elsewhere); reach: positions with a
  // rank below t_count.
  const bool two = ku == 2;
  std::vector<std::int32_t> end_cand;
  std::vector<std::int32_t> ord_cls;
  std::vector<std::size_t> reach(d, 0);
  if (two) {
    end_cand.assign(d * m, -1);
    ord_cls.assign(d * m, 0);
    for (std::size_t j = 0; j < d; ++j) {
      const std::int32_t* rk = rank.data() + j * m;
      const std::int32_t* ord = order.data() + j * m;
      const auto t_count = cs_.per_feature[j];
      std::size_t i = 0;
      for (; i < m && rk[ord[i]] < t_count; ++i) {
        ord_cls[j * m + i] = cls[static_cast<std::size_t>(ord[i])];
        if (i + 1 == m || rk[ord[i + 1]] != rk[ord[i]]) {
          end_cand[j * m + i] = cs_.first_of_feature[j] + rk[ord[i]];
        }
      }
      reach[j] = i;
    }
  }
  const auto children = [&](std::int64_t n_left, ChildBest& best_l, ChildBest& best_r) {
    const std::int64_t n_right = static_cast<std::int64_t>(m) - n_left;
    for (std::size_t j = 0; j < d; ++j) {
      const auto t_count = cs_.per_feature[j];
      if (t_count == 0) {
        continue;
      }
      const bool categorical =
          cs_.candidates[static_cast<std::size_t>(cs_.first_of_feature[j])].kind ==
          SplitKind::kCategory;
      if (two && !categorical) {
        // Branch-free: every position is scored (invalid ones as kNone); candidates ascend, so
        // only strict improvements count.
        const std::int32_t* ord = order.data() + j * m;
        const std::int32_t* oc = ord_cls.data() + j * m;
        const std::int32_t* ends = end_cand.data() + j * m;
        const std::int64_t l1 = lc[1];
        const std::int64_t r1 = rc[1];
        std::int64_t sl = 0;
        std::int64_t sl1 = 0;
        std::int64_t sr = 0;
        std::int64_t sr1 = 0;
        ChildBest fl;
        ChildBest fr;
        for (std::size_t i = 0; i < reach[j]; ++i) {
          const std::int64_t left =
              static_cast<unsigned char>(side[static_cast<std::size_t>(ord[i])]);
          const std::int64_t c = oc[i];
          sl += left;
          sl1 += left & c;
          sr += 1 - left;
          sr1 += (1 - left) & c;
          const std::int32_t cand = ends[i];
          const std::int64_t ll = std::min(sl1, sl - sl1);
          const std::int64_t lr = std::min(l1 - sl1, n_left - sl - (l1 - sl1));
          const bool ok_l = cand >= 0 && sl >= ml && n_left - sl >= ml;
          const std::int64_t el = ok_l ? ll + lr : kNone;
          const bool better_l = el < fl.mis;
          fl.mis = better_l ? el : fl.mis;
          fl.cand = better_l ? cand : fl.cand;
          fl.mis_left = better_l ? ll : fl.mis_left;
          fl.mis_right = better_l ? lr : fl.mis_right;
          const std::int64_t rl = std::min(sr1, sr - sr1);
          const std::int64_t rr = std::min(r1 - sr1, n_right - sr - (r1 - sr1));
          const bool ok_r = cand >= 0 && sr >= ml && n_right - sr >= ml;
          const std::int64_t er = ok_r ? rl + rr : kNone;
          const bool better_r = er < fr.mis;
          fr.mis = better_r ? er : fr.mis;
          fr.cand = better_r ? cand : fr.cand;
          fr.mis_left = better_r ? rl : fr.mis_left;
          fr.mis_right = better_r ? rr : fr.mis_right;
        }
        if (fl.cand >= 0) {
          best_l.offer(fl.mis_left, fl.mis_right, fl.cand);
        }
        if (fr.cand >= 0) {
          best_r.offer(fr.mis_left, fr.mis_right, fr.cand);
        }
        continue;
      }
      const std::int32_t* rk = rank.data() + j * m;
      const std::int32_t* ord = order.data() + j * m;
      const std::int32_t first = cs_.first_of_feature[j];
      std::fill(cl.begin(), cl.end(), 0);
      std::fill(cr.begin(), cr.end(), 0);
      std::int64_t sl = 0;
      std::int64_t sr = 0;
      std::size_t i = 0;
      while (i < m) {
        const std::int32_t r = rk[ord[i]];
        if (r >= t_count) {
          break;  // never left of any candidate of this column
        }
        if (categorical) {
          std::fill(cl.begin(), cl.end(), 0);
          std::fill(cr.begin(), cr.end(), 0);
          sl = 0;
          sr = 0;
        }
        for (; i < m && rk[ord[i]] == r; ++i) {
          const auto row = static_cast<std::size_t>(ord[i]);
          if (side[row] != 0) {
            ++cl[static_cast<std::size_t>(cls[row])];
            ++sl;
          } else {
            ++cr[static_cast<std::size_t>(cls[row])];
            ++sr;
          }
        }
        const std::int32_t cand = first + r;
        if (sl >= ml && n_left - sl >= ml) {
          for (std::size_t c = 0; c < ku; ++c) {
            q[c] = lc[c] - cl[c];
          }
          best_l.offer(leaf_errors(cl.data(), k), leaf_errors(q.data(), k), cand);
        }
        if (sr >= ml && n_right - sr >= ml) {
          for (std::size_t c = 0; c < ku; ++c) {
            q[c] = rc[c] - cr[c];
          }
          best_r.offer(leaf_errors(cr.data(), k), leaf_errors(q.data(), k), cand);
        }
      }
    }
  };

  double best_val = value(leaf_mis, 1);
  std::int32_t best_root = -1;
  RootChoice best_choice;
  ChildBest best_l_child;
  ChildBest best_r_child;
  // The incumbent's candidate index: -1 for the leaf (it wins ties), kNoIndex for the greedy
  // bound (any root as good replaces it).
  constexpr std::int32_t kNoIndex = std::numeric_limits<std::int32_t>::max();
  std::int32_t best_index = -1;
  const bool similarity = ml == 1;
  std::int64_t g_mis = kNone;  // best depth-1 errors of all rows (when computed below)
  if (similarity && budget >= 3) {
    // A greedy incumbent for the pruning below: the best single split with its best children.
    // Roots strictly worse than it are skipped; ties stay, so the canonical root is kept.
    std::size_t g_feature = 0;
    std::int32_t g_rank = 0;
    for (std::size_t j = 0; j < d; ++j) {
      const auto t_count = cs_.per_feature[j];
      const bool categorical =
          t_count > 0 && cs_.candidates[static_cast<std::size_t>(cs_.first_of_feature[j])].kind ==
                             SplitKind::kCategory;
      const std::int32_t* rk = rank.data() + j * m;
      const std::int32_t* ord = order.data() + j * m;
      std::fill(lc.begin(), lc.end(), 0);
      std::int64_t n_left = 0;
      std::size_t i = 0;
      while (i < m && rk[ord[i]] < t_count) {
        const std::int32_t r = rk[ord[i]];
        if (categorical) {
          std::fill(lc.begin(), lc.end(), 0);
          n_left = 0;
        }
        for (; i < m && rk[ord[i]] == r; ++i) {
          ++lc[static_cast<std::size_t>(cls[static_cast<std::size_t>(ord[i])])];
          ++n_left;
        }
        if (n_left < ml || static_cast<std::int64_t>(m) - n_left < ml) {
          continue;
        }
        for (std::size_t c = 0; c < ku; ++c) {
          rc[c] = total[c] - lc[c];
        }
        const auto e = leaf_errors(lc.data(), k) + leaf_errors(rc.data(), k);
        if (e < g_mis) {
          g_mis = e;
          g_feature = j;
          g_rank = r;
        }
      }
    }
    double greedy = kInf;
    if (g_mis != kNone) {
      const auto t_count = cs_.per_feature[g_feature];
      const bool categorical =
          cs_.candidates[static_cast<std::size_t>(cs_.first_of_feature[g_feature])].kind ==
          SplitKind::kCategory;
      const std::int32_t* rk = rank.data() + g_feature * m;
      std::fill(lc.begin(), lc.end(), 0);
      std::int64_t n_left = 0;
      for (std::size_t i = 0; i < m; ++i) {
        const bool left = rk[i] < t_count && (categorical ? rk[i] == g_rank : rk[i] <= g_rank);
        side[i] = left ? 1 : 0;
        if (left) {
          ++lc[static_cast<std::size_t>(cls[i])];
          ++n_left;
        }
      }
      for (std::size_t c = 0; c < ku; ++c) {
        rc[c] = total[c] - lc[c];
      }
      ChildBest bl;
      ChildBest br;
      children(n_left, bl, br);
      greedy = choose_option(leaf_errors(lc.data(), k), leaf_errors(rc.data(), k), bl, br, budget,
                             config_.penalty)
                   .value;
    }
    if (greedy + 2.0 * kObjectiveEps < best_val) {
      best_val = greedy + 2.0 * kObjectiveEps;
      best_index = kNoIndex;
    }
  }
  // Accepts root `index` when it beats the best so far: a lower value, or an equal one at a lower
  // index (roots may be met out of index order below).
  const auto consider = [&](const RootChoice& choice, std::int32_t index, const ChildBest& bl,
                            const ChildBest& br) {
    if (choice.value < best_val - kObjectiveEps ||
        (choice.value <= best_val + kObjectiveEps && index < best_index)) {
      best_val = choice.value;
      best_index = index;
      best_root = index;
      best_choice = choice;
      best_l_child = bl;
      best_r_child = br;
    }
  };
  // One numeric root feature with min_leaf 1 (ConTree's interval bound): the left child's rows
  // grow with the threshold, and both a leaf's errors and the best depth-1 error (or the leaf's
  // when lower) only grow with the row set. So every root strictly between two evaluated
  // thresholds a < b has a value of at least the options' minimum over the left parts of a and
  // the right parts of b; intervals whose bound cannot beat the incumbent are skipped, the others
  // are bisected.
  const double pen = config_.penalty;
  const auto scan_root_feature = [&](std::size_t j, const std::int32_t* rk, const std::int32_t* ord,
                                     std::int32_t t_count) {
    // Slots 0 and groups + 1 are virtual thresholds sending no row / every row left.
    std::vector<std::int32_t> g_rank{-1};
    std::vector<std::int64_t> g_left{0};
    std::int64_t count = 0;
    std::size_t i = 0;
    while (i < m) {
      const std::int32_t r = rk[ord[i]];
      if (r >= t_count) {
        break;
      }
      for (; i < m && rk[ord[i]] == r; ++i) {
        ++count;
      }
      if (count >= 1 && static_cast<std::int64_t>(m) - count >= 1) {
        g_rank.push_back(r);
        g_left.push_back(count);
      }
    }
    const std::size_t groups = g_rank.size() - 1;
    if (groups == 0) {
      return;
    }
    g_rank.push_back(-1);
    g_left.push_back(static_cast<std::int64_t>(m));
    const std::int32_t first = cs_.first_of_feature[j];
    // Per evaluated threshold: leaf errors and min(leaf, best depth-1) errors of each child.
    struct Parts {
      std::int64_t leaf_l = 0;
      std::int64_t sub_l = 0;
      std::int64_t leaf_r = 0;
      std::int64_t sub_r = 0;
    };
    std::vector<Parts> parts(groups + 2);
    // The virtual ends: an empty child costs nothing; the whole set's best depth-1 errors are
    // the greedy pass's (else 0, a valid lower bound).
    const std::int64_t leaf_all = leaf_errors(total.data(), k);
    const std::int64_t sub_all = g_mis == kNone ? 0 : std::min(g_mis, leaf_all);
    parts[0] = {0, 0, leaf_all, sub_all};
    parts[groups + 1] = {leaf_all, sub_all, 0, 0};
    const auto evaluate = [&](std::size_t g) {
      const std::int32_t r = g_rank[g];
      std::fill(lc.begin(), lc.end(), 0);
      for (std::size_t row = 0; row < m; ++row) {
        const bool left = rk[row] <= r;
        side[row] = left ? 1 : 0;
        if (left) {
          ++lc[static_cast<std::size_t>(cls[row])];
        }
      }
      for (std::size_t c = 0; c < ku; ++c) {
        rc[c] = total[c] - lc[c];
      }
      ChildBest bl;
      ChildBest br;
      if (budget >= 3) {
        children(g_left[g], bl, br);
      }
      const auto leaf_l = leaf_errors(lc.data(), k);
      const auto leaf_r = leaf_errors(rc.data(), k);
      parts[g] = {leaf_l, bl.cand >= 0 ? std::min(bl.mis, leaf_l) : leaf_l, leaf_r,
                  br.cand >= 0 ? std::min(br.mis, leaf_r) : leaf_r};
      consider(choose_option(leaf_l, leaf_r, bl, br, budget, pen), first + r, bl, br);
    };
    const auto val = [pen](std::int64_t mis, int leaves) {
      return static_cast<double>(mis) + pen * static_cast<double>(leaves);
    };
    std::vector<std::pair<std::size_t, std::size_t>> stack;
    stack.emplace_back(0, groups + 1);
    while (!stack.empty()) {
      const auto [a, b] = stack.back();
      stack.pop_back();
      if ((++ticks_ & 15) == 0) {
        tick();
        if (stopped()) {
          return;
        }
      }
      const Parts& pa = parts[a];
      const Parts& pb = parts[b];
      // Each part also changes by at most one per moved row: the left parts of an interior
      // threshold are at least b's less the rows it has beyond a + 1, the right parts at least
      // a's less the rows b - 1 has beyond a.
      const std::int64_t beyond = g_left[b] - g_left[a + 1];
      const std::int64_t within = g_left[b - 1] - g_left[a];
      const std::int64_t leaf_l = std::max(pa.leaf_l, pb.leaf_l - beyond);
      const std::int64_t sub_l = std::max(pa.sub_l, pb.sub_l - beyond);
      const std::int64_t leaf_r = std::max(pb.leaf_r, pa.leaf_r - within);
      const std::int64_t sub_r = std::max(pb.sub_r, pa.sub_r - within);
      double bound = val(leaf_l + leaf_r, 2);
      if (budget >= 3) {
        bound = std::min(bound, std::min(val(sub_l + leaf_r, 3), val(leaf_l + sub_r, 3)));
      }
      if (budget >= 4) {
        bound = std::min(bound, val(sub_l + sub_r, 4));
      }
      const std::int32_t lowest = first + g_rank[a + 1];
      if (bound > best_val + kObjectiveEps ||
          (bound >= best_val - kObjectiveEps && lowest > best_index)) {
        continue;
      }
      const std::size_t mid = a + (b - a) / 2;
      evaluate(mid);
      if (b - mid > 1) {
        stack.emplace_back(mid, b);
      }
      if (mid - a > 1) {
        stack.emplace_back(a, mid);
      }
    }
  };
  for (std::size_t j = 0; j < d; ++j) {
    const auto t_count = cs_.per_feature[j];
    if (t_count == 0) {
      continue;
    }
    if (stopped()) {
      break;
    }
    const bool categorical =
        cs_.candidates[static_cast<std::size_t>(cs_.first_of_feature[j])].kind ==
        SplitKind::kCategory;
    const std::int32_t* rk = rank.data() + j * m;
    const std::int32_t* ord = order.data() + j * m;
    if (similarity && !categorical) {
      scan_root_feature(j, rk, ord, t_count);
      continue;
    }
    std::fill(side.begin(), side.end(), 0);
    std::fill(lc.begin(), lc.end(), 0);
    std::int64_t n_left = 0;
    // Similarity bound between neighbouring thresholds: value(t') >= value(t) - moved rows.
    double prev_val = -kInf;
    std::int64_t prev_left = 0;
    std::size_t i = 0;
    while (i < m) {
      const std::int32_t r = rk[ord[i]];
      if (r >= t_count) {
        break;
      }
      if (categorical) {
        for (std::size_t g = 0; g < i; ++g) {
          side[static_cast<std::size_t>(ord[g])] = 0;
        }
        std::fill(lc.begin(), lc.end(), 0);
        n_left = 0;
      }
      for (; i < m && rk[ord[i]] == r; ++i) {
        const auto row = static_cast<std::size_t>(ord[i]);
        side[row] = 1;
        ++lc[static_cast<std::size_t>(cls[row])];
        ++n_left;
      }
      if (n_left < ml || static_cast<std::int64_t>(m) - n_left < ml) {
        continue;
      }
      if ((++ticks_ & 15) == 0) {
        tick();
        if (stopped()) {
          break;
        }
      }
      if (similarity && !categorical &&
          prev_val - static_cast<double>(n_left - prev_left) >= best_val - kObjectiveEps) {
        continue;
      }
      for (std::size_t c = 0; c < ku; ++c) {
        rc[c] = total[c] - lc[c];
      }
      ChildBest bl;
      ChildBest br;
      if (budget >= 3) {
        children(n_left, bl, br);
      }
      const auto choice = choose_option(leaf_errors(lc.data(), k), leaf_errors(rc.data(), k), bl,
                                        br, budget, config_.penalty);
      prev_val = choice.value;
      prev_left = n_left;
      consider(choice, cs_.first_of_feature[j] + r, bl, br);
    }
  }
  if (best_root < 0) {
    const auto id = leaf_node(leaf_mis);
    return {id, value(id), !stopped()};
  }
  auto o = make_depth2(best_root, best_choice.option, best_choice.leaf_l, best_choice.leaf_r,
                       best_l_child.cand, best_l_child.mis_left, best_l_child.mis_right,
                       best_r_child.cand, best_r_child.mis_left, best_r_child.mis_right);
  if (stopped()) {
    o.exact = false;
    o.lb = std::min(o.lb, 2.0 * config_.penalty);
  }
  return o;
}

}  // namespace scmforge::tree::detail
