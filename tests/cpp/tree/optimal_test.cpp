// tests/cpp/tree/optimal_test.cpp: the optimal tree solver against brute force, CART and itself.
#include "scmforge/tree/optimal.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "scmforge/core/error.hpp"
#include "scmforge/tree/cart.hpp"

namespace scmforge::tree {
namespace {

constexpr float kNan = std::numeric_limits<float>::quiet_NaN();

// A small dataset (column-major x) with its view.
struct Data {
  std::int64_t n = 0;
  std::int64_t d = 0;
  std::int32_t k = 2;
  std::vector<float> x;
  std::vector<std::int32_t> y;
  std::vector<std::int32_t> categorical;  // levels per column (0 numeric)

  [[nodiscard]] TrainingSet set() const {
    TrainingSet s;
    s.x = DataView{n, d, x.data(), categorical};
    s.y = y;
    s.k = k;
    return s;
  }
};

// ---- Brute force, written plainly: every split, every leaf-budget division, every depth. ----

struct Split {
  std::int64_t feature;
  double threshold;
  bool category;
};

bool goes_left(const Data& data, const Split& s, std::int64_t row) {
  const float v = data.x[static_cast<std::size_t>(s.feature * data.n + row)];
  if (std::isnan(v)) {
    return false;
  }
  return s.category ? static_cast<double>(v) == s.threshold : static_cast<double>(v) <= s.threshold;
}

std::vector<Split> all_splits(const Data& data) {
  std::vector<Split> out;
  for (std::int64_t j = 0; j < data.d; ++j) {
    std::vector<float> v;
    for (std::int64_t i = 0; i < data.n; ++i) {
      const float a = data.x[static_cast<std::size_t>(j * data.n + i)];
      if (!std::isnan(a)) {
        v.push_back(a);
      }
    }
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    const bool category = data.categorical[static_cast<std::size_t>(j)] > 0;
    if (category) {
      for (const float level : v) {
        out.push_back({j, static_cast<double>(level), true});
      }
    } else {
      for (std::size_t i = 0; i + 1 < v.size(); ++i) {
        out.push_back(
            {j, (static_cast<double>(v[i]) + static_cast<double>(v[i + 1])) / 2.0, false});
      }
    }
  }
  return out;
}

struct Brute {
  const Data& data;
  std::vector<Split> splits;
  double penalty;  // per leaf
  std::int64_t min_leaf;

  // Minimum of misclassified + penalty * leaves over trees of depth <= depth with <= leaves
  // leaves (infinity when none exists, which cannot happen: a leaf always does).
  double best(const std::vector<std::int64_t>& rows, int depth, int leaves) const {
    std::vector<std::int64_t> counts(static_cast<std::size_t>(data.k), 0);
    for (const auto r : rows) {
      ++counts[static_cast<std::size_t>(data.y[static_cast<std::size_t>(r)])];
    }
    const auto top = *std::max_element(counts.begin(), counts.end());
    double result = static_cast<double>(static_cast<std::int64_t>(rows.size()) - top) + penalty;
    if (depth == 0 || leaves < 2) {
      return result;
    }
    leaves = std::min(leaves, 1 << depth);
    for (const auto& s : splits) {
      std::vector<std::int64_t> left;
      std::vector<std::int64_t> right;
      for (const auto r : rows) {
        (goes_left(data, s, r) ? left : right).push_back(r);
      }
      if (static_cast<std::int64_t>(left.size()) < min_leaf ||
          static_cast<std::int64_t>(right.size()) < min_leaf) {
        continue;
      }
      // A subtree of depth depth - 1 holds at most cap leaves; other divisions repeat these.
      const int cap = 1 << (depth - 1);
      for (int bl = std::max(1, leaves - cap); bl <= std::min(cap, leaves - 1); ++bl) {
        result = std::min(result, best(left, depth - 1, bl) + best(right, depth - 1, leaves - bl));
      }
    }
    return result;
  }
};

// ---- Helpers ----

Data random_data(std::uint32_t seed, std::int64_t n, std::int64_t d, std::int32_t k,
                 bool with_categorical, bool with_nan, int distinct) {
  std::mt19937 rng(seed);
  Data data;
  data.n = n;
  data.d = d;
  data.k = k;
  data.categorical.assign(static_cast<std::size_t>(d), 0);
  for (std::int64_t j = 0; j < d; ++j) {
    const bool cat = with_categorical && j == d - 1;
    if (cat) {
      data.categorical[static_cast<std::size_t>(j)] = 3;
    }
    for (std::int64_t i = 0; i < n; ++i) {
      const int levels = cat ? 3 : distinct;
      float v = static_cast<float>(static_cast<int>(rng() % static_cast<unsigned>(levels)));
      if (!cat) {
        v = v * 0.5F + 0.25F;
      }
      if (with_nan && rng() % 7 == 0) {
        v = kNan;
      }
      data.x.push_back(v);
    }
  }
  for (std::int64_t i = 0; i < n; ++i) {
    // Labels loosely tied to the first two columns, plus noise.
    const float a = data.x[static_cast<std::size_t>(i)];
    const float b = data.x[static_cast<std::size_t>(n + i)];
    int label = (a > 1.0F) != (b > 0.8F) ? 1 : 0;
    if (rng() % 4 == 0) {
      label = static_cast<int>(rng() % static_cast<unsigned>(k));
    }
    data.y.push_back(std::min(label, k - 1));
  }
  return data;
}

// Training errors of the returned tree, recomputed with Tree::predict_class.
std::int64_t tree_errors(const Tree& tree, const Data& data) {
  std::vector<std::int32_t> pred(static_cast<std::size_t>(data.n));
  tree.predict_class(data.set().x, pred);
  std::int64_t errors = 0;
  for (std::size_t i = 0; i < pred.size(); ++i) {
    errors += pred[i] != data.y[i] ? 1 : 0;
  }
  return errors;
}

void expect_consistent(const OptimalResult& r, const Data& data, const OptimalOptions& o) {
  EXPECT_EQ(tree_errors(r.tree, data), r.misclassified);
  const double pen = o.leaf_penalty * static_cast<double>(data.n);
  EXPECT_NEAR(r.objective, static_cast<double>(r.misclassified) + pen * r.tree.leaf_count(), 1e-9);
  EXPECT_LE(r.tree.depth(), o.max_depth);
  if (o.max_leaves > 0) {
    EXPECT_LE(r.tree.leaf_count(), o.max_leaves);
  }
  EXPECT_NO_THROW(r.tree.validate());
  for (std::int32_t v = 0; v < r.tree.node_count(); ++v) {
    EXPECT_GE(r.tree.n_node_samples[static_cast<std::size_t>(v)], o.min_samples_leaf);
    double sum = 0.0;
    for (std::int32_t c = 0; c < data.k; ++c) {
      sum += r.tree.value[static_cast<std::size_t>(v * data.k + c)];
    }
    EXPECT_EQ(sum, r.tree.weighted_n_node_samples[static_cast<std::size_t>(v)]);
  }
}

// ---- Tests ----

TEST(OptimalTree, MatchesBruteForceOnRandomSmallData) {
  for (std::uint32_t seed = 0; seed < 240; ++seed) {
    std::mt19937 pick(seed * 7919U + 1U);
    const std::int64_t n = 8 + static_cast<std::int64_t>(pick() % 25);
    const std::int64_t d = 2 + static_cast<std::int64_t>(pick() % 2);
    const auto k = static_cast<std::int32_t>(2 + pick() % 2);
    const bool cat = pick() % 3 == 0;
    const bool nan = pick() % 3 == 0;
    const Data data = random_data(seed, n, d, k, cat, nan, 2 + static_cast<int>(pick() % 3));
    OptimalOptions o;
    o.max_depth = 1 + static_cast<std::int32_t>(pick() % 3);
    const double penalties[] = {0.0, 0.0, 0.01, 0.04};
    o.leaf_penalty = penalties[pick() % 4];
    const std::int32_t leaf_caps[] = {-1, -1, 2, 3, 5};
    o.max_leaves = leaf_caps[pick() % 5];
    o.min_samples_leaf = pick() % 4 == 0 ? 2 : 1;
    const auto r = fit_optimal(data.set(), o);
    const Brute brute{data, all_splits(data), o.leaf_penalty * static_cast<double>(n),
                      o.min_samples_leaf};
    std::vector<std::int64_t> rows(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
      rows[static_cast<std::size_t>(i)] = i;
    }
    const int leaves = o.max_leaves > 0 ? o.max_leaves : 1 << o.max_depth;
    const double expected = brute.best(rows, o.max_depth, leaves);
    ASSERT_NEAR(r.objective, expected, 1e-9)
        << "seed " << seed << " depth " << o.max_depth << " penalty " << o.leaf_penalty
        << " max_leaves " << o.max_leaves << " min_leaf " << o.min_samples_leaf;
    EXPECT_TRUE(r.optimal);
    EXPECT_NEAR(r.lower_bound, r.objective, 1e-9);
    expect_consistent(r, data, o);
  }
}

TEST(OptimalTree, MatchesBruteForceOnContinuousColumnsAtDepth2) {
  // Many thresholds per column (f / d * k large): these shapes take the scanning depth-2 solver.
  for (std::uint32_t seed = 0; seed < 6; ++seed) {
    Data data = random_data(500 + seed, 160, 2, 3, false, seed % 2 == 1, 1000);
    if (seed >= 4) {
      data.categorical[1] = 0;  // keep numeric, but coarsen column 1 to few levels
      for (std::int64_t i = 0; i < data.n; ++i) {
        auto& v = data.x[static_cast<std::size_t>(data.n + i)];
        v = std::isnan(v) ? v : std::floor(v / 100.0F);
      }
    }
    OptimalOptions o;
    o.max_depth = 2;
    o.leaf_penalty = seed == 2 ? 0.01 : 0.0;
    o.max_leaves = seed == 3 ? 3 : -1;
    o.min_samples_leaf = seed == 5 ? 3 : 1;
    const auto r = fit_optimal(data.set(), o);
    const Brute brute{data, all_splits(data), o.leaf_penalty * static_cast<double>(data.n),
                      o.min_samples_leaf};
    std::vector<std::int64_t> rows(static_cast<std::size_t>(data.n));
    for (std::int64_t i = 0; i < data.n; ++i) {
      rows[static_cast<std::size_t>(i)] = i;
    }
    const int leaves = o.max_leaves > 0 ? o.max_leaves : 4;
    EXPECT_NEAR(r.objective, brute.best(rows, 2, leaves), 1e-9) << "seed " << seed;
    expect_consistent(r, data, o);
  }
}

TEST(OptimalTree, TwoClassScanningDepth2MatchesBruteForceAndCanonicalRoot) {
  // Two classes, many thresholds: the scanning solver's interval bound over root thresholds and
  // its two-class child scan. The root must be the lowest-index split among the optimal ones
  // (the leaf when it ties), as the plain in-order search picks it.
  for (std::uint32_t seed = 0; seed < 6; ++seed) {
    Data data = random_data(700 + seed, 200, 2, 2, false, seed % 3 == 1, 1000);
    if (seed >= 3) {
      for (std::int64_t i = 0; i < data.n; ++i) {  // coarsen column 1: ties between roots
        auto& v = data.x[static_cast<std::size_t>(data.n + i)];
        v = std::isnan(v) ? v : std::floor(v / 50.0F);
      }
    }
    OptimalOptions o;
    o.max_depth = 2;
    o.leaf_penalty = seed == 2 ? 0.01 : 0.0;
    o.max_leaves = seed == 4 ? 3 : -1;
    const auto r = fit_optimal(data.set(), o);
    const Brute brute{data, all_splits(data), o.leaf_penalty * static_cast<double>(data.n), 1};
    std::vector<std::int64_t> rows(static_cast<std::size_t>(data.n));
    for (std::int64_t i = 0; i < data.n; ++i) {
      rows[static_cast<std::size_t>(i)] = i;
    }
    const int leaves = o.max_leaves > 0 ? o.max_leaves : 4;
    const double expected = brute.best(rows, 2, leaves);
    ASSERT_NEAR(r.objective, expected, 1e-9) << "seed " << seed;
    expect_consistent(r, data, o);
    // The canonical root: the first split (candidate order) reaching the optimum.
    const double leaf = brute.best(rows, 0, 1);
    std::int64_t root_feature = -1;
    double root_threshold = 0.0;
    if (leaf > expected + 1e-9) {
      for (const auto& s : brute.splits) {
        std::vector<std::int64_t> left;
        std::vector<std::int64_t> right;
        for (const auto row : rows) {
          (goes_left(data, s, row) ? left : right).push_back(row);
        }
        if (left.empty() || right.empty()) {
          continue;
        }
        double v = std::numeric_limits<double>::infinity();
        for (int bl = std::max(1, leaves - 2); bl <= std::min(2, leaves - 1); ++bl) {
          v = std::min(v, brute.best(left, 1, bl) + brute.best(right, 1, leaves - bl));
        }
        if (v <= expected + 1e-9) {
          root_feature = s.feature;
          root_threshold = s.threshold;
          break;
        }
      }
    }
    ASSERT_GE(r.tree.node_count(), 1);
    EXPECT_EQ(r.tree.feature[0], root_feature) << "seed " << seed;
    if (root_feature >= 0) {
      EXPECT_EQ(r.tree.threshold[0], root_threshold) << "seed " << seed;
    }
  }
}

TEST(OptimalTree, KnownAnswerXor) {
  // y = x0 xor x1: no single split helps, depth 2 is exact.
  Data data;
  data.n = 8;
  data.d = 2;
  data.categorical = {0, 0};
  data.x = {0, 0, 1, 1, 0, 0, 1, 1, /**/ 0, 1, 0, 1, 0, 1, 0, 1};
  data.y = {0, 1, 1, 0, 0, 1, 1, 0};
  OptimalOptions o;
  o.max_depth = 1;
  EXPECT_EQ(fit_optimal(data.set(), o).misclassified, 4);
  o.max_depth = 2;
  const auto r = fit_optimal(data.set(), o);
  EXPECT_EQ(r.misclassified, 0);
  EXPECT_EQ(r.tree.leaf_count(), 4);
  EXPECT_EQ(r.candidates_per_feature, (std::vector<std::int32_t>{1, 1}));
  EXPECT_EQ(r.tree.threshold[0], 0.5);
  // A penalty above 1/6 per leaf makes the single leaf optimal (4 + 1.6 < 0 + 4 * 1.6).
  o.leaf_penalty = 0.2;
  const auto p = fit_optimal(data.set(), o);
  EXPECT_EQ(p.tree.node_count(), 1);
  EXPECT_NEAR(p.objective, 4.0 + 0.2 * 8, 1e-12);
}

TEST(OptimalTree, CategoricalColumnsSplitOneLevelAgainstTheRest) {
  // Class 1 exactly when the level is 2: one x == 2 split is exact.
  Data data;
  data.n = 9;
  data.d = 1;
  data.categorical = {4};
  data.x = {0, 1, 2, 3, 2, 0, 2, 1, kNan};
  data.y = {0, 0, 1, 0, 1, 0, 1, 0, 0};
  OptimalOptions o;
  o.max_depth = 1;
  const auto r = fit_optimal(data.set(), o);
  EXPECT_EQ(r.misclassified, 0);
  EXPECT_EQ(r.tree.kind[0], SplitKind::kCategory);
  EXPECT_EQ(r.tree.threshold[0], 2.0);
  EXPECT_EQ(r.candidates_per_feature, (std::vector<std::int32_t>{4}));
  data.x[0] = 7;  // not a level
  EXPECT_THROW(fit_optimal(data.set(), o), InvalidInput);
}

TEST(OptimalTree, MaxThresholdsCapsCandidates) {
  const Data data = random_data(3, 300, 3, 2, false, false, 50);
  OptimalOptions o;
  o.max_depth = 2;
  const auto all = fit_optimal(data.set(), o);
  EXPECT_GE(all.candidates_per_feature[0], 40);  // 50 values drawn 300 times: ~49 midpoints
  o.max_thresholds = 8;
  const auto capped = fit_optimal(data.set(), o);
  for (const auto c : capped.candidates_per_feature) {
    EXPECT_LE(c, 8);
    EXPECT_GE(c, 6);
  }
  EXPECT_GE(capped.objective, all.objective);
}

TEST(OptimalTree, SameTreeForAnyThreadCount) {
  for (std::uint32_t seed = 0; seed < 4; ++seed) {
    const Data data = random_data(100 + seed, 150, 4, 3, seed % 2 == 0, seed == 1, 6);
    OptimalOptions o;
    o.max_depth = 3;
    o.leaf_penalty = seed == 3 ? 0.01 : 0.0;
    o.threads = 1;
    const auto one = fit_optimal(data.set(), o);
    o.threads = 2;
    const auto two = fit_optimal(data.set(), o);
    EXPECT_EQ(to_json(one.tree), to_json(two.tree)) << "seed " << seed;
    EXPECT_EQ(one.objective, two.objective);
    EXPECT_TRUE(two.optimal);
  }
}

TEST(OptimalTree, BatchEqualsOneByOne) {
  std::vector<Data> datas;
  for (std::uint32_t s = 0; s < 5; ++s) {
    datas.push_back(random_data(200 + s, 60, 3, 2, s % 2 == 1, false, 5));
  }
  std::vector<TrainingSet> sets;
  for (const auto& d : datas) {
    sets.push_back(d.set());
  }
  OptimalOptions o;
  o.max_depth = 3;
  const auto one = fit_optimal_batch(sets, o, 1);
  const auto two = fit_optimal_batch(sets, o, 2);
  ASSERT_EQ(one.size(), sets.size());
  for (std::size_t i = 0; i < sets.size(); ++i) {
    EXPECT_EQ(to_json(one[i].tree), to_json(two[i].tree));
    EXPECT_EQ(to_json(one[i].tree), to_json(fit_optimal(sets[i], o).tree));
  }
  sets[2].y = {};
  EXPECT_THROW(fit_optimal_batch(sets, o, 2), InvalidInput);
}

TEST(OptimalTree, NotWorseThanCart) {
  for (std::uint32_t seed = 0; seed < 10; ++seed) {
    const Data data = random_data(300 + seed, 120, 4, 2, false, false, 8);
    CartOptions c;
    c.max_depth = 3;
    Tree cart;
    try {
      cart = fit_cart(data.set(), c);
    } catch (const NotImplemented&) {
      GTEST_SKIP() << "fit_cart is not implemented yet";
    }
    OptimalOptions o;
    o.max_depth = 3;
    const auto r = fit_optimal(data.set(), o);
    EXPECT_LE(r.misclassified, tree_errors(cart, data)) << "seed " << seed;
  }
}

TEST(OptimalTree, TimeLimitReturnsTreeAndBound) {
  // Continuous features, many thresholds, depth 4: far beyond 50 ms.
  std::mt19937 rng(5);
  std::normal_distribution<float> g(0.0F, 1.0F);
  Data data;
  data.n = 3000;
  data.d = 8;
  data.categorical.assign(8, 0);
  for (std::int64_t i = 0; i < data.n * data.d; ++i) {
    data.x.push_back(g(rng));
  }
  for (std::int64_t i = 0; i < data.n; ++i) {
    const float s =
        data.x[static_cast<std::size_t>(i)] * data.x[static_cast<std::size_t>(data.n + i)] +
        0.5F * g(rng);
    data.y.push_back(s > 0.0F ? 1 : 0);
  }
  OptimalOptions o;
  o.max_depth = 4;
  o.time_limit = 0.05;
  const auto r = fit_optimal(data.set(), o);
  EXPECT_FALSE(r.optimal);
  EXPECT_LE(r.lower_bound, r.objective);
  EXPECT_GE(r.lower_bound, 0.0);
  EXPECT_LT(r.seconds, 5.0);
  EXPECT_EQ(tree_errors(r.tree, data), r.misclassified);
}

TEST(OptimalTree, SingleClassIsOneLeaf) {
  Data data = random_data(1, 20, 2, 1, false, false, 4);
  const auto r = fit_optimal(data.set(), OptimalOptions{});
  EXPECT_EQ(r.tree.node_count(), 1);
  EXPECT_EQ(r.misclassified, 0);
  EXPECT_TRUE(r.optimal);
}

void expect_invalid(const TrainingSet& s, const OptimalOptions& o, const std::string& needle) {
  try {
    (void)fit_optimal(s, o);
    ADD_FAILURE() << "expected InvalidInput mentioning " << needle;
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(OptimalTree, RejectsBadInput) {
  const Data data = random_data(2, 10, 2, 2, false, false, 3);
  const OptimalOptions ok;
  auto s = data.set();
  s.x.n = 0;
  s.y = {};
  expect_invalid(s, ok, "zero rows");
  OptimalOptions o;
  o.max_depth = 0;
  expect_invalid(data.set(), o, "max_depth");
  o = ok;
  o.max_leaves = 0;
  expect_invalid(data.set(), o, "max_leaves");
  o = ok;
  o.leaf_penalty = -1.0;
  expect_invalid(data.set(), o, "leaf_penalty");
  o = ok;
  o.min_samples_leaf = 0;
  expect_invalid(data.set(), o, "min_samples_leaf");
  o = ok;
  o.time_limit = -1.0;
  expect_invalid(data.set(), o, "time_limit");
  o = ok;
  o.max_thresholds = -2;
  expect_invalid(data.set(), o, "max_thresholds");
  const std::vector<double> w(10, 1.0);
  s = data.set();
  s.sample_weight = w;
  expect_invalid(s, ok, "sample_weight");
  Data bad = data;
  bad.y[3] = 2;
  expect_invalid(bad.set(), ok, "out of range");
  bad.y[3] = -1;
  expect_invalid(bad.set(), ok, "out of range");
  s = data.set();
  s.y = s.y.subspan(1);
  expect_invalid(s, ok, "labels");
  s = data.set();
  s.k = 0;
  expect_invalid(s, ok, "classes");
}

}  // namespace
}  // namespace scmforge::tree
