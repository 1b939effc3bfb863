// python/src/bind_causal.cpp: bindings of causal/ (PC on a numeric or discrete table).
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <string>
#include <vector>

#include "bindings.hpp"
#include "scmforge/causal/discovery.hpp"
#include "scmforge/core/error.hpp"

namespace nb = nanobind;

namespace scmforge::python {
namespace {

using Matrix = nb::ndarray<const double, nb::ndim<2>, nb::f_contig, nb::device::cpu>;

nb::dict causal_pc(Matrix x, const std::vector<std::string>& names,
                   const std::vector<int>& categorical, const std::string& test, double alpha,
                   bool stable, int uc_priority, int max_depth, const std::string& missing,
                   int threads) {
  const auto n = static_cast<std::int64_t>(x.shape(0));
  const auto d = x.shape(1);
  SCMFORGE_CHECK(names.size() == d && categorical.size() == d, InvalidInput,
                 "{} names and {} categorical flags for {} columns", names.size(),
                 categorical.size(), d);
  Table<double> table;
  table.n = n;
  for (std::size_t j = 0; j < d; ++j)
    table.columns.push_back(ColumnInfo{
        names[j], categorical[j] != 0 ? ColumnKind::kCategorical : ColumnKind::kNumeric, 0, {}});
  table.values.assign(x.data(), x.data() + static_cast<std::size_t>(n) * d);
  causal::DiscoveryOptions o;
  o.test = test;
  o.missing = missing;
  o.pc.uc_priority = uc_priority;
  o.pc.skeleton = causal::SkeletonOptions{alpha, stable, max_depth, threads};
  causal::DiscoveryResult r;
  {
    nb::gil_scoped_release release;
    r = causal::discover_pc(table, o);
  }
  nb::dict out;
  std::vector<std::int8_t> marks = r.graph.marks;
  out["marks"] = owned(std::move(marks), {d, d});
  out["json"] = causal::result_json(o, r);
  out["dot"] = causal::to_dot(r.graph);
  out["edges"] = causal::to_edge_list(r.graph);
  out["rows_used"] = r.rows_used;
  out["depth_reached"] = r.depth_reached;
  out["ci_tests"] = r.tests;
  return out;
}

}  // namespace

void bind_causal(nb::module_& m) {
  m.def("causal_pc", &causal_pc, nb::arg("X"), nb::arg("names"), nb::arg("categorical"),
        nb::arg("test"), nb::arg("alpha"), nb::arg("stable"), nb::arg("uc_priority"),
        nb::arg("max_depth"), nb::arg("missing"), nb::arg("threads"),
        "PC on the columns of X (n x d float64, Fortran order): graph marks and exports.");
}

}  // namespace scmforge::python
