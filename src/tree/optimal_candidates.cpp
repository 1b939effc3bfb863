// src/tree/optimal_candidates.cpp: candidate splits of the optimal solver as row bitsets.
#include "optimal_candidates.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "scmforge/core/error.hpp"

namespace scmforge::tree::detail {

namespace {

// Thresholds of one numeric column: midpoints of adjacent distinct values, or at most
// max_thresholds of them at quantile positions (closest left count to j * c / (q + 1)).
// v: the column's non-NaN values, ascending.
std::vector<double> numeric_thresholds(const std::vector<float>& v, std::int32_t max_thresholds) {
  std::vector<double> mids;
  std::vector<std::int64_t> left_count;
  for (std::size_t i = 0; i + 1 < v.size(); ++i) {
    if (v[i] < v[i + 1]) {
      const auto a = static_cast<double>(v[i]);
      const auto b = static_cast<double>(v[i + 1]);
      double t = (a + b) / 2.0;
      if (t >= b || std::isinf(t)) {
        t = a;
      }
      mids.push_back(t);
      left_count.push_back(static_cast<std::int64_t>(i + 1));
    }
  }
  if (max_thresholds <= 0 || mids.size() <= static_cast<std::size_t>(max_thresholds)) {
    return mids;
  }
  const auto c = static_cast<double>(v.size());
  std::vector<double> picked;
  std::size_t pos = 0;
  for (std::int32_t j = 1; j <= max_thresholds; ++j) {
    const double target = static_cast<double>(j) * c / static_cast<double>(max_thresholds + 1);
    // left_count is increasing: advance while the next one is at least as close.
    while (pos + 1 < mids.size() && std::abs(static_cast<double>(left_count[pos + 1]) - target) <
                                        std::abs(static_cast<double>(left_count[pos]) - target)) {
      ++pos;
    }
    if (picked.empty() || picked.back() != mids[pos]) {
      picked.push_back(mids[pos]);
    }
  }
  return picked;
}

}  // namespace

CandidateSet build_candidates(const DataView& x, std::int32_t max_thresholds) {
  CandidateSet out;
  out.n = x.n;
  out.words = (x.n + 63) / 64;
  const auto n = static_cast<std::size_t>(x.n);
  const auto d = static_cast<std::size_t>(x.d);
  out.per_feature.assign(d, 0);
  out.first_of_feature.assign(d + 1, 0);
  out.rank.assign(d * n, 0);
  for (std::size_t j = 0; j < d; ++j) {
    const float* col = x.column(static_cast<std::int64_t>(j));
    const bool categorical = j < x.categorical.size() && x.categorical[j] > 0;
    std::int32_t* rank = out.rank.data() + j * n;
    const auto first = out.candidates.size();
    if (categorical) {
      const auto levels = static_cast<std::size_t>(x.categorical[j]);
      std::vector<std::int64_t> count(levels, 0);
      std::int64_t present = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const float v = col[i];
        if (std::isnan(v)) {
          continue;
        }
        const auto code = static_cast<double>(v);
        SCMFORGE_CHECK(
            code >= 0.0 && code < static_cast<double>(levels) && code == std::floor(code),
            InvalidInput,
            "column {} is categorical with {} levels but row {} holds {} (expected an "
            "integer code in [0, {}))",
            j, levels, i, code, levels);
        ++count[static_cast<std::size_t>(code)];
        ++present;
      }
      std::vector<std::int32_t> slot(levels, -1);
      for (std::size_t c = 0; c < levels; ++c) {
        // x == c must leave rows on both sides to be a split.
        if (count[c] > 0 && count[c] < static_cast<std::int64_t>(n)) {
          slot[c] = static_cast<std::int32_t>(out.candidates.size() - first);
          out.candidates.push_back(
              {static_cast<std::int32_t>(j), static_cast<double>(c), SplitKind::kCategory});
        }
      }
      (void)present;
      const auto t = static_cast<std::int32_t>(out.candidates.size() - first);
      for (std::size_t i = 0; i < n; ++i) {
        const float v = col[i];
        rank[i] =
            std::isnan(v)
                ? t
                : (slot[static_cast<std::size_t>(v)] < 0 ? t : slot[static_cast<std::size_t>(v)]);
      }
    } else {
      // Rows by value; a row's rank (the first threshold >= its value, NaN: past the last) by
      // merging the sorted values with the ascending thresholds.
      std::vector<std::pair<float, std::int32_t>> by_value;
      by_value.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        if (!std::isnan(col[i])) {
          by_value.emplace_back(col[i], static_cast<std::int32_t>(i));
        }
      }
      std::sort(by_value.begin(), by_value.end());
      std::vector<float> sorted(by_value.size());
      for (std::size_t i = 0; i < by_value.size(); ++i) {
        sorted[i] = by_value[i].first;
      }
      const auto thresholds = numeric_thresholds(sorted, max_thresholds);
      for (const double t : thresholds) {
        out.candidates.push_back({static_cast<std::int32_t>(j), t, SplitKind::kThreshold});
      }
      const auto t_count = static_cast<std::int32_t>(thresholds.size());
      std::fill(rank, rank + n, t_count);
      std::size_t pos = 0;
      for (const auto& [v, i] : by_value) {
        while (pos < thresholds.size() && thresholds[pos] < static_cast<double>(v)) {
          ++pos;
        }
        rank[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(pos);
      }
    }
    out.per_feature[j] = static_cast<std::int32_t>(out.candidates.size() - first);
    out.first_of_feature[j + 1] = static_cast<std::int32_t>(out.candidates.size());
  }
  const auto words = static_cast<std::size_t>(out.words);
  out.bits.assign(out.candidates.size() * words, 0);
  // Each row sets one bit: its own slot's (categorical), or its rank's and, by copying each
  // numeric bitset into the next (x <= t is nested in x <= t'), every later threshold's.
  for (std::size_t j = 0; j < d; ++j) {
    const auto first = static_cast<std::size_t>(out.first_of_feature[j]);
    const auto t_count = static_cast<std::int32_t>(out.per_feature[j]);
    if (t_count == 0) {
      continue;
    }
    const std::int32_t* rank = out.rank.data() + j * n;
    std::uint64_t* base = out.bits.data() + first * words;
    for (std::size_t i = 0; i < n; ++i) {
      if (rank[i] < t_count) {
        base[static_cast<std::size_t>(rank[i]) * words + (i >> 6)] |= std::uint64_t{1} << (i & 63);
      }
    }
    if (out.candidates[first].kind == SplitKind::kCategory) {
      continue;
    }
    for (std::size_t t = 1; t < static_cast<std::size_t>(t_count); ++t) {
      for (std::size_t w = 0; w < words; ++w) {
        base[t * words + w] |= base[(t - 1) * words + w];
      }
    }
  }
  return out;
}

}  // namespace scmforge::tree::detail
