// tests/cpp/causal/pc_test.cpp: PC's oriented graphs against causal-learn's recorded results.
#include "scmforge/causal/pc.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>

#include "causal/fixtures.hpp"
#include "scmforge/causal/discrete_test.hpp"
#include "scmforge/causal/fisher_z.hpp"
#include "scmforge/core/error.hpp"

namespace scmforge::causal {
namespace {

using testing::kFixtures;
using testing::load_matrix;
using testing::load_rows;

// Runs PC-stable (uc_priority -1) with a discrete test and compares with a recorded graph.
void expect_discrete_pc(const std::string& data_path, const std::string& expected_path,
                        DiscreteTest::Statistic statistic) {
  const Eigen::MatrixXd data = load_matrix(data_path, 1);
  const DiscreteTest t(data, statistic);
  const CiTest test = [&t](int x, int y, const std::vector<int>& s) { return t.p_value(x, y, s); };
  PcOptions options;
  options.uc_priority = -1;
  options.skeleton.threads = 2;
  const int d = static_cast<int>(data.cols());
  const PcResult r = pc(d, test, options);
  const auto expected = load_rows(expected_path, 0);
  ASSERT_EQ(static_cast<int>(expected.size()), d) << expected_path;
  int mismatches = 0;
  for (int a = 0; a < d; ++a)
    for (int b = 0; b < d; ++b)
      mismatches +=
          r.graph[static_cast<std::size_t>(a * d + b)] !=
          static_cast<int>(expected[static_cast<std::size_t>(a)][static_cast<std::size_t>(b)]);
  EXPECT_EQ(mismatches, 0) << expected_path;
}

TEST(CausalPc, ChiSquareAndGSquareMatchCausalLearnOnDiscrete10) {
  expect_discrete_pc(
      kFixtures + "data_discrete_10.txt",
      kFixtures + "benchmark_returned_results/discrete_10_pc_chisq_0.05_stable_0_-1.txt",
      DiscreteTest::Statistic::kChiSquare);
  expect_discrete_pc(
      kFixtures + "data_discrete_10.txt",
      kFixtures + "benchmark_returned_results/discrete_10_pc_gsq_0.05_stable_0_-1.txt",
      DiscreteTest::Statistic::kGSquare);
}

// Every bnlearn network causal-learn records PC chi-square results for (10,000 rows each, up to
// 76 variables; water has constant columns, which the test sees as independent of everything).
TEST(CausalPc, ChiSquareMatchesCausalLearnOnBnlearnNetworks) {
  const std::string base = kFixtures + "bnlearn_discrete_10000/";
  for (const char* net : {"asia", "cancer", "earthquake", "sachs", "survey", "child", "insurance",
                          "alarm", "barley", "hailfinder", "hepar2", "water", "win95pts"}) {
    expect_discrete_pc(
        base + "data/" + net + ".txt",
        base + "benchmark_returned_results/" + net + "_pc_chisq_0.05_stable_0_-1.txt",
        DiscreteTest::Statistic::kChiSquare);
  }
}

TEST(CausalPc, ChiSquareSurvivalFunctionKnownValues) {
  // scipy.stats.chi2.sf
  EXPECT_NEAR(chi2_sf(3.841458820694124, 1), 0.05, 1e-12);
  EXPECT_NEAR(chi2_sf(10.0, 4), 0.040427681994512805, 1e-12);
  EXPECT_NEAR(chi2_sf(0.5, 7), 0.9994464813904249, 1e-12);
  EXPECT_NEAR(chi2_sf(200.0, 150), 0.003973185970821635, 1e-12);
  EXPECT_EQ(chi2_sf(0.0, 3), 1.0);
}

// causal-learn's pc(data_linear_10, 0.05, fisherz, stable=True, uc_rule=r, uc_priority=p) for
// every recorded (r, p): uc_rule 0 with each priority, MaxP (1) and definite MaxP (2) with their
// defaults; the whole oriented graph, entry for entry.
TEST(CausalPc, FisherZStableMatchesCausalLearnForEveryColliderRuleAndPriority) {
  const Eigen::MatrixXd data = load_matrix(kFixtures + "data_linear_10.txt", 1);
  const FisherZ z(data);
  const CiTest test = [&z](int x, int y, const std::vector<int>& s) { return z.p_value(x, y, s); };
  const int d = static_cast<int>(data.cols());
  const std::vector<std::pair<int, int>> cases = {{0, 0}, {0, 1},  {0, 2}, {0, 3},
                                                  {0, 4}, {1, -1}, {2, -1}};
  for (const auto& [rule, priority] : cases) {
    const std::string name =
        fmt::format("linear_10_pc_fisherz_0.05_stable_{}_{}.txt", rule, priority);
    const auto expected =
        load_rows(fmt::format("{}benchmark_returned_results/{}", kFixtures, name), 0);
    PcOptions options;
    options.uc_rule = rule;
    options.uc_priority = priority;
    const PcResult r = pc(d, test, options);
    int directed = 0;
    for (int a = 0; a < d; ++a)
      for (int b = 0; b < d; ++b) {
        const auto got = r.graph[static_cast<std::size_t>(a * d + b)];
        EXPECT_EQ(got, static_cast<int>(
                           expected[static_cast<std::size_t>(a)][static_cast<std::size_t>(b)]))
            << name << " at (" << a << ", " << b << ")";
        directed += got == 1 ? 1 : 0;
      }
    EXPECT_GT(directed, 0) << name;
  }
}

// Oracle CI test of the DAG 0 -> 2 <- 1, 2 -> 3: the CPDAG orients the collider and, by Meek's
// R1, 2 -> 3.
TEST(CausalPc, OracleColliderAndMeekR1) {
  const CiTest oracle = testing::collider_then_chain_oracle();
  const PcResult r = pc(4, oracle, {});
  const auto at = [&r](int a, int b) { return r.graph[static_cast<std::size_t>(a * 4 + b)]; };
  EXPECT_TRUE(at(0, 2) == -1 && at(2, 0) == 1);  // 0 -> 2
  EXPECT_TRUE(at(1, 2) == -1 && at(2, 1) == 1);  // 1 -> 2
  EXPECT_TRUE(at(2, 3) == -1 && at(3, 2) == 1);  // 2 -> 3
  EXPECT_EQ(at(0, 1), 0);
  PcOptions bad;
  bad.uc_priority = 7;
  EXPECT_THROW(pc(4, oracle, bad), InvalidInput);
  bad.uc_priority = 1;
  bad.uc_rule = 2;  // definite MaxP has no priorities 0 and 1
  EXPECT_THROW(pc(4, oracle, bad), InvalidInput);
  bad.uc_priority = 2;
  bad.uc_rule = 3;
  EXPECT_THROW(pc(4, oracle, bad), InvalidInput);
  // MaxP and definite MaxP find the same collider and Meek orientation under the oracle.
  for (const int rule : {1, 2}) {
    PcOptions o;
    o.uc_rule = rule;
    const PcResult m = pc(4, oracle, o);
    EXPECT_EQ(m.graph, r.graph) << "uc_rule " << rule;
  }
}

// Background knowledge with causal-learn's meaning on the oracle DAG 0 -> 2 <- 1, 2 -> 3.
TEST(CausalPc, BackgroundKnowledgeRemovesOrientsAndBlocks) {
  const CiTest oracle = testing::collider_then_chain_oracle();
  const auto mark = [](const PcResult& r, int a, int b) {
    return r.graph[static_cast<std::size_t>(a * r.d + b)];
  };
  // An edge forbidden both ways is gone, untested.
  PcOptions o;
  o.skeleton.knowledge.forbidden = {{2, 3}, {3, 2}};
  PcResult r = pc(4, oracle, o);
  EXPECT_EQ(mark(r, 2, 3), 0);
  EXPECT_FALSE(r.skeleton.has_edge(2, 3));
  // Tiers: 3 in tier 0 and 2 in tier 1 forbid 2 -> 3, so the edge points 3 -> 2 and the
  // collider 0 -> 2 <- 1 still forms (its arrows are allowed).
  o = {};
  o.skeleton.knowledge.tier = {1, 1, 1, 0};
  r = pc(4, oracle, o);
  EXPECT_TRUE(mark(r, 3, 2) == -1 && mark(r, 2, 3) == 1);
  EXPECT_TRUE(mark(r, 0, 2) == -1 && mark(r, 2, 0) == 1);
  // Requiring 2 -> 0 blocks the collider at 2; 1 - 2 stays undirected.
  o = {};
  o.skeleton.knowledge.required = {{2, 0}};
  r = pc(4, oracle, o);
  EXPECT_TRUE(mark(r, 2, 0) == -1 && mark(r, 0, 2) == 1);
  EXPECT_TRUE(mark(r, 1, 2) == -1 && mark(r, 2, 1) == -1);
  // Contradictions are named.
  o = {};
  o.skeleton.knowledge.required = {{0, 2}};
  o.skeleton.knowledge.forbidden = {{0, 2}};
  EXPECT_THROW(pc(4, oracle, o), InvalidInput);
  o = {};
  o.skeleton.knowledge.tier = {0, 1};
  EXPECT_THROW(pc(4, oracle, o), InvalidInput);
  o = {};
  o.skeleton.knowledge.forbidden = {{0, 4}};
  EXPECT_THROW(pc(4, oracle, o), InvalidInput);
}

}  // namespace
}  // namespace scmforge::causal
