// src/prior/postprocess.cpp: categorical features, scaling, class assignment and validity checks.
#include "scmforge/prior/postprocess.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <vector>

#include "scmforge/core/distributions.hpp"

namespace scmforge::prior {
namespace {

double mean_of(const Eigen::VectorXd& v) { return v.mean(); }

double std_of(const Eigen::VectorXd& v, double mean) {
  if (v.size() < 2) return 0.0;
  return std::sqrt((v.array() - mean).square().sum() / static_cast<double>(v.size() - 1));
}

// Mean and unbiased std over the entries inside [lo, hi].
void inlier_stats(const Eigen::VectorXd& v, double lo, double hi, double& mean, double& std) {
  double sum = 0;
  std::int64_t count = 0;
  for (double x : v) {
    if (x >= lo && x <= hi) {
      sum += x;
      ++count;
    }
  }
  if (count == 0) return;  // keep the previous statistics
  mean = sum / static_cast<double>(count);
  double ss = 0;
  for (double x : v) {
    if (x >= lo && x <= hi) ss += (x - mean) * (x - mean);
  }
  std = count > 1 ? std::sqrt(ss / static_cast<double>(count - 1)) : 0.0;
}

// TabPFN remove_outliers: two-pass 4-sigma bounds, soft log compression beyond them.
void soft_outliers(Eigen::VectorXd& v) {
  double mean = mean_of(v);
  double std = std_of(v, mean);
  inlier_stats(v, mean - 4 * std, mean + 4 * std, mean, std);
  const double lower = mean - 4 * std;
  const double upper = mean + 4 * std;
  for (double& x : v) {
    x = std::max(-std::log1p(std::abs(x)) + lower, x);
    x = std::min(std::log1p(std::abs(x)) + upper, x);
  }
}

// TabICL outlier_removing: two-pass 4-sigma bounds (std floored at 1e-6), hard clamp.
void hard_outliers(Eigen::VectorXd& v) {
  double mean = mean_of(v);
  double std = std::max(std_of(v, mean), 1e-6);
  double inner_mean = mean;
  double inner_std = std;
  inlier_stats(v, mean - 4 * std, mean + 4 * std, inner_mean, inner_std);
  inner_std = std::max(inner_std, 1e-6);
  const double lower = inner_mean - 4 * inner_std;
  const double upper = inner_mean + 4 * inner_std;
  for (double& x : v) x = std::clamp(x, lower, upper);
}

void zscore(Eigen::VectorXd& v, bool tabpfn) {
  const double mean = mean_of(v);
  const double std = std_of(v, mean);
  const double denom = tabpfn ? std + 1e-6 : std::max(std, 1e-6);
  for (double& x : v) x = std::clamp((x - mean) / denom, -100.0, 100.0);
}

// class = number of boundaries strictly below the value.
std::vector<std::int32_t> assign(const Eigen::VectorXd& v, const std::vector<double>& boundaries) {
  std::vector<std::int32_t> classes(static_cast<std::size_t>(v.size()));
  for (Eigen::Index i = 0; i < v.size(); ++i) {
    std::int32_t c = 0;
    for (double b : boundaries) c += v[i] > b ? 1 : 0;
    classes[static_cast<std::size_t>(i)] = c;
  }
  return classes;
}

// TabICL permute_classes: the present classes, in sorted order, get a random permutation of
// 0..(present - 1).
void permute_present(std::vector<std::int32_t>& classes, Rng& rng) {
  std::vector<std::int32_t> present(classes.begin(), classes.end());
  std::sort(present.begin(), present.end());
  present.erase(std::unique(present.begin(), present.end()), present.end());
  if (present.size() <= 1) return;
  std::vector<std::int32_t> perm(present.size());
  std::iota(perm.begin(), perm.end(), 0);
  dist::shuffle(rng, std::span<std::int32_t>(perm));
  for (auto& c : classes) {
    const auto rank = std::lower_bound(present.begin(), present.end(), c) - present.begin();
    c = perm[static_cast<std::size_t>(rank)];
  }
}

// TabPFN randomize_classes: a random permutation of 0..k-1 applied to the codes.
void permute_all(std::vector<std::int32_t>& classes, std::int32_t k, Rng& rng) {
  std::vector<std::int32_t> perm(static_cast<std::size_t>(k));
  std::iota(perm.begin(), perm.end(), 0);
  dist::shuffle(rng, std::span<std::int32_t>(perm));
  for (auto& c : classes) c = perm[static_cast<std::size_t>(c)];
}

void reverse(std::vector<std::int32_t>& classes, std::int32_t k) {
  for (auto& c : classes) c = k - 1 - c;
}

std::vector<double> rows_as_boundaries(const Eigen::VectorXd& v, std::int32_t count, Rng& rng) {
  std::vector<double> b(static_cast<std::size_t>(std::max(count, 0)));
  for (auto& x : b)
    x = v[static_cast<Eigen::Index>(rng.below(static_cast<std::uint64_t>(v.size())))];
  return b;
}

std::int32_t count_distinct(const Eigen::VectorXd& v) {
  std::set<double> values(v.begin(), v.end());
  return static_cast<std::int32_t>(values.size());
}

// Turns some columns categorical; returns the level count per column (0 = numeric).
std::vector<std::int32_t> make_categorical(Eigen::MatrixXd& x, const PriorConfig& c, Rng& rng) {
  const bool tabpfn = c.family == "tabpfn";
  std::vector<std::int32_t> levels(static_cast<std::size_t>(x.cols()), 0);
  if (!(rng.uniform() < c.categorical_prob)) return levels;
  const double p = rng.uniform();
  for (Eigen::Index j = 0; j < x.cols(); ++j) {
    auto k = static_cast<std::int32_t>(std::max(round_half_even(dist::gamma(rng, 1.0, 10.0)), 2.0));
    if (c.max_categories > 0) k = std::min(k, c.max_categories);
    if (tabpfn) {  // MulticlassRank's own class count rule, drawn for every column
      k = rng.uniform() > 0.5 ? static_cast<std::int32_t>(rng.integer(2, std::max(k, 2))) : 2;
    }
    if (!(rng.uniform() < p)) continue;
    Eigen::VectorXd col = x.col(j);
    std::vector<std::int32_t> codes = assign(col, rows_as_boundaries(col, k - 1, rng));
    if (rng.uniform() > 0.3) {
      tabpfn ? permute_all(codes, k, rng) : permute_present(codes, rng);
    }
    if (rng.uniform() > 0.5) reverse(codes, k);
    for (Eigen::Index i = 0; i < x.rows(); ++i) x(i, j) = codes[static_cast<std::size_t>(i)];
    levels[static_cast<std::size_t>(j)] = count_distinct(x.col(j));
  }
  return levels;
}

// Relabels to 0..k-1 in sorted order of the present codes; returns k.
std::int32_t compact_labels(std::vector<std::int32_t>& y) {
  std::vector<std::int32_t> present(y.begin(), y.end());
  std::sort(present.begin(), present.end());
  present.erase(std::unique(present.begin(), present.end()), present.end());
  for (auto& c : y)
    c = static_cast<std::int32_t>(std::lower_bound(present.begin(), present.end(), c) -
                                  present.begin());
  return static_cast<std::int32_t>(present.size());
}

bool split_compatible(const std::vector<std::int32_t>& y, std::int32_t pos) {
  std::set<std::int32_t> train(y.begin(), y.begin() + pos);
  std::set<std::int32_t> test(y.begin() + pos, y.end());
  return train.size() >= 2 && train == test;
}

}  // namespace

Rejection to_classification(const RawDataset& raw, const GroupHyper& hp, const PriorConfig& c,
                            std::int32_t num_classes, std::int32_t single_eval_pos, Rng& rng,
                            PriorDataset& out) {
  const bool tabpfn = c.family == "tabpfn";
  if (!raw.x.allFinite() || !raw.y.allFinite()) return Rejection::kNonFinite;
  Eigen::MatrixXd x = raw.x.cast<double>();
  Eigen::VectorXd y = raw.y.cast<double>();
  const auto n = static_cast<std::int32_t>(x.rows());
  const auto d_used = static_cast<std::int32_t>(x.cols());

  std::vector<std::int32_t> levels = make_categorical(x, c, rng);
  for (Eigen::Index j = 0; j < x.cols(); ++j) {
    Eigen::VectorXd col = x.col(j);
    tabpfn ? soft_outliers(col) : hard_outliers(col);
    zscore(col, tabpfn);
    x.col(j) = col;
  }
  if (!tabpfn) hard_outliers(y);
  zscore(y, tabpfn);

  // Classes of y.
  std::vector<std::int32_t> labels;
  if (tabpfn) {
    std::vector<double> boundaries;
    for (std::int32_t r : hp.boundary_rows) boundaries.push_back(y[std::min(r, n - 1)]);
    labels = assign(y, boundaries);
    permute_all(labels, hp.group_classes, rng);  // ordered_p = 0: always randomised
    if (rng.uniform() > 0.5) reverse(labels, hp.group_classes);
  } else {
    std::vector<double> boundaries;
    if (hp.value_mode) {
      boundaries.resize(static_cast<std::size_t>(num_classes - 1));
      for (auto& b : boundaries) b = dist::normal(rng);
    } else {
      boundaries = rows_as_boundaries(y, num_classes - 1, rng);
    }
    labels = assign(y, boundaries);
    permute_present(labels, rng);  // ordered_prob = 0
    if (rng.uniform() > 0.5) reverse(labels, num_classes);
    permute_present(labels, rng);  // permute_labels
  }
  if (compact_labels(labels) < 2) return Rejection::kOneClass;

  // Feature scaling and order.
  if (tabpfn) x *= static_cast<double>(c.max_features) / static_cast<double>(d_used);
  std::vector<std::int32_t> order(static_cast<std::size_t>(d_used));
  std::iota(order.begin(), order.end(), 0);
  if (c.permute_features) {
    if (tabpfn) {
      const auto shift = static_cast<std::size_t>(rng.below(static_cast<std::uint64_t>(d_used)));
      std::rotate(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(shift), order.end());
    } else {
      dist::shuffle(rng, std::span<std::int32_t>(order));
    }
  }

  // Train/test class compatibility, re-permuting rows up to 10 times.
  std::vector<std::int32_t> rows(static_cast<std::size_t>(n));
  std::iota(rows.begin(), rows.end(), 0);
  std::vector<std::int32_t> permuted = labels;
  bool ok = split_compatible(permuted, single_eval_pos);
  for (int attempt = 0; attempt < 10 && !ok; ++attempt) {
    std::iota(rows.begin(), rows.end(), 0);
    dist::shuffle(rng, std::span<std::int32_t>(rows));
    for (std::int32_t i = 0; i < n; ++i)
      permuted[static_cast<std::size_t>(i)] =
          labels[static_cast<std::size_t>(rows[static_cast<std::size_t>(i)])];
    ok = split_compatible(permuted, single_eval_pos);
  }
  if (!ok) return Rejection::kIncompatible;
  std::int32_t k = compact_labels(permuted);
  if (tabpfn) {  // rotate_normalized_labels
    const auto shift = static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(k)));
    for (auto& label : permuted) label = (label + shift) % k;
  }

  // Assemble the output: constant features dropped, rows in their permuted order.
  std::vector<std::int32_t> keep;
  for (std::int32_t j : order) {
    const auto col = x.col(j);
    const bool constant = (col.array() == col[0]).all();
    if (!(c.remove_constant_features && constant)) keep.push_back(j);
  }
  if (keep.empty()) return Rejection::kNoFeatures;
  out.n = n;
  out.d = static_cast<std::int32_t>(keep.size());
  out.k = k;
  out.single_eval_pos = single_eval_pos;
  out.y = std::move(permuted);
  out.x.resize(static_cast<std::size_t>(n) * keep.size());
  out.categorical.resize(keep.size());
  for (std::size_t jj = 0; jj < keep.size(); ++jj) {
    const std::int32_t j = keep[jj];
    out.categorical[jj] = levels[static_cast<std::size_t>(j)];
    float* dst = out.x.data() + jj * static_cast<std::size_t>(n);
    for (std::int32_t i = 0; i < n; ++i)
      dst[i] = static_cast<float>(x(rows[static_cast<std::size_t>(i)], j));
  }
  if (c.missing_rate > 0) {
    for (float& v : out.x) {
      if (rng.uniform() < c.missing_rate) v = std::numeric_limits<float>::quiet_NaN();
    }
  }
  return Rejection::kNone;
}

}  // namespace scmforge::prior
