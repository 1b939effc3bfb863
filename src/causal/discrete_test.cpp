// src/causal/discrete_test.cpp: stratified contingency tables, chi-square / G-square p-values.
#include "scmforge/causal/discrete_test.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "scmforge/core/error.hpp"

namespace scmforge::causal {
namespace {

// P(a, x) by its power series (x < a + 1).
double gamma_p_series(double a, double x) {
  double term = 1.0 / a, sum = term;
  for (int k = 1; k < 10000; ++k) {
    term *= x / (a + k);
    sum += term;
    if (std::abs(term) < std::abs(sum) * 1e-16) break;
  }
  return sum * std::exp(-x + a * std::log(x) - std::lgamma(a));
}

// Q(a, x) by its continued fraction (x >= a + 1), evaluated with the modified Lentz method.
double gamma_q_fraction(double a, double x) {
  constexpr double kTiny = 1e-300;
  double b = x + 1.0 - a, c = 1.0 / kTiny, d = 1.0 / b, h = d;
  for (int i = 1; i < 10000; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (std::abs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::abs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::abs(delta - 1.0) < 1e-16) break;
  }
  return std::exp(-x + a * std::log(x) - std::lgamma(a)) * h;
}

}  // namespace

double chi2_sf(double x, double df) {
  SCMFORGE_CHECK(df > 0, InvalidInput, "chi2_sf: degrees of freedom must be > 0, got {}", df);
  if (!(x > 0.0)) return 1.0;
  const double a = df / 2.0, h = x / 2.0;
  return h < a + 1.0 ? 1.0 - gamma_p_series(a, h) : gamma_q_fraction(a, h);
}

DiscreteTest::DiscreteTest(const Eigen::MatrixXd& data, Statistic statistic,
                           std::vector<std::string> names)
    : statistic_(statistic), n_(data.rows()) {
  const Eigen::Index d = data.cols();
  SCMFORGE_CHECK(d >= 2, InvalidInput, "discrete CI test needs at least 2 columns, got {}", d);
  SCMFORGE_CHECK(n_ > 0, InvalidInput, "discrete CI test needs rows, got none");
  for (Eigen::Index j = 0; j < d; ++j) {
    const auto label = names.empty() ? fmt::format("{}", j)
                                     : fmt::format("'{}'", names[static_cast<std::size_t>(j)]);
    SCMFORGE_CHECK(data.col(j).allFinite(), InvalidInput,
                   "column {} holds NaN or infinite values; drop or impute them first", label);
    std::vector<double> levels(data.col(j).data(), data.col(j).data() + n_);
    std::sort(levels.begin(), levels.end());
    levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
    std::vector<std::int32_t> code(static_cast<std::size_t>(n_));
    for (Eigen::Index i = 0; i < n_; ++i)
      code[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(
          std::lower_bound(levels.begin(), levels.end(), data(i, j)) - levels.begin());
    codes_.push_back(std::move(code));
    card_.push_back(static_cast<int>(levels.size()));
  }
}

double DiscreteTest::p_value(int x, int y, std::span<const int> s) const {
  const auto n = static_cast<std::size_t>(n_);
  // Stratum of every row: its S configuration in mixed radix while the radix product stays
  // small (then a dense table, as causal-learn's bincount path), else ranked densely by a hash
  // map. Empty configurations have no counts and are skipped below.
  std::vector<std::int64_t> key(n, 0);
  std::int64_t strata = 1;
  const std::int64_t dense = std::max<std::int64_t>(1024, n_ / 4);
  for (const int c : s) {
    const std::vector<std::int32_t>& col = codes_[static_cast<std::size_t>(c)];
    const std::int64_t card = card_[static_cast<std::size_t>(c)];
    if (strata * card <= dense) {
      for (std::size_t i = 0; i < n; ++i) key[i] = key[i] * card + col[i];
      strata *= card;
      continue;
    }
    std::unordered_map<std::int64_t, std::int64_t> rank;
    for (std::size_t i = 0; i < n; ++i) {
      const std::int64_t k = key[i] * card + col[i];
      key[i] = rank.emplace(k, static_cast<std::int64_t>(rank.size())).first->second;
    }
    strata = static_cast<std::int64_t>(rank.size());
  }
  const int kx = card_[static_cast<std::size_t>(x)], ky = card_[static_cast<std::size_t>(y)];
  const auto cells = static_cast<std::size_t>(kx) * static_cast<std::size_t>(ky);
  std::vector<double> count(static_cast<std::size_t>(strata) * cells, 0.0);
  const std::vector<std::int32_t>& cx = codes_[static_cast<std::size_t>(x)];
  const std::vector<std::int32_t>& cy = codes_[static_cast<std::size_t>(y)];
  for (std::size_t i = 0; i < n; ++i)
    count[static_cast<std::size_t>(key[i]) * cells +
          static_cast<std::size_t>(cx[i] * ky + cy[i])] += 1.0;
  double stat = 0.0, df = 0.0;
  std::vector<double> rows(static_cast<std::size_t>(kx)), cols(static_cast<std::size_t>(ky));
  for (std::int64_t st = 0; st < strata; ++st) {
    const double* c = count.data() + static_cast<std::size_t>(st) * cells;
    std::fill(rows.begin(), rows.end(), 0.0);
    std::fill(cols.begin(), cols.end(), 0.0);
    double total = 0.0;
    for (int i = 0; i < kx; ++i)
      for (int j = 0; j < ky; ++j) {
        const double v = c[i * ky + j];
        rows[static_cast<std::size_t>(i)] += v;
        cols[static_cast<std::size_t>(j)] += v;
        total += v;
      }
    if (total == 0.0) continue;  // a configuration that does not occur
    for (int i = 0; i < kx; ++i)
      for (int j = 0; j < ky; ++j) {
        const double e =
            rows[static_cast<std::size_t>(i)] * cols[static_cast<std::size_t>(j)] / total;
        if (e == 0.0) continue;
        const double v = c[i * ky + j];
        stat += statistic_ == Statistic::kChiSquare ? (v - e) * (v - e) / e
                                                    : (v > 0.0 ? 2.0 * v * std::log(v / e) : 0.0);
      }
    const auto empty_rows = std::count(rows.begin(), rows.end(), 0.0);
    const auto empty_cols = std::count(cols.begin(), cols.end(), 0.0);
    df += static_cast<double>((kx - 1 - empty_rows) * (ky - 1 - empty_cols));
  }
  return df == 0.0 ? 1.0 : chi2_sf(stat, df);
}

}  // namespace scmforge::causal
