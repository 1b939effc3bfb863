// src/scm/scm.cpp: SCM fitting (validation, missing values, graph checks), sampling, interventions,
// edge lists.
#include "scmforge/scm/scm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "scmforge/core/error.hpp"
#include "scmforge/core/parallel.hpp"

namespace scmforge::scm {
namespace {

void check_options(const FitOptions& o) {
  SCMFORGE_CHECK(o.cv_folds >= 2, InvalidInput, "cv_folds must be >= 2, got {}", o.cv_folds);
  SCMFORGE_CHECK(o.cv_max_rows >= 2 * o.cv_folds, InvalidInput,
                 "cv_max_rows must be >= 2 * cv_folds, got {}", o.cv_max_rows);
  SCMFORGE_CHECK(std::isfinite(o.smoothing) && o.smoothing >= 0, InvalidInput,
                 "smoothing must be a finite number >= 0, got {}", o.smoothing);
  SCMFORGE_CHECK(std::isfinite(o.ridge_alpha) && o.ridge_alpha >= 0, InvalidInput,
                 "ridge_alpha must be >= 0, got {}", o.ridge_alpha);
  SCMFORGE_CHECK(std::isfinite(o.logistic_l2) && o.logistic_l2 > 0, InvalidInput,
                 "logistic_l2 must be > 0, got {}", o.logistic_l2);
  const BoostingOptions& b = o.boosting;
  SCMFORGE_CHECK(b.n_rounds >= 1 && b.max_depth >= 0 && b.learning_rate > 0 && b.lambda >= 0 &&
                     b.min_leaf >= 1 && b.max_bins >= 2 && b.max_bins <= 255,
                 InvalidInput,
                 "boosting options: n_rounds {} >= 1, max_depth {} >= 0, learning_rate {} > 0, "
                 "lambda {} >= 0, min_leaf {} >= 1 and max_bins {} in [2, 255] are required",
                 b.n_rounds, b.max_depth, b.learning_rate, b.lambda, b.min_leaf, b.max_bins);
}

void check_table(const Table<double>& t) {
  const std::int64_t d = t.d();
  SCMFORGE_CHECK(d >= 1, InvalidInput, "the table has no columns");
  SCMFORGE_CHECK(t.n >= 2, InvalidInput, "the table has {} rows; fitting an SCM needs at least 2",
                 t.n);
  SCMFORGE_CHECK(t.values.size() == static_cast<std::size_t>(t.n * d), InvalidInput,
                 "the table holds {} values for {} rows x {} columns", t.values.size(), t.n, d);
  std::set<std::string> seen;
  for (std::int64_t j = 0; j < d; ++j) {
    const ColumnInfo& c = t.columns[static_cast<std::size_t>(j)];
    SCMFORGE_CHECK(!c.name.empty(), InvalidInput, "column {} has no name; name every column", j);
    SCMFORGE_CHECK(seen.insert(c.name).second, InvalidInput,
                   "column name '{}' appears twice; the graph refers to columns by name", c.name);
    const auto col = t.column(j);
    if (c.kind == ColumnKind::kCategorical) {
      SCMFORGE_CHECK(c.n_levels >= 1, InvalidInput, "categorical column '{}' has no levels",
                     c.name);
      SCMFORGE_CHECK(c.levels.empty() || c.levels.size() == static_cast<std::size_t>(c.n_levels),
                     InvalidInput, "categorical column '{}': {} labels for {} levels", c.name,
                     c.levels.size(), c.n_levels);
      for (std::int64_t i = 0; i < t.n; ++i) {
        const double v = col[i];
        SCMFORGE_CHECK(std::isnan(v) || (v >= 0 && v < c.n_levels && v == std::floor(v)),
                       InvalidInput, "column '{}', row {}: {} is not a level code in [0, {})",
                       c.name, i, v, c.n_levels);
      }
    } else {
      for (std::int64_t i = 0; i < t.n; ++i) {
        SCMFORGE_CHECK(!std::isinf(col[i]), InvalidInput,
                       "column '{}', row {}: infinite value; use finite numbers (NaN = missing)",
                       c.name, i);
      }
    }
  }
}

// Replaces NaN per the policy; returns the count imputed per column.
std::vector<std::int64_t> handle_missing(Table<double>& t, MissingPolicy policy) {
  std::vector<std::int64_t> imputed(static_cast<std::size_t>(t.d()), 0);
  for (std::int64_t j = 0; j < t.d(); ++j) {
    const ColumnInfo& c = t.columns[static_cast<std::size_t>(j)];
    auto col = t.column(j);
    std::vector<double> present;
    std::int64_t first_missing = -1;
    for (std::int64_t i = 0; i < t.n; ++i) {
      if (std::isnan(col[i])) {
        if (first_missing < 0) first_missing = i;
      } else {
        present.push_back(col[i]);
      }
    }
    if (first_missing < 0) continue;
    SCMFORGE_CHECK(policy == MissingPolicy::kImpute, InvalidInput,
                   "column '{}', row {}: missing value (NaN); set the missing policy to "
                   "'impute' or drop the incomplete rows",
                   c.name, first_missing);
    SCMFORGE_CHECK(!present.empty(), InvalidInput, "column '{}' has no values at all; drop it",
                   c.name);
    double fill = 0;
    if (c.kind == ColumnKind::kCategorical) {
      std::vector<std::int64_t> counts(static_cast<std::size_t>(c.n_levels), 0);
      for (double v : present) ++counts[static_cast<std::size_t>(v)];
      fill = static_cast<double>(std::max_element(counts.begin(), counts.end()) - counts.begin());
    } else {
      std::sort(present.begin(), present.end());
      const std::size_t m = present.size();
      fill = m % 2 == 1 ? present[m / 2] : 0.5 * (present[m / 2 - 1] + present[m / 2]);
    }
    for (std::int64_t i = 0; i < t.n; ++i) {
      if (std::isnan(col[i])) {
        col[i] = fill;
        ++imputed[static_cast<std::size_t>(j)];
      }
    }
  }
  return imputed;
}

std::string level_text(const ColumnInfo& c, double code) {
  const auto i = static_cast<std::size_t>(code);
  return i < c.levels.size() ? c.levels[i] : fmt::format("{}", code);
}

// Parents per node (sorted column indices) from the named edges.
std::vector<std::vector<std::int32_t>> resolve_edges(const std::vector<ColumnInfo>& columns,
                                                     std::span<const Edge> edges) {
  std::map<std::string, std::int32_t> index;
  std::string names;
  for (std::size_t j = 0; j < columns.size(); ++j) {
    index[columns[j].name] = static_cast<std::int32_t>(j);
    names += (j ? ", " : "") + columns[j].name;
  }
  std::vector<std::vector<std::int32_t>> parents(columns.size());
  for (const Edge& e : edges) {
    for (const std::string* end : {&e.parent, &e.child}) {
      SCMFORGE_CHECK(index.count(*end) == 1, InvalidInput,
                     "graph edge '{}' -> '{}': no column named '{}' in the table (columns: {})",
                     e.parent, e.child, *end, names);
    }
    SCMFORGE_CHECK(e.parent != e.child, InvalidInput,
                   "graph edge '{}' -> '{}' is a self-loop; an SCM's graph must be acyclic",
                   e.parent, e.child);
    auto& list = parents[static_cast<std::size_t>(index[e.child])];
    const std::int32_t p = index[e.parent];
    if (std::find(list.begin(), list.end(), p) == list.end()) list.push_back(p);
  }
  for (auto& list : parents) std::sort(list.begin(), list.end());
  return parents;
}

// Kahn's order (smallest ready column first); InvalidInput printing one cycle otherwise.
std::vector<std::int32_t> topological_order(const std::vector<ColumnInfo>& columns,
                                            const std::vector<std::vector<std::int32_t>>& parents) {
  const std::size_t d = parents.size();
  std::vector<std::vector<std::int32_t>> children(d);
  std::vector<std::size_t> missing(d);
  for (std::size_t j = 0; j < d; ++j) {
    missing[j] = parents[j].size();
    for (std::int32_t p : parents[j]) {
      children[static_cast<std::size_t>(p)].push_back(static_cast<std::int32_t>(j));
    }
  }
  std::set<std::int32_t> ready;
  for (std::size_t j = 0; j < d; ++j) {
    if (missing[j] == 0) ready.insert(static_cast<std::int32_t>(j));
  }
  std::vector<std::int32_t> order;
  while (!ready.empty()) {
    const std::int32_t j = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(j);
    for (std::int32_t c : children[static_cast<std::size_t>(j)]) {
      if (--missing[static_cast<std::size_t>(c)] == 0) ready.insert(c);
    }
  }
  if (order.size() == d) return order;
  // Every node left has a parent left: walk parents until a node repeats.
  std::size_t start = 0;
  while (missing[start] == 0) ++start;
  std::vector<std::int32_t> path;
  std::vector<int> pos(d, -1);
  auto u = static_cast<std::int32_t>(start);
  while (pos[static_cast<std::size_t>(u)] < 0) {
    pos[static_cast<std::size_t>(u)] = static_cast<int>(path.size());
    path.push_back(u);
    for (std::int32_t p : parents[static_cast<std::size_t>(u)]) {
      if (missing[static_cast<std::size_t>(p)] > 0) {
        u = p;
        break;
      }
    }
  }
  std::vector<std::int32_t> cycle(path.begin() + pos[static_cast<std::size_t>(u)], path.end());
  std::reverse(cycle.begin(), cycle.end());  // parent -> child direction
  std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
  std::string text;
  for (std::int32_t c : cycle) text += columns[static_cast<std::size_t>(c)].name + " -> ";
  text += columns[static_cast<std::size_t>(cycle.front())].name;
  SCMFORGE_THROW(InvalidInput, "the graph has a directed cycle: {}; an SCM needs a DAG", text);
}

}  // namespace

Scm Scm::fit(const Table<double>& data, std::span<const Edge> edges, const FitOptions& options) {
  check_options(options);
  check_table(data);
  Table<double> table = data;
  Scm scm;
  scm.options_ = options;
  scm.columns_ = data.columns;
  scm.rows_fitted_ = data.n;
  const auto parents = resolve_edges(scm.columns_, edges);
  scm.order_ = topological_order(scm.columns_, parents);
  scm.imputed_ = handle_missing(table, options.missing);
  for (std::int64_t j = 0; j < table.d(); ++j) {
    const auto col = table.column(j);
    const auto [lo, hi] = std::minmax_element(col.begin(), col.end());
    const ColumnInfo& c = scm.columns_[static_cast<std::size_t>(j)];
    SCMFORGE_CHECK(
        *lo != *hi, InvalidInput,
        "column '{}' is constant ({}): it carries nothing to learn; drop it from the "
        "table and the graph",
        c.name, c.kind == ColumnKind::kCategorical ? level_text(c, *lo) : fmt::format("{}", *lo));
    ColumnRange r{*lo, *hi, detect_decimals(col)};
    scm.ranges_.push_back(r);
  }
  scm.mechanisms_.resize(scm.columns_.size());
  parallel_for(table.d(), options.threads, [&](std::int64_t j) {
    scm.mechanisms_[static_cast<std::size_t>(j)] = fit_mechanism(
        table, static_cast<std::int32_t>(j), parents[static_cast<std::size_t>(j)], options);
  });
  return scm;
}

Table<double> Scm::sample(std::int64_t n, std::uint64_t seed, int threads) const {
  SCMFORGE_CHECK(n >= 1, InvalidInput, "the number of rows to sample must be >= 1, got {}", n);
  Table<double> out;
  out.n = n;
  out.columns = columns_;
  out.values.assign(static_cast<std::size_t>(n) * columns_.size(), 0.0);
  std::vector<const double*> cols;
  for (std::size_t j = 0; j < columns_.size(); ++j) cols.push_back(out.values.data() + j * n);
  // Each task samples a run of consecutive blocks node by node, so that a tree mechanism's
  // lookup tables serve many rows while they are in cache. Runs of up to 16 blocks, at least
  // four runs per thread when there are enough blocks; the rows do not depend on the runs.
  const std::int64_t blocks = (n + kSampleBlock - 1) / kSampleBlock;
  const std::int64_t run =
      std::clamp<std::int64_t>(blocks / (4 * std::int64_t{resolve_threads(threads)}), 1, 16) *
      kSampleBlock;
  const std::int64_t runs = (n + run - 1) / run;
  parallel_for(runs, threads, [&](std::int64_t t) {
    std::vector<double> scratch;
    const std::int64_t begin = t * run;
    const std::int64_t end = std::min(n, begin + run);
    for (std::int32_t j : order_) {
      const auto u = static_cast<std::size_t>(j);
      const std::uint64_t stream = derive_stream(kSampleStream, u);
      sample_rows(
          mechanisms_[u], ranges_[u], options_.clip_to_range, options_.round_to_precision, cols,
          begin, end, kSampleBlock,
          [&](std::int64_t b) {
            return Rng(seed, derive_stream(stream, static_cast<std::uint64_t>(b)));
          },
          out.values.data() + u * n, scratch);
    }
  });
  return out;
}

Scm Scm::intervene(std::span<const Intervention> interventions) const {
  Scm copy = *this;
  std::set<std::string> done;
  for (const Intervention& iv : interventions) {
    const auto it = std::find_if(columns_.begin(), columns_.end(),
                                 [&](const ColumnInfo& c) { return c.name == iv.node; });
    SCMFORGE_CHECK(it != columns_.end(), InvalidInput,
                   "intervention on '{}': no such node in the model", iv.node);
    SCMFORGE_CHECK(done.insert(iv.node).second, InvalidInput, "intervention on '{}' given twice",
                   iv.node);
    const auto j = static_cast<std::size_t>(it - columns_.begin());
    double value = iv.value;
    if (it->kind == ColumnKind::kCategorical) {
      if (!iv.level.empty()) {
        const auto lv = std::find(it->levels.begin(), it->levels.end(), iv.level);
        SCMFORGE_CHECK(lv != it->levels.end(), InvalidInput,
                       "intervention on '{}': '{}' is not one of its levels", iv.node, iv.level);
        value = static_cast<double>(lv - it->levels.begin());
      }
      SCMFORGE_CHECK(value >= 0 && value < it->n_levels && value == std::floor(value), InvalidInput,
                     "intervention on '{}': code {} is not a level in [0, {})", iv.node, value,
                     it->n_levels);
    } else {
      SCMFORGE_CHECK(iv.level.empty(), InvalidInput,
                     "intervention on '{}': a numeric node takes a value, not a level", iv.node);
      SCMFORGE_CHECK(std::isfinite(value), InvalidInput,
                     "intervention on '{}': the value must be finite, got {}", iv.node, value);
    }
    Mechanism m;
    m.kind = MechanismKind::kConstant;
    m.categorical = it->kind == ColumnKind::kCategorical;
    m.constant = value;
    copy.mechanisms_[j] = std::move(m);
  }
  return copy;
}

std::vector<Edge> Scm::edges() const {
  std::vector<Edge> out;
  for (std::size_t j = 0; j < columns_.size(); ++j) {
    for (std::int32_t p : mechanisms_[j].parents) {
      out.push_back({columns_[static_cast<std::size_t>(p)].name, columns_[j].name});
    }
  }
  return out;
}

std::string Scm::summary_json() const {
  nlohmann::json nodes = nlohmann::json::array();
  for (std::size_t j = 0; j < columns_.size(); ++j) {
    const Mechanism& m = mechanisms_[j];
    nlohmann::json parents = nlohmann::json::array();
    for (std::int32_t p : m.parents) parents.push_back(columns_[static_cast<std::size_t>(p)].name);
    const auto num = [](double v) { return std::isnan(v) ? nlohmann::json() : nlohmann::json(v); };
    nodes.push_back({{"name", columns_[j].name},
                     {"kind", m.categorical ? "categorical" : "numeric"},
                     {"mechanism", mechanism_name(m.kind, m.categorical)},
                     {"parents", parents},
                     {"cv_linear", num(m.cv_linear)},
                     {"cv_boosted", num(m.cv_boosted)},
                     {"imputed", imputed_.empty() ? 0 : imputed_[j]}});
  }
  return nodes.dump();
}

Scm Scm::with_metadata(std::string_view json_text) const {
  Scm copy = *this;
  copy.metadata_.clear();
  if (!json_text.empty()) {
    try {
      copy.metadata_ = nlohmann::json::parse(json_text).dump();
    } catch (const nlohmann::json::exception& e) {
      SCMFORGE_THROW(InvalidInput, "model metadata is not valid JSON: {}", e.what());
    }
  }
  return copy;
}

std::vector<Edge> parse_edges(std::string_view text, std::string_view name) {
  std::size_t first = text.find_first_not_of(" \t\r\n");
  std::vector<Edge> edges;
  if (first != std::string_view::npos && (text[first] == '[' || text[first] == '{')) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      SCMFORGE_THROW(InvalidInput, "{}: not valid JSON: {}", name, e.what());
    }
    if (j.is_object() && j.contains("edges")) j = j["edges"];
    SCMFORGE_CHECK(j.is_array(), InvalidInput,
                   "{}: expected a list of [parent, child] pairs or an object with \"edges\"",
                   name);
    for (std::size_t i = 0; i < j.size(); ++i) {
      const auto& e = j[i];
      if (e.is_array() && e.size() == 2 && e[0].is_string() && e[1].is_string()) {
        edges.push_back({e[0].get<std::string>(), e[1].get<std::string>()});
      } else if (e.is_object() && e.contains("a") && e.contains("b") && e.contains("mark_a") &&
                 e.contains("mark_b")) {
        const auto a = e["a"].get<std::string>();
        const auto b = e["b"].get<std::string>();
        const auto ma = e["mark_a"].get<std::string>();
        const auto mb = e["mark_b"].get<std::string>();
        if (ma == "tail" && mb == "arrow") {
          edges.push_back({a, b});
        } else if (ma == "arrow" && mb == "tail") {
          edges.push_back({b, a});
        } else {
          SCMFORGE_THROW(InvalidInput,
                         "{}: edge {} {} - {} {} is not directed; orient the graph into a DAG "
                         "first (e.g. scmforge.causal Graph.to_dag())",
                         name, a, ma, mb, b);
        }
      } else {
        SCMFORGE_THROW(InvalidInput, "{}: edge {} is not a [parent, child] pair of names: {}", name,
                       i, e.dump());
      }
    }
    return edges;
  }
  std::istringstream in{std::string(text)};
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (const auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::string a;
    std::string b;
    if (const auto arrow = line.find("->"); arrow != std::string::npos) {
      a = line.substr(0, arrow);
      b = line.substr(arrow + 2);
    } else if (const auto comma = line.find(','); comma != std::string::npos) {
      a = line.substr(0, comma);
      b = line.substr(comma + 1);
    } else {
      std::istringstream words(line);
      std::string extra;
      words >> a >> b >> extra;
      SCMFORGE_CHECK(extra.empty(), InvalidInput,
                     "{}, line {}: expected 'parent -> child', got '{}'", name, number, line);
    }
    const auto trim = [](const std::string& s) {
      const auto lo = s.find_first_not_of(" \t\r");
      const auto hi = s.find_last_not_of(" \t\r");
      return lo == std::string::npos ? std::string() : s.substr(lo, hi - lo + 1);
    };
    a = trim(a);
    b = trim(b);
    if (a.empty() && b.empty()) continue;
    SCMFORGE_CHECK(!a.empty() && !b.empty(), InvalidInput,
                   "{}, line {}: expected 'parent -> child', got '{}'", name, number, line);
    edges.push_back({a, b});
  }
  return edges;
}

}  // namespace scmforge::scm
