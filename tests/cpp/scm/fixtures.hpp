// tests/cpp/scm/fixtures.hpp: tables drawn from SCMs with known structure, and moment helpers.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "scmforge/core/distributions.hpp"
#include "scmforge/core/random.hpp"
#include "scmforge/core/table.hpp"
#include "scmforge/scm/scm.hpp"

namespace scmforge::scm::testing {

/// Builds a table from named columns (numeric unless `levels` is given for that column).
struct TableBuilder {
  Table<double> t;
  explicit TableBuilder(std::int64_t n) { t.n = n; }
  TableBuilder& numeric(const std::string& name, const std::vector<double>& v) {
    t.columns.push_back({name, ColumnKind::kNumeric, 0, {}});
    t.values.insert(t.values.end(), v.begin(), v.end());
    return *this;
  }
  TableBuilder& categorical(const std::string& name, const std::vector<double>& codes,
                            std::vector<std::string> levels) {
    const auto k = static_cast<std::int32_t>(levels.size());
    t.columns.push_back({name, ColumnKind::kCategorical, k, std::move(levels)});
    t.values.insert(t.values.end(), codes.begin(), codes.end());
    return *this;
  }
};

inline Rng fixture_rng(std::uint64_t child) { return Rng(7, derive_stream(streams::kTest, child)); }

/// Linear-Gaussian chain x -> y -> z: x ~ N(0, 1), y = 2x + N(0, 1), z = -1.5y + N(0, 0.25).
inline Table<double> chain_table(std::int64_t n, std::uint64_t child = 1) {
  Rng rng = fixture_rng(child);
  std::vector<double> x(n), y(n), z(n);
  for (std::int64_t i = 0; i < n; ++i) {
    x[i] = dist::normal(rng);
    y[i] = 2 * x[i] + dist::normal(rng);
    z[i] = -1.5 * y[i] + 0.5 * dist::normal(rng);
  }
  return TableBuilder(n).numeric("x", x).numeric("y", y).numeric("z", z).t;
}

/// Mean and variance of column j.
struct Moments {
  double mean = 0;
  double var = 0;
};
inline Moments moments(const Table<double>& t, std::int64_t j) {
  Moments m;
  const auto col = t.column(j);
  for (double v : col) m.mean += v / static_cast<double>(t.n);
  for (double v : col) m.var += (v - m.mean) * (v - m.mean) / static_cast<double>(t.n - 1);
  return m;
}

/// Share of rows of categorical column j equal to `code`.
inline double share(const Table<double>& t, std::int64_t j, double code) {
  double s = 0;
  for (double v : t.column(j)) s += v == code ? 1.0 : 0.0;
  return s / static_cast<double>(t.n);
}

}  // namespace scmforge::scm::testing
