// src/causal/discovery.cpp: from a table to a PC or FCI graph.
#include "scmforge/causal/discovery.hpp"

#include <Eigen/Core>
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <utility>

#include "scmforge/causal/dg_test.hpp"
#include "scmforge/causal/discrete_test.hpp"
#include "scmforge/causal/fisher_z.hpp"
#include "scmforge/core/error.hpp"

namespace scmforge::causal {

DiscoveryResult discover(const Table<double>& table, const DiscoveryOptions& o) {
  SCMFORGE_CHECK(o.algorithm == "pc" || o.algorithm == "fci", InvalidInput,
                 "unknown algorithm '{}'; use pc or fci", o.algorithm);
  SCMFORGE_CHECK(o.test == "fisherz" || o.test == "chisq" || o.test == "gsq" || o.test == "dg",
                 InvalidInput,
                 "unknown CI test '{}'; use fisherz (numeric data), chisq or gsq (discrete data), "
                 "or dg (mixed numeric and categorical data)",
                 o.test);
  SCMFORGE_CHECK(o.missing == "error" || o.missing == "drop", InvalidInput,
                 "missing must be 'error' or 'drop', got '{}'", o.missing);
  const auto d = table.d();
  std::vector<std::string> names;
  for (const auto& c : table.columns) names.push_back(c.name);
  std::vector<Eigen::Index> keep;
  for (std::int64_t i = 0; i < table.n; ++i) {
    bool complete = true;
    for (std::int64_t j = 0; j < d && complete; ++j) complete = !std::isnan(table.at(i, j));
    if (complete) {
      keep.push_back(static_cast<Eigen::Index>(i));
    } else {
      SCMFORGE_CHECK(o.missing == "drop", InvalidInput,
                     "row {} has a missing value; pass missing=\"drop\" (--missing drop) to drop "
                     "incomplete rows, or impute first",
                     i + 1);
    }
  }
  Eigen::MatrixXd data(static_cast<Eigen::Index>(keep.size()), static_cast<Eigen::Index>(d));
  for (std::int64_t j = 0; j < d; ++j) {
    const auto& col = table.columns[static_cast<std::size_t>(j)];
    SCMFORGE_CHECK(o.test != "fisherz" || col.kind == ColumnKind::kNumeric, InvalidInput,
                   "column '{}' is categorical; fisherz needs numeric columns: use --test chisq "
                   "or gsq for discrete data, or drop the column",
                   col.name);
    for (std::size_t r = 0; r < keep.size(); ++r)
      data(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(j)) = table.at(keep[r], j);
    const auto c = data.col(static_cast<Eigen::Index>(j));
    SCMFORGE_CHECK(c.size() == 0 || c.maxCoeff() > c.minCoeff(), InvalidInput,
                   "column '{}' has a single value{}; it cannot depend on anything: drop it",
                   col.name, col.kind == ColumnKind::kCategorical ? " (one level)" : "");
  }
  SCMFORGE_CHECK(!keep.empty(), InvalidInput, "no complete rows to learn a graph from");
  CiTest test;
  SkeletonOptions skeleton = o.skeleton;
  if (o.test == "fisherz") {
    auto z = std::make_shared<FisherZ>(data, names);
    test = [z](int x, int y, const std::vector<int>& s) { return z->p_value(x, y, s); };
    skeleton.batch_test =
        [z, alpha = o.skeleton.alpha, threshold = FisherZ::threshold(o.skeleton.alpha)](
            int x, std::span<const int> s, std::span<const int> ys, std::span<std::uint8_t> out) {
          z->independent(x, s, ys, alpha, threshold, out);
        };
  } else if (o.test == "dg") {
    std::vector<bool> categorical;
    for (const auto& c : table.columns) categorical.push_back(c.kind == ColumnKind::kCategorical);
    auto t = std::make_shared<DegenerateGaussianTest>(data, categorical, names);
    test = [t](int x, int y, const std::vector<int>& s) { return t->p_value(x, y, s); };
  } else {
    auto t = std::make_shared<DiscreteTest>(
        data,
        o.test == "chisq" ? DiscreteTest::Statistic::kChiSquare : DiscreteTest::Statistic::kGSquare,
        names);
    test = [t](int x, int y, const std::vector<int>& s) { return t->p_value(x, y, s); };
  }
  DiscoveryResult out;
  out.rows_used = static_cast<std::int64_t>(keep.size());
  if (o.algorithm == "pc") {
    PcResult r = pc(static_cast<int>(d), cached(std::move(test)),
                    PcOptions{skeleton, o.uc_priority, o.uc_rule});
    out.graph = CausalGraph{names, std::move(r.graph)};
    out.depth_reached = r.skeleton.depth_reached;
    out.tests = r.skeleton.tests + r.skeleton.sepsets.tests();
  } else {
    FciResult r = fci(static_cast<int>(d), cached(std::move(test)), FciOptions{skeleton});
    out.graph = CausalGraph{names, std::move(r.graph)};
    out.depth_reached = r.skeleton.depth_reached;
    out.tests = r.tests;
    out.possible_dsep_removed = r.possible_dsep_removed;
  }
  return out;
}

std::string result_json(const DiscoveryOptions& o, const DiscoveryResult& r) {
  nlohmann::json settings = {{"algorithm", o.algorithm},
                             {"test", o.test},
                             {"alpha", o.skeleton.alpha},
                             {"stable", o.skeleton.stable},
                             {"max_depth", o.skeleton.max_depth},
                             {"missing", o.missing},
                             {"rows_used", r.rows_used},
                             {"depth_reached", r.depth_reached},
                             {"ci_tests", r.tests}};
  if (o.algorithm == "pc") {
    settings["uc_rule"] = o.uc_rule;
    settings["uc_priority"] = o.uc_priority;
    if (!o.skeleton.knowledge.empty())
      settings["background_knowledge"] =
          nlohmann::json::parse(knowledge_json(o.skeleton.knowledge, r.graph.names));
  } else {
    settings["possible_dsep_removed"] = r.possible_dsep_removed;
  }
  return to_json(r.graph, settings.dump());
}

}  // namespace scmforge::causal
