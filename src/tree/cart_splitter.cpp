// src/tree/cart_splitter.cpp: CART split search (scikit-learn's "best" splitter) and partitioning.
#include "cart_splitter.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>

#include "cart_criterion.hpp"
#include "scmforge/core/error.hpp"

namespace scmforge::tree::cart {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

__extension__ using Int128 = __int128;  // exact products of counts (GCC/Clang)

// Monotone map of a finite float to an unsigned key (-0 sorts just before +0).
inline std::uint32_t sortable(float v) {
  const auto bits = std::bit_cast<std::uint32_t>(v);
  return (bits & 0x80000000U) != 0 ? ~bits : bits | 0x80000000U;
}

inline float unsortable(std::uint32_t key) {
  const std::uint32_t bits = (key & 0x80000000U) != 0 ? key & 0x7FFFFFFFU : ~key;
  return std::bit_cast<float>(bits);
}

// scikit-learn's threshold: the midpoint computed in double as a/2 + b/2, or a when that
// rounds to b or overflows.
inline double midpoint(float a, float b) {
  double t = static_cast<double>(a) / 2.0 + static_cast<double>(b) / 2.0;
  if (t == static_cast<double>(b) || std::isinf(t)) {
    t = static_cast<double>(a);
  }
  return t;
}

// Records the candidate "the pos smallest values left, the NaN rows right" (at pos == n_values:
// exactly the NaN rows right, threshold +inf). A node without NaN sends NaN to its larger child.
void record_nan_right(SplitRecord& best, std::int32_t f, const Entry* seg, std::int64_t pos,
                      std::int64_t n_values, std::int64_t len) {
  best.feature = f;
  best.n_left_values = pos;
  best.n_left = pos;
  best.nan_left = false;
  best.threshold = pos < n_values ? midpoint(seg[pos - 1].value, seg[pos].value) : kInf;
  best.missing_left = n_values == len ? pos > len - pos : false;
}

// Records the candidate "the pos smallest values and the NaN rows left".
void record_nan_left(SplitRecord& best, std::int32_t f, const Entry* seg, std::int64_t pos,
                     std::int64_t n_missing) {
  best.feature = f;
  best.n_left_values = pos;
  best.n_left = pos + n_missing;
  best.nan_left = true;
  best.threshold = midpoint(seg[pos - 1].value, seg[pos].value);
  best.missing_left = true;
}

// True when b and a are separated by a split (b > a + FEATURE_THRESHOLD in float32).
inline bool separated(float a, float b) {
  const float limit = a + kFeatureThreshold;
  return !(b <= limit);
}

// Number of non-NaN entries of a node's list (NaN entries sit at its end).
inline std::int64_t count_values(const Entry* seg, std::int64_t len) {
  std::int64_t n = len;
  while (n > 0 && std::isnan(seg[n - 1].value)) {
    --n;
  }
  return n;
}

// Per-digit histograms of the high 32 bits of the keys (4 digits of 8 bits).
using Histograms = std::array<std::array<std::uint32_t, 256>, 4>;

inline void count_digits(Histograms& hist, std::uint32_t k) {
  ++hist[0][k & 255U];
  ++hist[1][(k >> 8) & 255U];
  ++hist[2][(k >> 16) & 255U];
  ++hist[3][k >> 24];
}

// Stable LSD radix sort of keys by their high 32 bits, given their digit histograms; digits
// equal in every key are skipped. Equal high bits keep the input order (ascending row ids).
void radix_sort(std::uint64_t* keys, std::uint64_t* tmp, std::size_t n, Histograms& hist) {
  if (n < 2) {
    return;
  }
  std::uint64_t* src = keys;
  std::uint64_t* dst = tmp;
  for (std::size_t pass = 0; pass < 4; ++pass) {
    auto& h = hist[pass];
    const unsigned shift = 32U + 8U * static_cast<unsigned>(pass);
    if (h[(src[0] >> shift) & 255U] == n) {
      continue;
    }
    std::uint32_t sum = 0;
    for (auto& c : h) {
      const std::uint32_t count = c;
      c = sum;
      sum += count;
    }
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t key = src[i];
      dst[h[(key >> shift) & 255U]++] = key;
    }
    std::swap(src, dst);
  }
  if (src != keys) {
    std::copy(src, src + n, keys);
  }
}

}  // namespace

void Splitter::init(const Problem& problem) {
  problem_ = &problem;
  const auto m = static_cast<std::size_t>(problem.m);
  entries_.resize(m * static_cast<std::size_t>(problem.d));
  scratch_.resize(m);
  keys_.resize(m);
  keys_tmp_.resize(m);
  counts_.assign(static_cast<std::size_t>(3 * problem.k), 0);
  if (problem.unit_weights && problem.criterion == Criterion::kEntropy) {
    // i ln i for counts 0..m (kept across trees; only ever extended).
    for (auto i = static_cast<std::int64_t>(xlogx_.size()); i <= problem.m; ++i) {
      xlogx_.push_back(i == 0 ? 0.0 : static_cast<double>(i) * std::log(static_cast<double>(i)));
    }
  }
  goes_left_.resize(m);
  left_.assign(static_cast<std::size_t>(5 * problem.k), 0.0);
  for (std::int32_t j = 0; j < problem.d; ++j) {
    sort_feature(j);
  }
}

void Splitter::sort_feature(std::int32_t j) {
  const Problem& p = *problem_;
  const float* col = p.x->column(j);
  const bool all_rows = p.m == p.x->n;  // row[id] == id
  const std::int32_t* row = p.row.data();
  Entry* out = entries_.data() + static_cast<std::size_t>(j) * static_cast<std::size_t>(p.m);
  Histograms hist{};
  std::uint64_t* keys = keys_.data();
  std::int64_t n_values = 0;
  std::int64_t n_nan = 0;
  for (std::int64_t id = 0; id < p.m; ++id) {
    const float v = col[all_rows ? id : row[id]];
    const auto bits = std::bit_cast<std::uint32_t>(v);
    if ((bits & 0x7F800000U) == 0x7F800000U) {  // NaN or infinite
      SCMFORGE_CHECK(std::isnan(v), InvalidInput,
                     "X[{}, {}] is infinite; features must be finite or NaN (missing)", row[id], j);
      ++n_nan;  // NaN rows go after the values, in id order
      continue;
    }
    const std::uint32_t key = sortable(v);
    count_digits(hist, key);
    keys[n_values++] = (static_cast<std::uint64_t>(key) << 32) | static_cast<std::uint64_t>(id);
  }
  radix_sort(keys, keys_tmp_.data(), static_cast<std::size_t>(n_values), hist);
  for (std::int64_t q = 0; q < n_values; ++q) {
    const std::uint64_t key = keys[q];
    out[q] = Entry{unsortable(static_cast<std::uint32_t>(key >> 32)),
                   static_cast<std::int32_t>(key & 0xFFFFFFFFU)};
  }
  if (n_nan > 0) {
    std::int64_t q = n_values;
    for (std::int64_t id = 0; id < p.m; ++id) {
      const float v = col[all_rows ? id : row[id]];
      if (std::isnan(v)) {
        out[q++] = Entry{v, static_cast<std::int32_t>(id)};
      }
    }
  }
}

void Splitter::root_stats(std::span<double> out) const {
  const Problem& p = *problem_;
  std::fill(out.begin(), out.end(), 0.0);
  const auto s = static_cast<std::size_t>(p.stats_size() - 1);
  for (std::int64_t id = 0; id < p.m; ++id) {
    const double w = weight_of(static_cast<std::int32_t>(id));
    if (p.regression) {
      const double y = p.target[static_cast<std::size_t>(id)];
      const double wy = w * y;
      out[0] += wy;
      out[1] += wy * y;
    } else {
      out[static_cast<std::size_t>(p.label[static_cast<std::size_t>(id)])] += w;
    }
    out[s] += w;
  }
}

double Splitter::node_impurity(const double* stats) const {
  const Problem& p = *problem_;
  switch (p.criterion) {
    case Criterion::kGini:
      return gini_impurity(stats, p.k, stats[p.k]);
    case Criterion::kEntropy:
      return entropy_impurity(stats, p.k, stats[p.k]);
    case Criterion::kSquaredError:
      return squared_error_impurity(stats[0], stats[1], stats[2]);
  }
  return 0.0;
}

double Splitter::class_proxy(const double* left, const double* right, double w_left,
                             double w_right) const {
  const std::int32_t k = problem_->k;
  double impurity_left = 0.0;
  double impurity_right = 0.0;
  if (problem_->criterion == Criterion::kGini) {
    impurity_left = gini_impurity(left, k, w_left);
    impurity_right = gini_impurity(right, k, w_right);
  } else {
    impurity_left = entropy_impurity(left, k, w_left);
    impurity_right = entropy_impurity(right, k, w_right);
  }
  return -w_right * impurity_right - w_left * impurity_left;
}

// Unit weights, gini: integer class counts and sums of squared counts updated per row. A
// candidate's exact value sq_left / n_left + sq_right / n_right (the proxy up to a constant) is
// compared as a fraction in integers; only candidates at least as good as the current best pay
// for scikit-learn's floating-point proxy, which alone decides (so rounding ties resolve as
// scikit-learn's arithmetic resolves them).
template <typename Wide>
void Splitter::scan_gini_unit(std::int32_t f, const Entry* seg, std::int64_t len,
                              std::int64_t n_values, const double* stats, SplitRecord& best1,
                              SplitRecord& best2) {
  const Problem& p = *problem_;
  const std::int32_t k = p.k;
  const auto ku = static_cast<std::size_t>(k);
  std::int64_t* count_left = counts_.data();
  std::int64_t* count_total = count_left + ku;
  std::int64_t* count_missing = count_total + ku;
  std::int64_t sq_missing = 0;
  std::int64_t total_dot_missing = 0;  // sum_c total_c * missing_c
  std::int64_t sq_right = 0;
  for (std::int32_t c = 0; c < k; ++c) {
    count_left[c] = 0;
    count_missing[c] = 0;
    count_total[c] = static_cast<std::int64_t>(stats[c]);
  }
  const std::int64_t n_missing = len - n_values;
  const std::int32_t* label = p.label.data();
  for (std::int64_t q = n_values; q < len; ++q) {
    ++count_missing[label[seg[q].id]];
  }
  for (std::int32_t c = 0; c < k; ++c) {
    sq_missing += count_missing[c] * count_missing[c];
    total_dot_missing += count_total[c] * count_missing[c];
    sq_right += count_total[c] * count_total[c];
  }
  const std::int64_t msl = p.min_samples_leaf;
  const double mwl = p.min_weight_leaf;
  const bool check_weight = mwl > 0.0;
  std::int64_t sq_left = 0;
  std::int64_t left_dot_missing = 0;
  // Exact value of the best candidate so far in each pass: num / den.
  Wide num1 = 0;
  Wide den1 = 0;
  Wide num2 = 0;
  Wide den2 = 0;
  const auto consider = [&](std::int64_t n_left, std::int64_t n_right, std::int64_t sql,
                            std::int64_t sqr, Wide& best_num, Wide& best_den,
                            SplitRecord& best) -> bool {
    const Wide num = static_cast<Wide>(sql) * n_right + static_cast<Wide>(sqr) * n_left;
    const Wide den = static_cast<Wide>(n_left) * n_right;
    if (best_den != 0 && num * best_den < best_num * den) {
      return false;
    }
    const auto w_left = static_cast<double>(n_left);
    const auto w_right = static_cast<double>(n_right);
    const double impurity_left = 1.0 - static_cast<double>(sql) / (w_left * w_left);
    const double impurity_right = 1.0 - static_cast<double>(sqr) / (w_right * w_right);
    const double proxy = -w_right * impurity_right - w_left * impurity_left;
    if (!(proxy > best.proxy)) {
      return false;
    }
    best_num = num;
    best_den = den;
    best.proxy = proxy;
    return true;
  };
  for (std::int64_t q = 0; q < n_values; ++q) {
    const std::int32_t c = label[seg[q].id];
    sq_left += 2 * count_left[c] + 1;
    ++count_left[c];
    sq_right -= 2 * (count_total[c] - count_left[c]) + 1;
    left_dot_missing += count_missing[c];
    const std::int64_t pos = q + 1;
    if (pos < n_values) {
      if (!separated(seg[q].value, seg[pos].value)) {
        continue;
      }
    } else if (n_missing == 0) {
      break;
    }
    std::int64_t n_left = pos;
    std::int64_t n_right = len - pos;
    if (n_left >= msl && n_right >= msl &&
        (!check_weight ||
         !(static_cast<double>(n_left) < mwl || static_cast<double>(n_right) < mwl)) &&
        consider(n_left, n_right, sq_left, sq_right, num1, den1, best1)) {
      record_nan_right(best1, f, seg, pos, n_values, len);
    }
    if (n_missing > 0 && pos < n_values) {
      n_left = pos + n_missing;
      n_right = len - n_left;
      const std::int64_t sql = sq_left + 2 * left_dot_missing + sq_missing;
      const std::int64_t sqr = sq_right - 2 * (total_dot_missing - left_dot_missing) + sq_missing;
      if (n_left >= msl && n_right >= msl &&
          (!check_weight ||
           !(static_cast<double>(n_left) < mwl || static_cast<double>(n_right) < mwl)) &&
          consider(n_left, n_right, sql, sqr, num2, den2, best2)) {
        record_nan_left(best2, f, seg, pos, len - n_values);
      }
    }
  }
}

// Unit weights, entropy: candidates are ranked first by sum_c n_c ln n_c - n ln n over both
// children from a table of i ln i (no logarithms per candidate); a candidate within 1e-9 of the
// current best, or better, pays for scikit-learn's floating-point proxy, which alone decides.
void Splitter::scan_entropy_unit(std::int32_t f, const Entry* seg, std::int64_t len,
                                 std::int64_t n_values, const double* stats, SplitRecord& best1,
                                 SplitRecord& best2) {
  const Problem& p = *problem_;
  const std::int32_t k = p.k;
  const auto ku = static_cast<std::size_t>(k);
  std::int64_t* count_left = counts_.data();
  std::int64_t* count_total = count_left + ku;
  std::int64_t* count_missing = count_total + ku;
  double* sum_left = left_.data();
  double* sum_right = sum_left + ku;
  for (std::int32_t c = 0; c < k; ++c) {
    count_left[c] = 0;
    count_missing[c] = 0;
    count_total[c] = static_cast<std::int64_t>(stats[c]);
  }
  const std::int64_t n_missing = len - n_values;
  const std::int32_t* label = p.label.data();
  for (std::int64_t q = n_values; q < len; ++q) {
    ++count_missing[label[seg[q].id]];
  }
  const double* xlogx = xlogx_.data();
  const std::int64_t msl = p.min_samples_leaf;
  const double mwl = p.min_weight_leaf;
  double approx1 = -kInf;
  double approx2 = -kInf;
  const auto consider = [&](std::int64_t n_left, std::int64_t n_right, bool with_missing,
                            double& best_approx, SplitRecord& best) -> bool {
    if (static_cast<double>(n_left) < mwl || static_cast<double>(n_right) < mwl) {
      return false;
    }
    double approx = -xlogx[n_left] - xlogx[n_right];
    for (std::int32_t c = 0; c < k; ++c) {
      const std::int64_t lc = count_left[c] + (with_missing ? count_missing[c] : 0);
      approx += xlogx[lc] + xlogx[count_total[c] - lc];
    }
    if (approx < best_approx - 1e-9 * (std::abs(best_approx) + 1.0)) {
      return false;
    }
    for (std::int32_t c = 0; c < k; ++c) {
      const std::int64_t lc = count_left[c] + (with_missing ? count_missing[c] : 0);
      sum_left[c] = static_cast<double>(lc);
      sum_right[c] = static_cast<double>(count_total[c] - lc);
    }
    const double proxy =
        class_proxy(sum_left, sum_right, static_cast<double>(n_left), static_cast<double>(n_right));
    if (!(proxy > best.proxy)) {
      return false;
    }
    best_approx = approx;
    best.proxy = proxy;
    return true;
  };
  for (std::int64_t q = 0; q < n_values; ++q) {
    ++count_left[label[seg[q].id]];
    const std::int64_t pos = q + 1;
    if (pos < n_values) {
      if (!separated(seg[q].value, seg[pos].value)) {
        continue;
      }
    } else if (n_missing == 0) {
      break;
    }
    std::int64_t n_left = pos;
    std::int64_t n_right = len - pos;
    if (n_left >= msl && n_right >= msl && consider(n_left, n_right, false, approx1, best1)) {
      record_nan_right(best1, f, seg, pos, n_values, len);
    }
    if (n_missing > 0 && pos < n_values) {
      n_left = pos + n_missing;
      n_right = len - n_left;
      if (n_left >= msl && n_right >= msl && consider(n_left, n_right, true, approx2, best2)) {
        record_nan_left(best2, f, seg, pos, len - n_values);
      }
    }
  }
}

template <bool kUnit>
void Splitter::scan_classification(std::int32_t f, const Entry* seg, std::int64_t len,
                                   std::int64_t n_values, const double* stats, SplitRecord& best1,
                                   SplitRecord& best2) {
  const Problem& p = *problem_;
  const std::int32_t k = p.k;
  const auto ku = static_cast<std::size_t>(k);
  double* sum_left = left_.data();
  double* sum_right = sum_left + ku;
  double* sum_missing = sum_right + ku;
  double* sum_left2 = sum_missing + ku;
  double* sum_right2 = sum_left2 + ku;
  std::fill(sum_left, sum_left + 5 * ku, 0.0);
  const double wn = stats[k];
  const std::int64_t n_missing = len - n_values;
  const std::int32_t* label = p.label.data();
  double w_missing = 0.0;
  for (std::int64_t q = n_values; q < len; ++q) {
    const std::int32_t id = seg[q].id;
    const double w = kUnit ? 1.0 : p.weight[static_cast<std::size_t>(id)];
    sum_missing[label[id]] += w;
    w_missing += w;
  }
  const std::int64_t msl = p.min_samples_leaf;
  const double mwl = p.min_weight_leaf;
  double w_left = 0.0;
  for (std::int64_t q = 0; q < n_values; ++q) {
    const std::int32_t id = seg[q].id;
    const double w = kUnit ? 1.0 : p.weight[static_cast<std::size_t>(id)];
    sum_left[label[id]] += w;
    w_left += w;
    const std::int64_t pos = q + 1;
    if (pos < n_values) {
      if (!separated(seg[q].value, seg[pos].value)) {
        continue;
      }
    } else if (n_missing == 0) {
      break;
    }
    // First pass: NaN rows right (at pos == n_values: exactly the NaN rows right).
    std::int64_t n_left = pos;
    std::int64_t n_right = len - pos;
    if (n_left >= msl && n_right >= msl) {
      const double w_right = wn - w_left;
      if (!(w_left < mwl || w_right < mwl)) {
        for (std::int32_t c = 0; c < k; ++c) {
          sum_right[c] = stats[c] - sum_left[c];
        }
        const double proxy = class_proxy(sum_left, sum_right, w_left, w_right);
        if (proxy > best1.proxy) {
          best1.proxy = proxy;
          record_nan_right(best1, f, seg, pos, n_values, len);
        }
      }
    }
    // Second pass: NaN rows left.
    if (n_missing > 0 && pos < n_values) {
      n_left = pos + n_missing;
      n_right = len - n_left;
      if (n_left >= msl && n_right >= msl) {
        const double w_left2 = w_missing + w_left;
        const double w_right2 = wn - w_left2;
        if (!(w_left2 < mwl || w_right2 < mwl)) {
          for (std::int32_t c = 0; c < k; ++c) {
            sum_left2[c] = sum_missing[c] + sum_left[c];
            sum_right2[c] = stats[c] - sum_left2[c];
          }
          const double proxy = class_proxy(sum_left2, sum_right2, w_left2, w_right2);
          if (proxy > best2.proxy) {
            best2.proxy = proxy;
            record_nan_left(best2, f, seg, pos, len - n_values);
          }
        }
      }
    }
  }
}

template <bool kUnit>
void Splitter::scan_regression(std::int32_t f, const Entry* seg, std::int64_t len,
                               std::int64_t n_values, const double* stats, SplitRecord& best1,
                               SplitRecord& best2) {
  const Problem& p = *problem_;
  const double total = stats[0];
  const double wn = stats[2];
  const std::int64_t n_missing = len - n_values;
  const double* target = p.target.data();
  double sum_missing = 0.0;
  double w_missing = 0.0;
  for (std::int64_t q = n_values; q < len; ++q) {
    const std::int32_t id = seg[q].id;
    const double w = kUnit ? 1.0 : p.weight[static_cast<std::size_t>(id)];
    sum_missing += w * target[id];
    w_missing += w;
  }
  const std::int64_t msl = p.min_samples_leaf;
  const double mwl = p.min_weight_leaf;
  double sum_left = 0.0;
  double w_left = 0.0;
  for (std::int64_t q = 0; q < n_values; ++q) {
    const std::int32_t id = seg[q].id;
    const double w = kUnit ? 1.0 : p.weight[static_cast<std::size_t>(id)];
    sum_left += w * target[id];
    w_left += w;
    const std::int64_t pos = q + 1;
    if (pos < n_values) {
      if (!separated(seg[q].value, seg[pos].value)) {
        continue;
      }
    } else if (n_missing == 0) {
      break;
    }
    std::int64_t n_left = pos;
    std::int64_t n_right = len - pos;
    if (n_left >= msl && n_right >= msl) {
      const double w_right = wn - w_left;
      if (!(w_left < mwl || w_right < mwl)) {
        const double sum_right = total - sum_left;
        const double proxy = sum_left * sum_left / w_left + sum_right * sum_right / w_right;
        if (proxy > best1.proxy) {
          best1.proxy = proxy;
          record_nan_right(best1, f, seg, pos, n_values, len);
        }
      }
    }
    if (n_missing > 0 && pos < n_values) {
      n_left = pos + n_missing;
      n_right = len - n_left;
      if (n_left >= msl && n_right >= msl) {
        const double w_left2 = w_missing + w_left;
        const double w_right2 = wn - w_left2;
        if (!(w_left2 < mwl || w_right2 < mwl)) {
          const double sum_left2 = sum_missing + sum_left;
          const double sum_right2 = total - sum_left2;
          const double proxy = sum_left2 * sum_left2 / w_left2 + sum_right2 * sum_right2 / w_right2;
          if (proxy > best2.proxy) {
            best2.proxy = proxy;
            record_nan_left(best2, f, seg, pos, len - n_values);
          }
        }
      }
    }
  }
}

bool Splitter::find_split(std::int64_t start, std::int64_t end, const double* stats,
                          double /*impurity*/, std::span<const std::int32_t> features,
                          std::int32_t max_features, Rng& rng, std::vector<std::int32_t>& constant,
                          SplitRecord& best) {
  const Problem& p = *problem_;
  best = SplitRecord{};
  const auto nf = static_cast<std::int64_t>(features.size());
  const bool subsample = max_features > 0 && max_features < nf;
  order_.assign(features.begin(), features.end());
  std::int64_t visited = 0;
  std::int64_t n_constant = 0;
  const std::int64_t len = end - start;
  for (std::int64_t drawn = 0; drawn < nf; ++drawn) {
    if (subsample) {
      if (!(visited < max_features || visited <= n_constant)) {
        break;
      }
      const auto j =
          drawn + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(nf - drawn)));
      std::swap(order_[static_cast<std::size_t>(drawn)], order_[static_cast<std::size_t>(j)]);
    }
    const std::int32_t f = order_[static_cast<std::size_t>(drawn)];
    ++visited;
    const Entry* seg = entries_.data() +
                       static_cast<std::size_t>(f) * static_cast<std::size_t>(p.m) +
                       static_cast<std::size_t>(start);
    const std::int64_t n_values = count_values(seg, len);
    if (n_values == 0 || (n_values == len && !separated(seg[0].value, seg[n_values - 1].value))) {
      constant.push_back(f);
      ++n_constant;
      continue;
    }
    SplitRecord best1;
    SplitRecord best2;
    if (p.regression) {
      if (p.unit_weights) {
        scan_regression<true>(f, seg, len, n_values, stats, best1, best2);
      } else {
        scan_regression<false>(f, seg, len, n_values, stats, best1, best2);
      }
    } else if (p.unit_weights && p.criterion == Criterion::kGini) {
      if (len <= 4096) {
        scan_gini_unit<std::int64_t>(f, seg, len, n_values, stats, best1, best2);
      } else if (len <= (std::int64_t{1} << 20)) {
        scan_gini_unit<Int128>(f, seg, len, n_values, stats, best1, best2);
      } else {
        scan_classification<true>(f, seg, len, n_values, stats, best1, best2);
      }
    } else if (p.unit_weights && p.criterion == Criterion::kEntropy) {
      scan_entropy_unit(f, seg, len, n_values, stats, best1, best2);
    } else if (p.unit_weights) {
      scan_classification<true>(f, seg, len, n_values, stats, best1, best2);
    } else {
      scan_classification<false>(f, seg, len, n_values, stats, best1, best2);
    }
    if (best1.proxy > best.proxy) {
      best = best1;
    }
    if (best2.proxy > best.proxy) {
      best = best2;
    }
  }
  return best.feature >= 0;
}

void Splitter::apply_split(std::int64_t start, std::int64_t end, const double* stats,
                           double impurity, std::span<const std::int32_t> features, bool partition,
                           SplitRecord& split, std::span<double> left_stats,
                           std::span<double> right_stats) {
  const Problem& p = *problem_;
  const std::int64_t len = end - start;
  const auto mu = static_cast<std::size_t>(p.m);
  const Entry* seg = entries_.data() + static_cast<std::size_t>(split.feature) * mu +
                     static_cast<std::size_t>(start);
  const std::int64_t n_values = count_values(seg, len);
  std::fill(left_stats.begin(), left_stats.end(), 0.0);
  std::fill(right_stats.begin(), right_stats.end(), 0.0);
  const auto s = static_cast<std::size_t>(p.stats_size() - 1);
  for (std::int64_t q = 0; q < len; ++q) {
    const std::int32_t id = seg[q].id;
    const bool left = q < split.n_left_values || (q >= n_values && split.nan_left);
    goes_left_[static_cast<std::size_t>(id)] = left ? 1 : 0;
    std::span<double> out = left ? left_stats : right_stats;
    const double w = weight_of(id);
    if (p.regression) {
      const double y = p.target[static_cast<std::size_t>(id)];
      const double wy = w * y;
      out[0] += wy;
      out[1] += wy * y;
    } else {
      out[static_cast<std::size_t>(p.label[static_cast<std::size_t>(id)])] += w;
    }
    out[s] += w;
  }
  // Children impurities from the children's own sums. scikit-learn derives the right child's
  // sums as total - left, which leaves rounding residue with fractional weights (a pure child
  // can get an impurity of 1e-16 and be split further); with unit or integer weights both agree.
  const double wn = stats[s];
  const double w_left = left_stats[s];
  const double w_right = right_stats[s];
  if (p.regression) {
    split.impurity_left = squared_error_impurity(left_stats[0], left_stats[1], w_left);
    split.impurity_right = squared_error_impurity(right_stats[0], right_stats[1], w_right);
  } else if (p.criterion == Criterion::kGini) {
    split.impurity_left = gini_impurity(left_stats.data(), p.k, w_left);
    split.impurity_right = gini_impurity(right_stats.data(), p.k, w_right);
  } else {
    split.impurity_left = entropy_impurity(left_stats.data(), p.k, w_left);
    split.impurity_right = entropy_impurity(right_stats.data(), p.k, w_right);
  }
  split.improvement = impurity_improvement(p.weighted_n_samples, wn, w_left, w_right, impurity,
                                           split.impurity_left, split.impurity_right);
  if (!partition) {
    return;
  }
  // Stable partition of every carried feature's list.
  for (const std::int32_t f : features) {
    Entry* list =
        entries_.data() + static_cast<std::size_t>(f) * mu + static_cast<std::size_t>(start);
    std::int64_t n_left = 0;
    std::int64_t n_right = 0;
    Entry* scratch = scratch_.data();
    const std::uint8_t* goes_left = goes_left_.data();
    for (std::int64_t q = 0; q < len; ++q) {
      // Branchless: write both ways, advance one.
      const Entry e = list[q];
      const std::int64_t l = goes_left[e.id];
      list[n_left] = e;
      scratch[n_right] = e;
      n_left += l;
      n_right += 1 - l;
    }
    std::copy(scratch_.begin(), scratch_.begin() + n_right, list + n_left);
  }
}

}  // namespace scmforge::tree::cart
