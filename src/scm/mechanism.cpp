// src/scm/mechanism.cpp: per-node model fitting (with the auto mode's cross-validation) and row
// sampling.
#include "scmforge/scm/mechanism.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "scmforge/core/distributions.hpp"
#include "scmforge/core/error.hpp"

namespace scmforge::scm {
namespace {

// Stream domain of the auto mode's fold assignment ("scmcv"); child = node index.
constexpr std::uint64_t kCvStream = 0x73636d6376ULL;

// Model features of `rows` (all rows when empty) as an n x p column-major matrix.
std::vector<double> encode_columns(const Table<double>& data, const Mechanism& m,
                                   const std::vector<std::int64_t>& rows) {
  const auto n = static_cast<std::int64_t>(rows.size());
  const std::int32_t p = m.n_features();
  std::vector<double> x(static_cast<std::size_t>(n * p), 0.0);
  std::int64_t f = 0;
  for (std::size_t i = 0; i < m.parents.size(); ++i) {
    const auto col = data.column(m.parents[i]);
    if (m.parent_levels[i] == 0) {
      for (std::int64_t r = 0; r < n; ++r) x[f * n + r] = col[rows[r]];
      ++f;
    } else {
      for (std::int64_t r = 0; r < n; ++r) {
        x[(f + static_cast<std::int64_t>(col[rows[r]])) * n + r] = 1.0;
      }
      f += m.parent_levels[i];
    }
  }
  return x;
}

struct Target {
  std::vector<double> y;  // numeric values, or model class indices 0..k-1
  std::int32_t k = 0;     // classes (categorical)
};

// Fits kind (kLinear or kBoosted) on x / y and returns the model inside `m`.
void fit_model(Mechanism& m, MechanismKind kind, std::span<const double> x, std::int64_t n,
               const Target& t, const FitOptions& o) {
  const std::int32_t p = m.n_features();
  m.kind = kind;
  if (kind == MechanismKind::kLinear) {
    m.linear = m.categorical ? fit_logistic(x, n, p, t.y, t.k, o.logistic_l2)
                             : fit_ridge(x, n, p, t.y, o.ridge_alpha);
  } else {
    m.boosted = fit_boosted(x, n, p, t.y,
                            m.categorical ? BoostingLoss::kSoftmax : BoostingLoss::kSquaredError,
                            t.k, o.boosting);
  }
}

// Raw outputs of the fitted model for one encoded row.
void predict(const Mechanism& m, const double* x_row, double* out) {
  if (m.kind == MechanismKind::kLinear) {
    m.linear.predict_row(x_row, out);
  } else {
    m.boosted.predict_row(x_row, out);
  }
}

// In-place softmax of k logits.
void softmax(double* z, std::size_t k) {
  const double top = *std::max_element(z, z + k);
  double total = 0;
  for (std::size_t c = 0; c < k; ++c) total += z[c] = std::exp(z[c] - top);
  for (std::size_t c = 0; c < k; ++c) z[c] /= total;
}

// Mean validation error of `kind` over the folds: squared error or log-loss.
double cross_validate(const Mechanism& base, MechanismKind kind, const std::vector<double>& x,
                      std::int64_t n, const Target& t, const std::vector<std::int64_t>& perm,
                      const FitOptions& o) {
  const std::int32_t p = base.n_features();
  const auto used = static_cast<std::int64_t>(perm.size());
  const std::int32_t folds = o.cv_folds;
  double total = 0;
  std::vector<double> row(static_cast<std::size_t>(p));
  std::vector<double> out(static_cast<std::size_t>(std::max(t.k, 1)));
  for (std::int32_t fold = 0; fold < folds; ++fold) {
    const std::int64_t lo = used * fold / folds;
    const std::int64_t hi = used * (fold + 1) / folds;
    std::vector<std::int64_t> train;
    for (std::int64_t i = 0; i < used; ++i) {
      if (i < lo || i >= hi) train.push_back(perm[static_cast<std::size_t>(i)]);
    }
    const auto nt = static_cast<std::int64_t>(train.size());
    std::vector<double> xt(static_cast<std::size_t>(nt * p));
    Target tt{std::vector<double>(static_cast<std::size_t>(nt)), t.k};
    for (std::int64_t r = 0; r < nt; ++r) {
      for (std::int32_t j = 0; j < p; ++j) xt[j * nt + r] = x[j * n + train[r]];
      tt.y[r] = t.y[train[r]];
    }
    Mechanism m = base;
    fit_model(m, kind, xt, nt, tt, o);
    for (std::int64_t i = lo; i < hi; ++i) {
      const std::int64_t r = perm[static_cast<std::size_t>(i)];
      for (std::int32_t j = 0; j < p; ++j) row[j] = x[j * n + r];
      predict(m, row.data(), out.data());
      if (m.categorical) {
        softmax(out.data(), static_cast<std::size_t>(t.k));
        total -= std::log(std::max(out[static_cast<std::size_t>(t.y[r])], 1e-15));
      } else {
        const double e = t.y[r] - out[0];
        total += e * e;
      }
    }
  }
  return total / static_cast<double>(used);
}

double silverman_bandwidth(std::vector<double> v) {
  const auto n = static_cast<double>(v.size());
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / n;
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  const double sd = std::sqrt(ss / std::max(n - 1.0, 1.0));
  std::sort(v.begin(), v.end());
  const auto quantile = [&](double q) {
    const double pos = q * (n - 1.0);
    const auto i = static_cast<std::size_t>(pos);
    const double frac = pos - static_cast<double>(i);
    return i + 1 < v.size() ? v[i] * (1 - frac) + v[i + 1] * frac : v[i];
  };
  const double iqr = quantile(0.75) - quantile(0.25);
  const double spread = iqr > 0 ? std::min(sd, iqr / 1.34) : sd;
  return 0.9 * spread * std::pow(n, -0.2);
}

}  // namespace

MechanismChoice parse_mechanism_choice(std::string_view name) {
  if (name == "auto") return MechanismChoice::kAuto;
  if (name == "linear") return MechanismChoice::kLinear;
  if (name == "boosted") return MechanismChoice::kBoosted;
  SCMFORGE_THROW(InvalidInput, "mechanisms must be 'auto', 'linear' or 'boosted', got '{}'", name);
}

std::string_view mechanism_choice_name(MechanismChoice choice) noexcept {
  switch (choice) {
    case MechanismChoice::kLinear:
      return "linear";
    case MechanismChoice::kBoosted:
      return "boosted";
    default:
      return "auto";
  }
}

MissingPolicy parse_missing_policy(std::string_view name) {
  if (name == "error") return MissingPolicy::kError;
  if (name == "impute") return MissingPolicy::kImpute;
  SCMFORGE_THROW(InvalidInput, "missing must be 'error' or 'impute', got '{}'", name);
}

std::string_view missing_policy_name(MissingPolicy policy) noexcept {
  return policy == MissingPolicy::kImpute ? "impute" : "error";
}

std::string_view mechanism_name(MechanismKind kind, bool categorical) noexcept {
  switch (kind) {
    case MechanismKind::kEmpirical:
      return "empirical";
    case MechanismKind::kLinear:
      return categorical ? "logistic" : "ridge";
    case MechanismKind::kBoosted:
      return categorical ? "boosted_classifier" : "boosted_regressor";
    default:
      return "constant";
  }
}

std::int32_t detect_decimals(std::span<const double> values) noexcept {
  for (std::int32_t d = 0; d <= 6; ++d) {
    const double scale = std::pow(10.0, d);
    bool ok = true;
    for (double v : values) {
      if (std::round(v * scale) / scale != v) {
        ok = false;
        break;
      }
    }
    if (ok) return d;
  }
  return -1;
}

std::int32_t Mechanism::n_features() const noexcept {
  std::int32_t p = 0;
  for (std::int32_t l : parent_levels) p += l == 0 ? 1 : l;
  return p;
}

void Mechanism::validate(std::int32_t n_levels) const {
  SCMFORGE_CHECK(categorical == (n_levels > 0), InvalidInput,
                 "mechanism: categorical flag does not match the column");
  SCMFORGE_CHECK(parents.size() == parent_levels.size(), InvalidInput,
                 "mechanism: {} parents but {} parent level counts", parents.size(),
                 parent_levels.size());
  for (std::int32_t l : parent_levels) {
    SCMFORGE_CHECK(l >= 0, InvalidInput, "mechanism: negative parent level count {}", l);
  }
  const std::int32_t p = n_features();
  switch (kind) {
    case MechanismKind::kEmpirical:
      if (categorical) {
        SCMFORGE_CHECK(cdf.size() == static_cast<std::size_t>(n_levels) && !cdf.empty() &&
                           std::is_sorted(cdf.begin(), cdf.end()) && cdf.front() >= 0 &&
                           std::abs(cdf.back() - 1.0) < 1e-9,
                       InvalidInput, "mechanism: class shares are not a distribution");
      } else {
        SCMFORGE_CHECK(!values.empty() && std::isfinite(bandwidth) && bandwidth >= 0, InvalidInput,
                       "mechanism: empty empirical distribution");
      }
      break;
    case MechanismKind::kLinear:
    case MechanismKind::kBoosted: {
      const std::int32_t k = kind == MechanismKind::kLinear ? linear.n_outputs : boosted.n_outputs;
      const std::int32_t features =
          kind == MechanismKind::kLinear ? linear.n_features : boosted.n_features;
      if (kind == MechanismKind::kLinear) {
        linear.validate();
      } else {
        boosted.validate();
      }
      SCMFORGE_CHECK(features == p, InvalidInput, "mechanism: model has {} features, parents {}",
                     features, p);
      if (categorical) {
        SCMFORGE_CHECK(classes.size() == static_cast<std::size_t>(k) && k >= 2, InvalidInput,
                       "mechanism: {} classes for {} model outputs", classes.size(), k);
        for (std::int32_t c : classes) {
          SCMFORGE_CHECK(c >= 0 && c < n_levels, InvalidInput, "mechanism: class {} not a level",
                         c);
        }
      } else {
        SCMFORGE_CHECK(k == 1 && !values.empty(), InvalidInput,
                       "mechanism: a numeric model needs 1 output and residuals");
      }
      break;
    }
    case MechanismKind::kConstant:
      SCMFORGE_CHECK(
          std::isfinite(constant) && (!categorical || (constant >= 0 && constant < n_levels)),
          InvalidInput, "mechanism: invalid constant {}", constant);
      break;
    default:
      SCMFORGE_THROW(InvalidInput, "mechanism: unknown kind {}", static_cast<int>(kind));
  }
  for (double v : values) {
    SCMFORGE_CHECK(std::isfinite(v), InvalidInput, "mechanism: non-finite stored value");
  }
}

Mechanism fit_mechanism(const Table<double>& data, std::int32_t node,
                        const std::vector<std::int32_t>& parents, const FitOptions& o) {
  const ColumnInfo& info = data.columns[static_cast<std::size_t>(node)];
  const auto column = data.column(node);
  const std::int64_t n = data.n;
  Mechanism m;
  m.categorical = info.kind == ColumnKind::kCategorical;
  m.parents = parents;
  for (std::int32_t j : parents) {
    const ColumnInfo& pi = data.columns[static_cast<std::size_t>(j)];
    m.parent_levels.push_back(pi.kind == ColumnKind::kCategorical ? pi.n_levels : 0);
  }
  if (parents.empty()) {
    m.kind = MechanismKind::kEmpirical;
    if (m.categorical) {
      std::vector<double> counts(static_cast<std::size_t>(info.n_levels), 0.0);
      for (double v : column) counts[static_cast<std::size_t>(v)] += 1.0;
      double run = 0;
      for (double c : counts) m.cdf.push_back((run += c) / static_cast<double>(n));
      m.cdf.back() = 1.0;
    } else {
      m.values.assign(column.begin(), column.end());
      if (o.smoothing > 0) m.bandwidth = o.smoothing * silverman_bandwidth(m.values);
    }
    return m;
  }
  Target t;
  if (m.categorical) {
    std::vector<std::int64_t> counts(static_cast<std::size_t>(info.n_levels), 0);
    for (double v : column) ++counts[static_cast<std::size_t>(v)];
    std::vector<std::int32_t> index(counts.size(), -1);
    for (std::size_t c = 0; c < counts.size(); ++c) {
      SCMFORGE_CHECK(counts[c] != 1, InvalidInput,
                     "column '{}': level '{}' has a single row; a classifier cannot learn "
                     "p({} | parents) from it. Merge it into another level or drop that row",
                     info.name, c < info.levels.size() ? info.levels[c] : std::to_string(c),
                     info.name);
      if (counts[c] > 0) {
        index[c] = static_cast<std::int32_t>(m.classes.size());
        m.classes.push_back(static_cast<std::int32_t>(c));
      }
    }
    t.k = static_cast<std::int32_t>(m.classes.size());
    for (double v : column) t.y.push_back(index[static_cast<std::size_t>(v)]);
  } else {
    t.y.assign(column.begin(), column.end());
  }
  std::vector<std::int64_t> all(static_cast<std::size_t>(n));
  std::iota(all.begin(), all.end(), 0);
  const std::vector<double> x = encode_columns(data, m, all);

  MechanismKind kind =
      o.mechanisms == MechanismChoice::kBoosted ? MechanismKind::kBoosted : MechanismKind::kLinear;
  if (o.mechanisms == MechanismChoice::kAuto && n >= 2 * o.cv_folds) {
    std::vector<std::int64_t> perm = all;
    Rng rng(o.seed, derive_stream(kCvStream, static_cast<std::uint64_t>(node)));
    dist::shuffle(rng, std::span<std::int64_t>(perm));
    if (static_cast<std::int64_t>(perm.size()) > o.cv_max_rows) {
      perm.resize(static_cast<std::size_t>(o.cv_max_rows));
    }
    m.cv_linear = cross_validate(m, MechanismKind::kLinear, x, n, t, perm, o);
    m.cv_boosted = cross_validate(m, MechanismKind::kBoosted, x, n, t, perm, o);
    kind = m.cv_boosted < m.cv_linear ? MechanismKind::kBoosted : MechanismKind::kLinear;
  }
  fit_model(m, kind, x, n, t, o);
  if (kind == MechanismKind::kBoosted) m.compiled = compile(m.boosted);
  if (!m.categorical) {
    const std::int32_t p = m.n_features();
    std::vector<double> row(static_cast<std::size_t>(p));
    m.values.resize(static_cast<std::size_t>(n));
    for (std::int64_t r = 0; r < n; ++r) {
      for (std::int32_t j = 0; j < p; ++j) row[j] = x[j * n + r];
      double f = 0;
      predict(m, row.data(), &f);
      m.values[r] = column[r] - f;
    }
  }
  return m;
}

void sample_rows(const Mechanism& m, const ColumnRange& range, bool clip, bool round,
                 const std::vector<const double*>& columns, std::int64_t begin, std::int64_t end,
                 std::int64_t block, const std::function<Rng(std::int64_t)>& block_rng, double* out,
                 std::vector<double>& scratch) {
  const double scale = std::pow(10.0, std::max(range.decimals, 0));
  const auto finish = [&](double v) {
    if (clip) v = std::clamp(v, range.min, range.max);
    if (round && range.decimals == 0) v = std::round(v);
    if (round && range.decimals > 0) v = std::round(v * scale) / scale;
    return v;
  };
  if (m.kind == MechanismKind::kConstant) {
    std::fill(out + begin, out + end, m.constant);
    return;
  }
  Rng rng = block_rng(begin / block);
  const auto next_row = [&](std::int64_t r) {
    if (r > begin && r % block == 0) rng = block_rng(r / block);
  };
  if (m.kind == MechanismKind::kEmpirical) {
    for (std::int64_t r = begin; r < end; ++r) {
      next_row(r);
      if (m.categorical) {
        const double u = rng.uniform();
        const auto it = std::upper_bound(m.cdf.begin(), m.cdf.end(), u);
        out[r] = static_cast<double>(std::min<std::ptrdiff_t>(
            it - m.cdf.begin(), static_cast<std::ptrdiff_t>(m.cdf.size()) - 1));
      } else {
        const double v = m.values[rng.below(m.values.size())];
        out[r] = m.bandwidth > 0 ? finish(v + m.bandwidth * dist::normal(rng)) : v;
      }
    }
    return;
  }
  // Models: encode the block's parents (column-major, b x p), predict all rows, then draw.
  const std::int64_t b = end - begin;
  const std::int64_t p = m.n_features();
  const std::size_t k = m.categorical ? m.classes.size() : 1;
  scratch.assign(static_cast<std::size_t>(b * p) + static_cast<std::size_t>(b) * k, 0.0);
  double* x = scratch.data();
  double* z = scratch.data() + b * p;
  std::int64_t f = 0;
  for (std::size_t i = 0; i < m.parents.size(); ++i) {
    const double* col = columns[static_cast<std::size_t>(m.parents[i])] + begin;
    if (m.parent_levels[i] == 0) {
      std::copy(col, col + b, x + f * b);
      ++f;
    } else {
      for (std::int64_t r = 0; r < b; ++r) x[(f + static_cast<std::int64_t>(col[r])) * b + r] = 1.0;
      f += m.parent_levels[i];
    }
  }
  if (m.kind == MechanismKind::kBoosted) {
    m.compiled.predict_block(x, b, b, z);
  } else {
    // Same summation order as LinearModel::predict_row: intercept, then features in order.
    for (std::int64_t r = 0; r < b; ++r) {
      for (std::size_t c = 0; c < k; ++c) z[r * k + c] = m.linear.intercept[c];
    }
    for (std::int64_t j = 0; j < p; ++j) {
      const double* w = m.linear.weights.data() + j * static_cast<std::int64_t>(k);
      const double* xj = x + j * b;
      for (std::int64_t r = 0; r < b; ++r) {
        for (std::size_t c = 0; c < k; ++c) z[r * k + c] += xj[r] * w[c];
      }
    }
  }
  for (std::int64_t r = 0; r < b; ++r) {
    next_row(begin + r);
    double* zr = z + r * k;
    if (m.categorical) {
      softmax(zr, k);
      const double u = rng.uniform();
      double run = 0;
      std::size_t c = 0;
      for (; c + 1 < k; ++c) {
        run += zr[c];
        if (u < run) break;
      }
      out[begin + r] = m.classes[c];
    } else {
      out[begin + r] = finish(zr[0] + m.values[rng.below(m.values.size())]);
    }
  }
}

}  // namespace scmforge::scm
