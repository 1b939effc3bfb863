// python/src/bind_causal.cpp: bindings of causal/ (PC and FCI on a numeric or discrete table).
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <optional>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "scmforge/causal/dag.hpp"
#include "scmforge/causal/discovery.hpp"
#include "scmforge/core/error.hpp"

namespace nb = nanobind;

namespace scmforge::python {
namespace {

using Matrix = nb::ndarray<const double, nb::ndim<2>, nb::f_contig, nb::device::cpu>;

nb::dict causal_discover(const std::string& algorithm, Matrix x,
                         const std::vector<std::string>& names, const std::vector<int>& categorical,
                         const std::string& test, double alpha, bool stable, int uc_priority,
                         int max_depth, const std::string& missing, int threads, double time_limit,
                         int uc_rule, const std::string& knowledge) {
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
  o.algorithm = algorithm;
  o.test = test;
  o.missing = missing;
  o.uc_priority = uc_priority;
  o.uc_rule = uc_rule;
  if (!knowledge.empty()) o.skeleton.knowledge = causal::parse_knowledge(knowledge, names);
  o.skeleton.alpha = alpha;
  o.skeleton.stable = stable;
  o.skeleton.max_depth = max_depth;
  o.skeleton.threads = threads;
  o.skeleton.time_limit = time_limit;
  causal::DiscoveryResult r;
  {
    nb::gil_scoped_release release;
    r = causal::discover(table, o);
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
  out["possible_dsep_removed"] = r.possible_dsep_removed;
  return out;
}

using Marks = nb::ndarray<const std::int8_t, nb::ndim<2>, nb::c_contig, nb::device::cpu>;

nb::dict causal_extend(const std::vector<std::string>& names, Marks marks, std::int64_t seed,
                       bool fallback) {
  const std::size_t d = names.size();
  SCMFORGE_CHECK(marks.shape(0) == d && marks.shape(1) == d, InvalidInput,
                 "marks must be {} x {} for {} names", d, d, d);
  causal::CausalGraph g{names, std::vector<std::int8_t>(marks.data(), marks.data() + d * d)};
  bool pag = false;
  for (std::size_t a = 0; a < d; ++a)
    for (std::size_t b = 0; b < d; ++b)
      pag = pag || g.marks[a * d + b] == 2 || (g.marks[a * d + b] == 1 && g.marks[b * d + a] == 1);
  const std::optional<std::uint64_t> s =
      seed < 0 ? std::nullopt : std::optional<std::uint64_t>(static_cast<std::uint64_t>(seed));
  bool consistent = true;
  // fallback: a CPDAG takes the PAG rule, whose arrowless edges fall back to a topological order
  // when no consistent extension exists (its directed edges are kept either way).
  const causal::CausalGraph dag =
      pag || fallback ? causal::pag_to_dag(g, s, &consistent) : causal::extend_to_dag(g, s);
  nb::dict out;
  std::vector<std::int8_t> m = dag.marks;
  out["marks"] = owned(std::move(m), {d, d});
  out["json"] = causal::to_json(dag);
  out["dot"] = causal::to_dot(dag);
  out["edges"] = causal::to_edge_list(dag);
  out["from_pag"] = pag;
  out["consistent"] = consistent;
  return out;
}

}  // namespace

void bind_causal(nb::module_& m) {
  m.def("causal_discover", &causal_discover, nb::arg("algorithm"), nb::arg("X"), nb::arg("names"),
        nb::arg("categorical"), nb::arg("test"), nb::arg("alpha"), nb::arg("stable"),
        nb::arg("uc_priority"), nb::arg("max_depth"), nb::arg("missing"), nb::arg("threads"),
        nb::arg("time_limit"), nb::arg("uc_rule"), nb::arg("knowledge"),
        "PC or FCI on the columns of X (n x d float64, Fortran order): graph marks and exports.");
  m.def("causal_extend", &causal_extend, nb::arg("names"), nb::arg("marks"), nb::arg("seed"),
        nb::arg("fallback"),
        "A DAG from a CPDAG (consistent extension; with fallback, the PAG rule's topological "
        "order when none exists) or a PAG (pag_to_dag); seed < 0: fixed.");
}

}  // namespace scmforge::python
