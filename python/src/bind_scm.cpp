// python/src/bind_scm.cpp: bindings of scm/ (fit an SCM on a table and a DAG, sample, intervene,
// save, load).
#include <nanobind/ndarray.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "scmforge/core/error.hpp"
#include "scmforge/scm/scm.hpp"

namespace nb = nanobind;

namespace scmforge::python {
namespace {

// n x d float64, column-major (numpy: np.asfortranarray(X, dtype=np.float64)); categorical
// columns hold level codes, NaN = missing.
using Matrix = nb::ndarray<const double, nb::ndim<2>, nb::f_contig, nb::device::cpu>;

// FitOptions from a dict of the Python keyword arguments (unknown keys are an error).
scm::FitOptions options_of(const nb::dict& d) {
  scm::FitOptions o;
  for (auto [key_obj, value] : d) {
    const std::string key = nb::cast<std::string>(key_obj);
    if (key == "mechanisms") {
      o.mechanisms = scm::parse_mechanism_choice(nb::cast<std::string>(value));
    } else if (key == "missing") {
      o.missing = scm::parse_missing_policy(nb::cast<std::string>(value));
    } else if (key == "smoothing") {
      o.smoothing = nb::cast<double>(value);
    } else if (key == "ridge_alpha") {
      o.ridge_alpha = nb::cast<double>(value);
    } else if (key == "logistic_l2") {
      o.logistic_l2 = nb::cast<double>(value);
    } else if (key == "n_rounds") {
      o.boosting.n_rounds = nb::cast<std::int32_t>(value);
    } else if (key == "max_depth") {
      o.boosting.max_depth = nb::cast<std::int32_t>(value);
    } else if (key == "learning_rate") {
      o.boosting.learning_rate = nb::cast<double>(value);
    } else if (key == "min_leaf") {
      o.boosting.min_leaf = nb::cast<std::int64_t>(value);
    } else if (key == "max_bins") {
      o.boosting.max_bins = nb::cast<std::int32_t>(value);
    } else if (key == "cv_folds") {
      o.cv_folds = nb::cast<std::int32_t>(value);
    } else if (key == "cv_max_rows") {
      o.cv_max_rows = nb::cast<std::int64_t>(value);
    } else if (key == "clip_to_range") {
      o.clip_to_range = nb::cast<bool>(value);
    } else if (key == "round_to_precision") {
      o.round_to_precision = nb::cast<bool>(value);
    } else if (key == "seed") {
      o.seed = nb::cast<std::uint64_t>(value);
    } else if (key == "threads") {
      o.threads = nb::cast<int>(value);
    } else {
      SCMFORGE_THROW(InvalidInput, "unknown SCM option '{}'", key);
    }
  }
  return o;
}

scm::Scm scm_fit(Matrix x, const std::vector<std::string>& names,
                 const std::vector<std::vector<std::string>>& levels,
                 const std::vector<int>& categorical,
                 const std::vector<std::pair<std::string, std::string>>& edges,
                 const nb::dict& options, const std::string& metadata) {
  const auto n = static_cast<std::int64_t>(x.shape(0));
  const std::size_t d = x.shape(1);
  SCMFORGE_CHECK(names.size() == d && levels.size() == d && categorical.size() == d, InvalidInput,
                 "{} names, {} level lists and {} categorical flags for {} columns", names.size(),
                 levels.size(), categorical.size(), d);
  Table<double> table;
  table.n = n;
  for (std::size_t j = 0; j < d; ++j) {
    const bool cat = categorical[j] != 0;
    table.columns.push_back(ColumnInfo{names[j],
                                       cat ? ColumnKind::kCategorical : ColumnKind::kNumeric,
                                       cat ? static_cast<std::int32_t>(levels[j].size()) : 0,
                                       cat ? levels[j] : std::vector<std::string>{}});
  }
  table.values.assign(x.data(), x.data() + static_cast<std::size_t>(n) * d);
  std::vector<scm::Edge> list;
  for (const auto& [a, b] : edges) list.push_back({a, b});
  const scm::FitOptions o = options_of(options);
  nb::gil_scoped_release release;
  return scm::Scm::fit(table, list, o).with_metadata(metadata);
}

// d x n float64, C-contiguous: row j is column j (numpy .T gives the n x d table).
nb::ndarray<nb::numpy, double> scm_sample(const scm::Scm& model, std::int64_t n, std::uint64_t seed,
                                          int threads) {
  Table<double> t;
  {
    nb::gil_scoped_release release;
    t = model.sample(n, seed, threads);
  }
  const std::size_t d = t.columns.size();
  return owned(std::move(t.values), {d, static_cast<std::size_t>(n)});
}

scm::Scm scm_intervene(const scm::Scm& model,
                       const std::vector<std::tuple<std::string, double, std::string>>& list) {
  std::vector<scm::Intervention> ivs;
  for (const auto& [node, value, level] : list) ivs.push_back({node, value, level});
  return model.intervene(ivs);
}

}  // namespace

void bind_scm(nb::module_& m) {
  nb::class_<scm::Scm>(m, "Scm", "A fitted structural causal model (scmforge/scm/scm.hpp)")
      .def_static("fit", &scm_fit, nb::arg("x"), nb::arg("names"), nb::arg("levels"),
                  nb::arg("categorical"), nb::arg("edges"), nb::arg("options"), nb::arg("metadata"))
      .def("sample", &scm_sample, nb::arg("n"), nb::arg("seed"), nb::arg("threads"))
      .def("intervene", &scm_intervene, nb::arg("interventions"))
      .def("to_bytes",
           [](const scm::Scm& s) {
             const std::string b = s.to_bytes();
             return nb::bytes(b.data(), b.size());
           })
      .def_static(
          "from_bytes",
          [](const nb::bytes& b, const std::string& name) {
            return scm::Scm::from_bytes(std::string_view(b.c_str(), b.size()), name);
          },
          nb::arg("data"), nb::arg("name"))
      .def("save", &scm::Scm::save, nb::arg("path"))
      .def_static("load", &scm::Scm::load, nb::arg("path"))
      .def_prop_ro("names",
                   [](const scm::Scm& s) {
                     std::vector<std::string> out;
                     for (const ColumnInfo& c : s.columns()) out.push_back(c.name);
                     return out;
                   })
      .def_prop_ro("levels",
                   [](const scm::Scm& s) {
                     std::vector<std::vector<std::string>> out;
                     for (const ColumnInfo& c : s.columns()) out.push_back(c.levels);
                     return out;
                   })
      .def_prop_ro("categorical",
                   [](const scm::Scm& s) {
                     std::vector<int> out;
                     for (const ColumnInfo& c : s.columns()) {
                       out.push_back(c.kind == ColumnKind::kCategorical ? 1 : 0);
                     }
                     return out;
                   })
      .def_prop_ro("ranges",
                   [](const scm::Scm& s) {
                     std::vector<std::tuple<double, double, int>> out;
                     for (const scm::ColumnRange& r : s.ranges()) {
                       out.emplace_back(r.min, r.max, r.decimals);
                     }
                     return out;
                   })
      .def_prop_ro("edges",
                   [](const scm::Scm& s) {
                     std::vector<std::pair<std::string, std::string>> out;
                     for (const scm::Edge& e : s.edges()) out.emplace_back(e.parent, e.child);
                     return out;
                   })
      .def_prop_ro("order", &scm::Scm::order)
      .def_prop_ro("rows_fitted", &scm::Scm::rows_fitted)
      .def_prop_ro("metadata", &scm::Scm::metadata)
      .def("summary_json", &scm::Scm::summary_json);

  m.def(
      "scm_parse_edges",
      [](const std::string& text, const std::string& name) {
        std::vector<std::pair<std::string, std::string>> out;
        for (const scm::Edge& e : scm::parse_edges(text, name)) out.emplace_back(e.parent, e.child);
        return out;
      },
      nb::arg("text"), nb::arg("name"));
}

}  // namespace scmforge::python
