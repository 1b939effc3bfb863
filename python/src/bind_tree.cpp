// python/src/bind_tree.cpp: bindings of tree/ (Tree, CART and optimal fitting, exports).
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "scmforge/core/error.hpp"
#include "scmforge/core/parallel.hpp"
#include "scmforge/tree/cart.hpp"
#include "scmforge/tree/optimal.hpp"
#include "scmforge/tree/tree.hpp"

namespace nb = nanobind;

namespace scmforge::python {
namespace {

using tree::Tree;
// n x d features, column-major float32 (numpy: np.asfortranarray(X, dtype=np.float32)).
using Matrix = nb::ndarray<const float, nb::ndim<2>, nb::f_contig, nb::device::cpu>;
// B x n x d padded datasets, row-major float32.
using Batch = nb::ndarray<const float, nb::ndim<3>, nb::c_contig, nb::device::cpu>;
template <typename T>
using Vector = nb::ndarray<const T, nb::ndim<1>, nb::c_contig, nb::device::cpu>;

template <typename T>
std::span<const T> as_span(const Vector<T>& v) {
  if (!v.is_valid()) return {};  // a default-constructed (absent) array
  return {v.data(), v.shape(0)};
}

tree::DataView view_of(const Matrix& x, const Vector<std::int32_t>& categorical) {
  tree::DataView view{static_cast<std::int64_t>(x.shape(0)), static_cast<std::int64_t>(x.shape(1)),
                      x.data(), as_span(categorical)};
  SCMFORGE_CHECK(view.categorical.empty() || view.categorical.size() == x.shape(1), InvalidInput,
                 "categorical has {} entries for {} features", view.categorical.size(), x.shape(1));
  return view;
}

tree::Criterion parse_criterion(const std::string& name) {
  if (name == "gini") return tree::Criterion::kGini;
  if (name == "entropy" || name == "log_loss") return tree::Criterion::kEntropy;
  if (name == "squared_error") return tree::Criterion::kSquaredError;
  SCMFORGE_THROW(
      InvalidInput,
      "criterion must be one of 'gini', 'entropy', 'log_loss', 'squared_error', got '{}'", name);
}

struct CartArgs {
  std::string criterion;
  std::int32_t max_depth;
  std::int64_t min_samples_split;
  std::int64_t min_samples_leaf;
  double min_weight_fraction_leaf;
  double min_impurity_decrease;
  std::int32_t max_features;
  std::uint64_t random_state;

  [[nodiscard]] tree::CartOptions options() const {
    return {parse_criterion(criterion),
            max_depth,
            min_samples_split,
            min_samples_leaf,
            min_weight_fraction_leaf,
            min_impurity_decrease,
            max_features,
            random_state};
  }
};

Tree fit_cart(const Matrix& x, const Vector<std::int32_t>& y, std::int32_t k,
              const Vector<double>& target, const Vector<double>& sample_weight,
              const Vector<double>& class_weight, const CartArgs& args) {
  const Vector<std::int32_t> no_categorical;
  const tree::TrainingSet data{view_of(x, no_categorical), as_span(y),           k, as_span(target),
                               as_span(sample_weight),     as_span(class_weight)};
  const auto options = args.options();
  nb::gil_scoped_release release;
  return tree::fit_cart(data, options);
}

// Column-major copies of B padded row-major datasets, all n x d.
std::vector<float> to_column_major(const Batch& x) {
  const auto b = x.shape(0);
  const auto n = x.shape(1);
  const auto d = x.shape(2);
  std::vector<float> out(b * n * d);
  for (std::size_t s = 0; s < b; ++s) {
    const float* src = x.data() + s * n * d;
    float* dst = out.data() + s * n * d;
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < d; ++j) dst[j * n + i] = src[i * d + j];
    }
  }
  return out;
}

std::vector<tree::TrainingSet> batch_sets(
    const std::vector<float>& columns, const Batch& x,
    const nb::ndarray<const std::int32_t, nb::ndim<2>, nb::c_contig, nb::device::cpu>& y,
    std::int32_t k) {
  const auto b = x.shape(0);
  const auto n = x.shape(1);
  const auto d = x.shape(2);
  SCMFORGE_CHECK(y.shape(0) == b && y.shape(1) == n, InvalidInput,
                 "y has shape ({}, {}), expected ({}, {}) to match X", y.shape(0), y.shape(1), b,
                 n);
  std::vector<tree::TrainingSet> sets(b);
  for (std::size_t s = 0; s < b; ++s) {
    sets[s].x = tree::DataView{
        static_cast<std::int64_t>(n), static_cast<std::int64_t>(d), columns.data() + s * n * d, {}};
    sets[s].y = {y.data() + s * n, n};
    sets[s].k = k;
  }
  return sets;
}

using LabelBatch = nb::ndarray<const std::int32_t, nb::ndim<2>, nb::c_contig, nb::device::cpu>;

std::vector<Tree> fit_cart_batch(const Batch& x, const LabelBatch& y, std::int32_t k,
                                 const CartArgs& args, int threads) {
  const auto options = args.options();
  nb::gil_scoped_release release;
  const auto columns = to_column_major(x);
  const auto sets = batch_sets(columns, x, y, k);
  return tree::fit_cart_batch(sets, options, threads);
}

nb::dict optimal_dict(tree::OptimalResult&& r) {
  nb::dict out;
  out["misclassified"] = r.misclassified;
  out["objective"] = r.objective;
  out["lower_bound"] = r.lower_bound;
  out["optimal"] = r.optimal;
  out["candidates_per_feature"] = r.candidates_per_feature;
  out["subproblems"] = r.subproblems;
  out["cache_hits"] = r.cache_hits;
  out["seconds"] = r.seconds;
  out["tree"] = std::move(r.tree);
  return out;
}

tree::OptimalOptions optimal_options(std::int32_t max_depth, std::int32_t max_leaves,
                                     double leaf_penalty, std::int32_t max_thresholds,
                                     std::int64_t min_samples_leaf, double time_limit,
                                     int threads) {
  return {max_depth,        max_leaves, leaf_penalty, max_thresholds,
          min_samples_leaf, time_limit, threads};
}

nb::dict fit_optimal(const Matrix& x, const Vector<std::int32_t>& y, std::int32_t k,
                     const Vector<std::int32_t>& categorical, std::int32_t max_depth,
                     std::int32_t max_leaves, double leaf_penalty, std::int32_t max_thresholds,
                     std::int64_t min_samples_leaf, double time_limit, int threads) {
  const tree::TrainingSet data{view_of(x, categorical), as_span(y), k, {}, {}, {}};
  const auto options = optimal_options(max_depth, max_leaves, leaf_penalty, max_thresholds,
                                       min_samples_leaf, time_limit, threads);
  tree::OptimalResult result;
  {
    nb::gil_scoped_release release;
    result = tree::fit_optimal(data, options);
  }
  return optimal_dict(std::move(result));
}

nb::list fit_optimal_batch(const Batch& x, const LabelBatch& y, std::int32_t k,
                           const Vector<std::int32_t>& categorical, std::int32_t max_depth,
                           std::int32_t max_leaves, double leaf_penalty,
                           std::int32_t max_thresholds, std::int64_t min_samples_leaf,
                           double time_limit, int threads) {
  const auto options = optimal_options(max_depth, max_leaves, leaf_penalty, max_thresholds,
                                       min_samples_leaf, time_limit, 1);
  std::vector<tree::OptimalResult> results;
  {
    nb::gil_scoped_release release;
    const auto columns = to_column_major(x);
    auto sets = batch_sets(columns, x, y, k);
    SCMFORGE_CHECK(as_span(categorical).empty() || categorical.shape(0) == x.shape(2), InvalidInput,
                   "categorical has {} entries for {} features", as_span(categorical).size(),
                   x.shape(2));
    for (auto& set : sets) set.x.categorical = as_span(categorical);
    results = tree::fit_optimal_batch(sets, options, threads);
  }
  nb::list out;
  for (auto& r : results) out.append(optimal_dict(std::move(r)));
  return out;
}

template <typename T>
nb::ndarray<nb::numpy, T> copy_of(const std::vector<T>& v) {
  return owned(std::vector<T>(v), {v.size()});
}

void bind_tree_class(nb::module_& m) {
  nb::class_<Tree>(m, "Tree", "A fitted decision tree (flat arrays; see scmforge/tree/tree.hpp).")
      .def_prop_ro("task",
                   [](const Tree& t) {
                     return t.task == tree::TreeTask::kRegression ? "regression" : "classification";
                   })
      .def_prop_ro("n_features", [](const Tree& t) { return t.n_features; })
      .def_prop_ro("n_outputs", [](const Tree& t) { return t.n_outputs; })
      .def_prop_ro("node_count", &Tree::node_count)
      .def_prop_ro("max_depth", &Tree::depth)
      .def_prop_ro("n_leaves", &Tree::leaf_count)
      .def_prop_ro(
          "feature", [](const Tree& t) { return copy_of(t.feature); }, nb::rv_policy::move)
      .def_prop_ro(
          "threshold", [](const Tree& t) { return copy_of(t.threshold); }, nb::rv_policy::move)
      .def_prop_ro(
          "is_category_split",
          [](const Tree& t) {
            std::vector<std::uint8_t> v(t.kind.size());
            std::transform(t.kind.begin(), t.kind.end(), v.begin(), [](auto kind) {
              return static_cast<std::uint8_t>(kind == tree::SplitKind::kCategory);
            });
            return copy_of(v);
          },
          nb::rv_policy::move)
      .def_prop_ro(
          "missing_go_to_left", [](const Tree& t) { return copy_of(t.missing_left); },
          nb::rv_policy::move)
      .def_prop_ro(
          "children_left", [](const Tree& t) { return copy_of(t.left); }, nb::rv_policy::move)
      .def_prop_ro(
          "children_right", [](const Tree& t) { return copy_of(t.right); }, nb::rv_policy::move)
      .def_prop_ro(
          "value",
          [](const Tree& t) {
            return owned(std::vector<double>(t.value),
                         {t.feature.size(), static_cast<std::size_t>(t.n_outputs)});
          },
          nb::rv_policy::move)
      .def_prop_ro(
          "impurity", [](const Tree& t) { return copy_of(t.impurity); }, nb::rv_policy::move)
      .def_prop_ro(
          "n_node_samples", [](const Tree& t) { return copy_of(t.n_node_samples); },
          nb::rv_policy::move)
      .def_prop_ro(
          "weighted_n_node_samples",
          [](const Tree& t) { return copy_of(t.weighted_n_node_samples); }, nb::rv_policy::move)
      .def_prop_ro("class_names", [](const Tree& t) { return t.class_names; })
      .def_prop_ro("feature_names",
                   [](const Tree& t) {
                     std::vector<std::string> names;
                     for (const auto& f : t.features) names.push_back(f.name);
                     return names;
                   })
      .def(
          "set_labels",
          [](Tree& t, const std::vector<std::string>& feature_names,
             const std::vector<std::vector<std::string>>& levels,
             const std::vector<std::string>& class_names) {
            SCMFORGE_CHECK(feature_names.size() == static_cast<std::size_t>(t.n_features) &&
                               levels.size() == feature_names.size(),
                           InvalidInput, "set_labels: {} names and {} level lists for {} features",
                           feature_names.size(), levels.size(), t.n_features);
            t.features.clear();
            for (std::size_t j = 0; j < feature_names.size(); ++j) {
              ColumnInfo info;
              info.name = feature_names[j];
              if (!levels[j].empty()) {
                info.kind = ColumnKind::kCategorical;
                info.n_levels = static_cast<std::int32_t>(levels[j].size());
                info.levels = levels[j];
              }
              t.features.push_back(std::move(info));
            }
            t.class_names = class_names;
            t.validate();
          },
          nb::arg("feature_names"), nb::arg("levels"), nb::arg("class_names"),
          "Sets column names, categorical level labels (empty list = numeric) and class labels.")
      .def(
          "apply",
          [](const Tree& t, const Matrix& x) {
            std::vector<std::int32_t> out(x.shape(0));
            const Vector<std::int32_t> none;
            {
              nb::gil_scoped_release release;
              t.apply(view_of(x, none), out);
            }
            return owned(std::move(out), {x.shape(0)});
          },
          nb::arg("X"), "Leaf id per row of X (n x d float32, Fortran order).")
      .def(
          "predict_values",
          [](const Tree& t, const Matrix& x) {
            const auto k = static_cast<std::size_t>(t.n_outputs);
            std::vector<double> out(x.shape(0) * k);
            const Vector<std::int32_t> none;
            {
              nb::gil_scoped_release release;
              t.predict_values(view_of(x, none), out);
            }
            return owned(std::move(out), {x.shape(0), k});
          },
          nb::arg("X"), "Class probabilities (n x k) or regression values (n x 1).")
      .def(
          "predict_class",
          [](const Tree& t, const Matrix& x) {
            std::vector<std::int32_t> out(x.shape(0));
            const Vector<std::int32_t> none;
            {
              nb::gil_scoped_release release;
              t.predict_class(view_of(x, none), out);
            }
            return owned(std::move(out), {x.shape(0)});
          },
          nb::arg("X"), "Predicted class code per row.")
      .def(
          "complete_view",
          [](const Tree& t, std::int32_t depth) {
            auto v = tree::complete_view(t, depth);
            const auto internal = v.feature.size();
            nb::dict out;
            out["feature"] = owned(std::move(v.feature), {internal});
            out["threshold"] = owned(std::move(v.threshold), {internal});
            out["leaf_value"] = owned(std::move(v.leaf_value),
                                      {internal + 1, static_cast<std::size_t>(t.n_outputs)});
            return out;
          },
          nb::arg("depth"), "The complete breadth-first view of the top `depth` levels.")
      .def("to_json", &tree::to_json)
      .def("to_dot", &tree::to_dot)
      .def("to_text", &tree::to_text, nb::arg("decimals") = 2)
      .def_static("from_json", &tree::from_json, nb::arg("text"))
      .def("__getstate__", [](const Tree& t) { return tree::to_json(t); })
      .def("__setstate__",
           [](Tree& t, const std::string& state) { new (&t) Tree(tree::from_json(state)); });
}

}  // namespace

void bind_tree(nb::module_& m) {
  bind_tree_class(m);
  nb::class_<CartArgs>(m, "CartArgs")
      .def(nb::init<std::string, std::int32_t, std::int64_t, std::int64_t, double, double,
                    std::int32_t, std::uint64_t>(),
           nb::arg("criterion"), nb::arg("max_depth"), nb::arg("min_samples_split"),
           nb::arg("min_samples_leaf"), nb::arg("min_weight_fraction_leaf"),
           nb::arg("min_impurity_decrease"), nb::arg("max_features"), nb::arg("random_state"))
      .def_rw("criterion", &CartArgs::criterion)
      .def_rw("max_depth", &CartArgs::max_depth)
      .def_rw("min_samples_split", &CartArgs::min_samples_split)
      .def_rw("min_samples_leaf", &CartArgs::min_samples_leaf)
      .def_rw("min_weight_fraction_leaf", &CartArgs::min_weight_fraction_leaf)
      .def_rw("min_impurity_decrease", &CartArgs::min_impurity_decrease)
      .def_rw("max_features", &CartArgs::max_features)
      .def_rw("random_state", &CartArgs::random_state);
  m.def("fit_cart", &fit_cart, nb::arg("X"), nb::arg("y"), nb::arg("k"), nb::arg("target"),
        nb::arg("sample_weight"), nb::arg("class_weight"), nb::arg("args"),
        "Fits one CART tree. X: n x d float32 Fortran order; y: n int32 class codes (or empty "
        "for regression, which uses target: n float64); weights may be empty.");
  m.def("fit_cart_batch", &fit_cart_batch, nb::arg("X"), nb::arg("y"), nb::arg("k"),
        nb::arg("args"), nb::arg("threads"),
        "One CART tree per dataset. X: B x n x d float32 C order; y: B x n int32.");
  m.def("fit_optimal", &fit_optimal, nb::arg("X"), nb::arg("y"), nb::arg("k"),
        nb::arg("categorical"), nb::arg("max_depth"), nb::arg("max_leaves"),
        nb::arg("leaf_penalty"), nb::arg("max_thresholds"), nb::arg("min_samples_leaf"),
        nb::arg("time_limit"), nb::arg("threads"),
        "Fits a provably optimal tree; returns a dict with the tree and its bounds.");
  m.def("fit_optimal_batch", &fit_optimal_batch, nb::arg("X"), nb::arg("y"), nb::arg("k"),
        nb::arg("categorical"), nb::arg("max_depth"), nb::arg("max_leaves"),
        nb::arg("leaf_penalty"), nb::arg("max_thresholds"), nb::arg("min_samples_leaf"),
        nb::arg("time_limit"), nb::arg("threads"),
        "One optimal tree per dataset (B x n x d float32 C order).");
}

}  // namespace scmforge::python
