// python/src/bind_io.cpp: bindings of io/ (CSV tables).
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "scmforge/io/csv.hpp"

namespace nb = nanobind;

namespace scmforge::python {
namespace {

// Moves `values` to the heap and returns a capsule that frees them: the owner of a zero-copy
// numpy array over them.
template <typename T>
std::pair<T*, nb::capsule> owned(std::vector<T>&& values) {
  auto* heap = new std::vector<T>(std::move(values));
  return {heap->data(),
          nb::capsule(heap, [](void* p) noexcept { delete static_cast<std::vector<T>*>(p); })};
}

nb::dict read_csv(const std::string& path, const std::optional<std::string>& target,
                  std::optional<int> target_index) {
  io::CsvOptions options;
  options.target = target.value_or("");
  options.target_index = target_index;
  LabeledTable table;
  {
    nb::gil_scoped_release release;
    table = io::read_labeled_csv(path, options);
  }
  const auto n = static_cast<std::size_t>(table.features.n);
  const auto d = static_cast<std::size_t>(table.features.d());
  std::vector<std::string> feature_names;
  std::vector<std::int32_t> categorical;
  std::vector<std::vector<std::string>> levels;
  for (ColumnInfo& column : table.features.columns) {
    feature_names.push_back(std::move(column.name));
    categorical.push_back(column.n_levels);
    levels.push_back(std::move(column.levels));
  }
  auto [x_data, x_owner] = owned(std::move(table.features.values));
  auto [y_data, y_owner] = owned(std::move(table.y));
  nb::dict out;
  // Column-major storage is a Fortran-ordered (n, d) array.
  out["X"] = nb::ndarray<nb::numpy, double, nb::ndim<2>, nb::f_contig>(x_data, {n, d}, x_owner);
  out["y"] = nb::ndarray<nb::numpy, std::int32_t, nb::ndim<1>>(y_data, {n}, y_owner);
  out["feature_names"] = nb::cast(feature_names);
  out["categorical"] = nb::cast(categorical);
  out["levels"] = nb::cast(levels);
  out["class_names"] = nb::cast(table.class_names);
  out["target_name"] = nb::cast(table.target_name);
  return out;
}

}  // namespace

void bind_io(nb::module_& m) {
  m.def("read_csv", &read_csv, nb::arg("path"), nb::arg("target") = nb::none(),
        nb::arg("target_index") = nb::none(),
        "Reads a labeled CSV table (plain or gzip); see scmforge.io.read_csv.\n\n"
        "Returns a dict: X (n, d) float64 Fortran order, NaN = missing, categorical columns as "
        "level codes; y (n,) int32 class codes; feature_names; categorical (levels per column, "
        "0 = numeric); levels (labels per column); class_names; target_name.");
}

}  // namespace scmforge::python
