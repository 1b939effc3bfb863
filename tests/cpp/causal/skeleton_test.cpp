// tests/cpp/causal/skeleton_test.cpp: Fisher's z and PC's adjacency search against causal-learn.
#include "scmforge/causal/skeleton.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <string>

#include "causal/fixtures.hpp"
#include "scmforge/causal/fisher_z.hpp"
#include "scmforge/core/error.hpp"

namespace scmforge::causal {
namespace {

SkeletonOptions options(bool stable, int max_depth, int threads) {
  SkeletonOptions o;
  o.stable = stable;
  o.max_depth = max_depth;
  o.threads = threads;
  return o;
}

using testing::kFixtures;
using testing::load_matrix;
using testing::load_rows;

CiTest fisher(const FisherZ& z) {
  return [&z](int x, int y, const std::vector<int>& s) { return z.p_value(x, y, s); };
}

// Every PC fisherz result recorded for data_linear_10 (uc_rule 0-2, every uc_priority) shares
// one skeleton: the adjacencies of our PC-stable search equal the recorded graph's.
TEST(CausalSkeleton, PcStableFisherZMatchesCausalLearnOnLinear10) {
  const Eigen::MatrixXd data = load_matrix(kFixtures + "data_linear_10.txt", 1);
  ASSERT_EQ(data.rows(), 10000);
  const FisherZ z(data);
  for (const int threads : {1, 2}) {
    const Skeleton g =
        find_skeleton(static_cast<int>(data.cols()), fisher(z), options(true, -1, threads));
    for (const char* name :
         {"linear_10_pc_fisherz_0.05_stable_0_0.txt", "linear_10_pc_fisherz_0.05_stable_0_4.txt",
          "linear_10_pc_fisherz_0.05_stable_1_-1.txt",
          "linear_10_pc_fisherz_0.05_stable_2_-1.txt"}) {
      const Eigen::MatrixXd expected =
          load_matrix(kFixtures + "benchmark_returned_results/" + name, 0);
      ASSERT_EQ(expected.rows(), data.cols()) << name;
      int edges = 0;
      for (int x = 0; x < g.d; ++x)
        for (int y = 0; y < g.d; ++y) {
          EXPECT_EQ(g.has_edge(x, y), expected(x, y) != 0 || expected(y, x) != 0)
              << name << ": " << x << " - " << y;
          edges += g.has_edge(x, y) ? 1 : 0;
        }
      EXPECT_GT(edges, 0);
    }
  }
}

// PC-stable does not depend on the column order: permuting the columns permutes the skeleton.
TEST(CausalSkeleton, StableSearchIsInvariantToColumnOrder) {
  const Eigen::MatrixXd data = load_matrix(kFixtures + "data_linear_10.txt", 1).topRows(2000);
  const auto d = static_cast<int>(data.cols());
  std::vector<int> perm(static_cast<std::size_t>(d));
  std::iota(perm.begin(), perm.end(), 0);
  std::reverse(perm.begin(), perm.end());
  std::swap(perm[3], perm[11]);
  Eigen::MatrixXd permuted(data.rows(), d);
  for (int j = 0; j < d; ++j) permuted.col(j) = data.col(perm[static_cast<std::size_t>(j)]);
  const FisherZ za(data), zb(permuted);
  const Skeleton a = find_skeleton(d, fisher(za), {});
  const Skeleton b = find_skeleton(d, fisher(zb), {});
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j)
      EXPECT_EQ(b.has_edge(i, j),
                a.has_edge(perm[static_cast<std::size_t>(i)], perm[static_cast<std::size_t>(j)]));
}

// The lazy separating sets against a direct PC-stable search that tests every subset and keeps
// the union of the separating ones from both sides (causal-learn's record): the same skeleton and
// the same set for every removed pair.
TEST(CausalSkeleton, LazySeparatingSetsEqualTheUnionOfEverySeparatingSet) {
  const FisherZ z(load_matrix(kFixtures + "data_linear_10.txt", 1));
  const CiTest test = fisher(z);
  const int d = z.columns();
  const double alpha = 0.05;
  std::vector<std::vector<int>> adj(static_cast<std::size_t>(d));
  for (int x = 0; x < d; ++x)
    for (int y = 0; y < d; ++y)
      if (x != y) adj[static_cast<std::size_t>(x)].push_back(y);
  std::map<std::pair<int, int>, std::set<int>> want;
  for (int level = 0;; ++level) {
    std::size_t most = 0;
    for (const auto& a : adj) most = std::max(most, a.size());
    if (static_cast<int>(most) - 1 < level) break;
    std::map<std::pair<int, int>, std::set<int>> found;
    for (int x = 0; x < d; ++x)
      for (const int y : adj[static_cast<std::size_t>(x)]) {
        std::vector<int> rest;
        for (const int v : adj[static_cast<std::size_t>(x)])
          if (v != y) rest.push_back(v);
        std::vector<bool> pick(rest.size(), false);
        std::fill(pick.begin(),
                  pick.begin() + std::min<long>(level, static_cast<long>(rest.size())), true);
        if (static_cast<int>(rest.size()) < level) continue;
        do {
          std::vector<int> s;
          for (std::size_t i = 0; i < rest.size(); ++i)
            if (pick[i]) s.push_back(rest[i]);
          if (test(x, y, s) > alpha) {
            auto& u = found[{std::min(x, y), std::max(x, y)}];
            u.insert(s.begin(), s.end());
          }
        } while (std::prev_permutation(pick.begin(), pick.end()));
      }
    for (const auto& [pair, u] : found) {
      want[pair] = u;
      auto& a = adj[static_cast<std::size_t>(pair.first)];
      auto& b = adj[static_cast<std::size_t>(pair.second)];
      a.erase(std::find(a.begin(), a.end(), pair.second));
      b.erase(std::find(b.begin(), b.end(), pair.first));
    }
  }
  const Skeleton g = find_skeleton(d, test, options(true, -1, 2));
  int nonempty = 0;
  for (int x = 0; x < d; ++x)
    for (int y = 0; y < d; ++y) {
      if (x == y) continue;
      const auto it = want.find({std::min(x, y), std::max(x, y)});
      EXPECT_EQ(g.has_edge(x, y), it == want.end()) << x << " " << y;
      if (it == want.end()) continue;
      const std::vector<int> expected(it->second.begin(), it->second.end());
      EXPECT_EQ(g.sepsets.get(x, y), expected) << x << " " << y;
      for (int v = 0; v < d; ++v)
        EXPECT_EQ(g.sepsets.contains(x, y, v), it->second.count(v) != 0)
            << x << " " << y << " " << v;
      nonempty += expected.empty() ? 0 : 1;
    }
  EXPECT_GT(nonempty, 10);
}

// Known answers with an oracle test from d-separation in a 4-variable DAG: 0 -> 2 <- 1, 2 -> 3.
// Independences: 0 _||_ 1; 0 _||_ 3 | 2; 1 _||_ 3 | 2 (and supersets without a collider).
TEST(CausalSkeleton, OracleTestRecoversTheSkeletonAndSeparatingSets) {
  const CiTest oracle = testing::collider_then_chain_oracle();
  for (const bool stable : {true, false}) {
    const Skeleton g = find_skeleton(4, oracle, options(stable, -1, 1));
    EXPECT_TRUE(g.has_edge(0, 2) && g.has_edge(1, 2) && g.has_edge(2, 3));
    EXPECT_FALSE(g.has_edge(0, 1) || g.has_edge(0, 3) || g.has_edge(1, 3));
    EXPECT_EQ(g.sepsets.get(0, 1), std::vector<int>{});
    EXPECT_EQ(g.sepsets.get(0, 3), std::vector<int>{2});
    EXPECT_EQ(g.sepsets.get(3, 1), std::vector<int>{2});
    EXPECT_TRUE(g.sepsets.contains(0, 3, 2) && g.sepsets.contains(3, 0, 2));
    EXPECT_FALSE(g.sepsets.contains(0, 1, 2) || g.sepsets.contains(0, 3, 1));
    EXPECT_FALSE(g.sepsets.get(0, 2).has_value());
    EXPECT_FALSE(g.sepsets.recorded(0, 2));
  }
  const Skeleton shallow = find_skeleton(4, oracle, options(true, 0, 1));
  EXPECT_EQ(shallow.depth_reached, 0);
  EXPECT_TRUE(shallow.has_edge(0, 3));  // needs a conditioning set of size 1
}

// A time limit stops the search with a message naming the level; progress sees every level.
TEST(CausalSkeleton, TimeLimitStopsWithTheLevelReachedAndProgressReportsLevels) {
  const CiTest slow = [](int, int, const std::vector<int>&) {
    volatile double sink = 0.0;
    for (int i = 0; i < 20000; ++i) sink = sink + 1.0;
    return 0.0;  // every pair dependent: the search goes deep
  };
  SkeletonOptions o;
  o.time_limit = 0.05;
  try {
    find_skeleton(14, slow, o);
    FAIL() << "expected the time limit";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("time limit of 0.05 s reached during level"),
              std::string::npos)
        << e.what();
  }
  std::vector<int> levels;
  SkeletonOptions p;
  p.progress = [&levels](int level, int, int) {
    if (levels.empty() || levels.back() != level) levels.push_back(level);
  };
  const CiTest independent = [](int, int, const std::vector<int>&) { return 1.0; };
  find_skeleton(5, independent, p);
  EXPECT_EQ(levels, std::vector<int>{0});  // all edges go at level 0
  o.time_limit = -1.0;
  EXPECT_THROW(find_skeleton(3, independent, o), InvalidInput);
}

TEST(CausalSkeleton, BadInputsAreNamed) {
  Eigen::MatrixXd data = Eigen::MatrixXd::Random(50, 3);
  data.col(1).setConstant(2.0);
  EXPECT_THROW(FisherZ(data, {"a", "b", "c"}), InvalidInput);
  try {
    FisherZ bad(data, {"a", "b", "c"});
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("'b' is constant"), std::string::npos) << e.what();
  }
  data.col(1) = 2.0 * data.col(0);  // perfectly collinear with column 0
  const FisherZ z(data, {"a", "b", "c"});
  const std::vector<int> s{1};
  EXPECT_THROW(static_cast<void>(z.p_value(0, 2, s)), Numerical);
  data(4, 2) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(FisherZ{data}, InvalidInput);
  EXPECT_THROW(FisherZ{Eigen::MatrixXd::Random(3, 2)}, InvalidInput);
  const FisherZ small(Eigen::MatrixXd::Random(5, 4));
  const std::vector<int> two{2, 3};
  EXPECT_THROW(static_cast<void>(small.p_value(0, 1, two)), InvalidInput);  // 5 - 2 - 3 = 0
  const CiTest never = [](int, int, const std::vector<int>&) { return 0.0; };
  SkeletonOptions bad_alpha;
  bad_alpha.alpha = 1.5;
  EXPECT_THROW(find_skeleton(3, never, bad_alpha), InvalidInput);
  EXPECT_THROW(find_skeleton(1, never, {}), InvalidInput);
}

}  // namespace
}  // namespace scmforge::causal
