// tests/cpp/tree/cart_test.cpp: CART builder: toy cases, invariances, a naive reference, batches,
// bad input.
#include "scmforge/tree/cart.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "scmforge/core/error.hpp"
#include "scmforge/core/random.hpp"

namespace scmforge::tree {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// A training set that owns its arrays; x is column-major.
struct Data {
  std::int64_t n = 0;
  std::int64_t d = 0;
  std::vector<float> x;
  std::vector<std::int32_t> y;
  std::int32_t k = 2;
  std::vector<double> target;
  std::vector<double> sample_weight;
  std::vector<double> class_weight;

  float& at(std::int64_t i, std::int64_t j) { return x[static_cast<std::size_t>(j * n + i)]; }
  [[nodiscard]] TrainingSet set() const {
    return TrainingSet{DataView{n, d, x.data(), {}}, y, k, target, sample_weight, class_weight};
  }
};

// n x d uniform features (NaN with probability nan_rate), labels in [0, k) or a continuous target.
Data random_data(std::uint64_t seed, std::int64_t n, std::int64_t d, std::int32_t k,
                 double nan_rate = 0.0) {
  Rng rng(seed, streams::kTest);
  Data data;
  data.n = n;
  data.d = d;
  data.k = k;
  data.x.resize(static_cast<std::size_t>(n * d));
  for (auto& v : data.x) {
    v = rng.uniform() < nan_rate ? kNaN : static_cast<float>(rng.uniform() * 10.0 - 5.0);
  }
  for (std::int64_t i = 0; i < n; ++i) {
    // Labels depend on the features a little, so trees have some structure.
    const double signal = std::isnan(data.x[static_cast<std::size_t>(i)])
                              ? 0.0
                              : static_cast<double>(data.x[static_cast<std::size_t>(i)]);
    const double t = signal + rng.uniform() * 6.0;
    data.y.push_back(static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(k))));
    data.target.push_back(t);
  }
  return data;
}

CartOptions options_with(Criterion criterion, std::int32_t max_depth = -1,
                         std::int64_t min_samples_leaf = 1) {
  CartOptions o;
  o.criterion = criterion;
  o.max_depth = max_depth;
  o.min_samples_leaf = min_samples_leaf;
  return o;
}

void expect_same_tree(const Tree& a, const Tree& b, double rtol = 1e-12) {
  ASSERT_EQ(a.node_count(), b.node_count());
  EXPECT_EQ(a.feature, b.feature);
  EXPECT_EQ(a.threshold, b.threshold);
  EXPECT_EQ(a.left, b.left);
  EXPECT_EQ(a.right, b.right);
  EXPECT_EQ(a.missing_left, b.missing_left);
  EXPECT_EQ(a.n_node_samples, b.n_node_samples);
  ASSERT_EQ(a.value.size(), b.value.size());
  for (std::size_t i = 0; i < a.value.size(); ++i) {
    EXPECT_NEAR(a.value[i], b.value[i], rtol * (1.0 + std::abs(b.value[i]))) << "value " << i;
  }
  for (std::size_t i = 0; i < a.impurity.size(); ++i) {
    EXPECT_NEAR(a.impurity[i], b.impurity[i], rtol * (1.0 + std::abs(b.impurity[i])))
        << "impurity " << i;
    EXPECT_NEAR(a.weighted_n_node_samples[i], b.weighted_n_node_samples[i],
                rtol * (1.0 + b.weighted_n_node_samples[i]));
  }
}

// ---------------------------------------------------------------------------------------------
// Known answers.

TEST(CartToy, ScikitLearnToyClassification) {
  // scikit-learn's tests/test_tree.py toy set; both features separate the classes perfectly, we
  // take the first (scikit-learn draws one at random).
  Data data;
  data.n = 6;
  data.d = 2;
  data.x = {-2, -1, -1, 1, 1, 2, -1, -1, -2, 1, 2, 1};
  data.y = {0, 0, 0, 1, 1, 1};
  const Tree t = fit_cart(data.set(), CartOptions{});
  ASSERT_EQ(t.node_count(), 3);
  EXPECT_EQ(t.feature, (std::vector<std::int32_t>{0, -1, -1}));
  EXPECT_EQ(t.threshold[0], 0.0);
  EXPECT_EQ(t.left[0], 1);
  EXPECT_EQ(t.right[0], 2);
  EXPECT_EQ(t.value, (std::vector<double>{3, 3, 3, 0, 0, 3}));
  EXPECT_EQ(t.impurity, (std::vector<double>{0.5, 0.0, 0.0}));
  EXPECT_EQ(t.n_node_samples, (std::vector<std::int64_t>{6, 3, 3}));
  EXPECT_EQ(t.missing_left[0], 0);  // 3 vs 3: NaN goes right on a tie, as in scikit-learn
}

TEST(CartToy, RegressionMeansAndVariances) {
  Data data;
  data.n = 5;
  data.d = 1;
  data.x = {1, 2, 3, 4, 5};
  data.target = {1, 1, 3, 3, 3};
  const Tree t = fit_cart(data.set(), options_with(Criterion::kSquaredError));
  ASSERT_EQ(t.node_count(), 3);
  EXPECT_EQ(t.threshold[0], 2.5);
  EXPECT_DOUBLE_EQ(t.value[0], 2.2);
  EXPECT_EQ(t.value[1], 1.0);
  EXPECT_EQ(t.value[2], 3.0);
  EXPECT_NEAR(t.impurity[0], 0.96, 1e-12);  // variance of {1,1,3,3,3}
  EXPECT_EQ(t.missing_left[0], 0);          // 2 left < 3 right
}

TEST(CartToy, EntropyAndDepthLimit) {
  Data data;
  data.n = 8;
  data.d = 1;
  data.x = {1, 2, 3, 4, 5, 6, 7, 8};
  data.y = {0, 0, 1, 1, 0, 0, 1, 1};
  const Tree t = fit_cart(data.set(), options_with(Criterion::kEntropy, 1));
  EXPECT_EQ(t.depth(), 1);
  EXPECT_NEAR(t.impurity[0], 1.0, 1e-15);
  // Candidates 2.5 (2|6) and 6.5 (6|2) tie with 4.5 worse; the first (lowest) threshold wins.
  EXPECT_EQ(t.threshold[0], 2.5);
  EXPECT_EQ(t.missing_left[0], 0);
}

TEST(CartToy, CloseValuesAreNotSeparated) {
  // Values within FEATURE_THRESHOLD (1e-7, float32 arithmetic) count as one value.
  Data data;
  data.n = 4;
  data.d = 1;
  data.x = {0.0F, 5e-8F, 0.0F, 5e-8F};
  data.y = {0, 1, 0, 1};
  const Tree t = fit_cart(data.set(), CartOptions{});
  EXPECT_EQ(t.node_count(), 1);
  data.x = {0.0F, 2e-7F, 0.0F, 2e-7F};
  const Tree u = fit_cart(data.set(), CartOptions{});
  ASSERT_EQ(u.node_count(), 3);
  EXPECT_EQ(u.threshold[0], static_cast<double>(2e-7F) / 2.0);
}

TEST(CartToy, MissingValuesGoToTheBetterSide) {
  // NaN rows are class 1 like the large values: the best split sends NaN right with them.
  Data data;
  data.n = 6;
  data.d = 1;
  data.x = {1, 2, 3, 4, kNaN, kNaN};
  data.y = {0, 0, 1, 1, 1, 1};
  Tree t = fit_cart(data.set(), CartOptions{});
  ASSERT_EQ(t.node_count(), 3);
  EXPECT_EQ(t.threshold[0], 2.5);
  EXPECT_EQ(t.missing_left[0], 0);
  EXPECT_EQ(t.n_node_samples[1], 2);
  // NaN rows like the small values: NaN goes left.
  data.y = {0, 0, 1, 1, 0, 0};
  t = fit_cart(data.set(), CartOptions{});
  ASSERT_EQ(t.node_count(), 3);
  EXPECT_EQ(t.threshold[0], 2.5);
  EXPECT_EQ(t.missing_left[0], 1);
  EXPECT_EQ(t.n_node_samples[1], 4);
  // NaN rows alone are a class: the split "all values left, NaN right" (threshold +inf).
  data.y = {0, 0, 0, 0, 1, 1};
  t = fit_cart(data.set(), CartOptions{});
  ASSERT_EQ(t.node_count(), 3);
  EXPECT_TRUE(std::isinf(t.threshold[0]));
  EXPECT_EQ(t.missing_left[0], 0);
  EXPECT_EQ(t.n_node_samples[2], 2);
  std::vector<std::int32_t> pred(6);
  t.predict_class(DataView{6, 1, data.x.data(), {}}, pred);
  EXPECT_EQ(pred, data.y);
}

TEST(CartToy, NoNaNAtFitSendsNaNToTheLargerChild) {
  Data data;
  data.n = 5;
  data.d = 1;
  data.x = {1, 2, 3, 4, 5};
  data.y = {0, 1, 1, 1, 1};
  const Tree t = fit_cart(data.set(), CartOptions{});
  ASSERT_EQ(t.node_count(), 3);
  EXPECT_EQ(t.missing_left[0], 0);  // 1 left, 4 right
  data.y = {0, 0, 0, 0, 1};
  const Tree u = fit_cart(data.set(), CartOptions{});
  EXPECT_EQ(u.missing_left[0], 1);  // 4 left, 1 right
}

TEST(CartToy, StoppingRules) {
  Data data = random_data(1, 60, 3, 2);
  CartOptions o;
  o.min_samples_leaf = 7;
  Tree t = fit_cart(data.set(), o);
  for (std::int32_t i = 0; i < t.node_count(); ++i) {
    EXPECT_GE(t.n_node_samples[static_cast<std::size_t>(i)], 7);
  }
  o = CartOptions{};
  o.min_samples_split = 20;
  t = fit_cart(data.set(), o);
  for (std::int32_t i = 0; i < t.node_count(); ++i) {
    if (!t.is_leaf(i)) {
      EXPECT_GE(t.n_node_samples[static_cast<std::size_t>(i)], 20);
    }
  }
  o = CartOptions{};
  o.min_impurity_decrease = 1.0;  // no split improves gini by a whole unit
  EXPECT_EQ(fit_cart(data.set(), o).node_count(), 1);
  o = CartOptions{};
  o.min_weight_fraction_leaf = 0.2;
  t = fit_cart(data.set(), o);
  for (std::int32_t i = 0; i < t.node_count(); ++i) {
    EXPECT_GE(t.weighted_n_node_samples[static_cast<std::size_t>(i)], 0.2 * 60);
  }
  // Unlimited depth fits the training set exactly (all x distinct).
  t = fit_cart(data.set(), CartOptions{});
  std::vector<std::int32_t> pred(60);
  t.predict_class(DataView{60, 3, data.x.data(), {}}, pred);
  EXPECT_EQ(pred, data.y);
}

// ---------------------------------------------------------------------------------------------
// Invariances.

TEST(CartInvariance, UnitWeightsEqualNoWeights) {
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    Data data = random_data(seed, 80, 4, 3, seed % 2 == 0 ? 0.1 : 0.0);
    const Tree plain = fit_cart(data.set(), CartOptions{});
    data.sample_weight.assign(80, 1.0);
    expect_same_tree(fit_cart(data.set(), CartOptions{}), plain);
    data.sample_weight.clear();
    data.class_weight.assign(3, 1.0);
    expect_same_tree(fit_cart(data.set(), CartOptions{}), plain);
  }
}

TEST(CartInvariance, IntegerWeightsEqualDuplicatedRows) {
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    const Criterion criterion = seed % 3 == 0   ? Criterion::kGini
                                : seed % 3 == 1 ? Criterion::kEntropy
                                                : Criterion::kSquaredError;
    Data data = random_data(seed, 120, 3, 2);
    Rng rng(seed, 99);
    Data dup;
    dup.d = data.d;
    dup.k = data.k;
    std::vector<std::int64_t> rows;
    for (std::int64_t i = 0; i < data.n; ++i) {
      const auto w = static_cast<std::int64_t>(rng.below(4));  // 0..3, zero drops the row
      data.sample_weight.push_back(static_cast<double>(w));
      for (std::int64_t r = 0; r < w; ++r) rows.push_back(i);
    }
    dup.n = static_cast<std::int64_t>(rows.size());
    dup.x.resize(static_cast<std::size_t>(dup.n * dup.d));
    for (std::int64_t r = 0; r < dup.n; ++r) {
      for (std::int64_t j = 0; j < dup.d; ++j)
        dup.at(r, j) = data.at(rows[static_cast<std::size_t>(r)], j);
      dup.y.push_back(data.y[static_cast<std::size_t>(rows[static_cast<std::size_t>(r)])]);
      dup.target.push_back(
          data.target[static_cast<std::size_t>(rows[static_cast<std::size_t>(r)])]);
    }
    const CartOptions o = options_with(criterion, 3);
    const Tree weighted = fit_cart(data.set(), o);
    const Tree duplicated = fit_cart(dup.set(), o);
    // Same structure and values; n_node_samples counts distinct rows vs copies, so compare the
    // weighted counts instead.
    ASSERT_EQ(weighted.node_count(), duplicated.node_count()) << "seed " << seed;
    EXPECT_EQ(weighted.feature, duplicated.feature);
    EXPECT_EQ(weighted.threshold, duplicated.threshold);
    for (std::size_t i = 0; i < weighted.value.size(); ++i) {
      EXPECT_NEAR(weighted.value[i], duplicated.value[i], 1e-9);
    }
    for (std::size_t i = 0; i < weighted.impurity.size(); ++i) {
      EXPECT_NEAR(weighted.impurity[i], duplicated.impurity[i], 1e-9);
      EXPECT_EQ(weighted.weighted_n_node_samples[i],
                static_cast<double>(duplicated.n_node_samples[i]));
    }
  }
}

TEST(CartInvariance, PermutingFeaturesPermutesTheTree) {
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    // Regression on continuous values: no two candidate splits tie.
    const Data data = random_data(seed, 70, 5, 2, seed % 2 == 0 ? 0.1 : 0.0);
    const std::vector<std::int64_t> perm{3, 0, 4, 1, 2};  // new column j = old column perm[j]
    Data permuted = data;
    for (std::int64_t j = 0; j < 5; ++j) {
      for (std::int64_t i = 0; i < data.n; ++i) {
        permuted.at(i, j) =
            data.x[static_cast<std::size_t>(perm[static_cast<std::size_t>(j)] * data.n + i)];
      }
    }
    // Nodes of >= 5 rows at depth <= 4: no two features induce the same partition here.
    const CartOptions o = options_with(Criterion::kSquaredError, 4, 5);
    const Tree a = fit_cart(data.set(), o);
    Tree b = fit_cart(permuted.set(), o);
    for (auto& f : b.feature) {
      if (f >= 0) f = static_cast<std::int32_t>(perm[static_cast<std::size_t>(f)]);
    }
    expect_same_tree(b, a);
  }
}

TEST(CartInvariance, ClassWeightEqualsSampleWeights) {
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    Data data = random_data(seed, 90, 3, 3);
    const std::vector<double> cw{0.5, 2.0, 1.25};
    data.class_weight = cw;
    const Tree a = fit_cart(data.set(), options_with(Criterion::kEntropy, 5));
    data.class_weight.clear();
    for (const auto c : data.y) data.sample_weight.push_back(cw[static_cast<std::size_t>(c)]);
    const Tree b = fit_cart(data.set(), options_with(Criterion::kEntropy, 5));
    expect_same_tree(a, b);
  }
}

// ---------------------------------------------------------------------------------------------
// A naive reference: exhaustive search over every feature and midpoint, impurities computed
// from scratch for every candidate, recursion in scikit-learn's node order.

struct Reference {
  const Data& data;
  CartOptions options;
  const Tree& guide;      // our tree: breaks exact ties the way we did
  std::vector<double> w;  // row weights
  double total_weight = 0.0;
  Tree tree;

  [[nodiscard]] bool regression() const { return options.criterion == Criterion::kSquaredError; }

  // Impurity and weight of a set of rows; also the node value.
  double impurity(const std::vector<std::int64_t>& rows, double* weight,
                  std::vector<double>* value) const {
    double wsum = 0.0;
    if (regression()) {
      double s = 0.0;
      for (const auto i : rows) {
        wsum += w[static_cast<std::size_t>(i)];
        s += w[static_cast<std::size_t>(i)] * data.target[static_cast<std::size_t>(i)];
      }
      const double mean = s / wsum;
      double var = 0.0;
      for (const auto i : rows) {
        const double e = data.target[static_cast<std::size_t>(i)] - mean;
        var += w[static_cast<std::size_t>(i)] * e * e;
      }
      if (value != nullptr) *value = {mean};
      *weight = wsum;
      return var / wsum;
    }
    std::vector<double> counts(static_cast<std::size_t>(data.k), 0.0);
    for (const auto i : rows) {
      counts[static_cast<std::size_t>(data.y[static_cast<std::size_t>(i)])] +=
          w[static_cast<std::size_t>(i)];
      wsum += w[static_cast<std::size_t>(i)];
    }
    double imp = options.criterion == Criterion::kGini ? 1.0 : 0.0;
    for (const double c : counts) {
      const double p = c / wsum;
      if (options.criterion == Criterion::kGini) {
        imp -= p * p;
      } else if (p > 0) {
        imp -= p * std::log2(p);
      }
    }
    if (value != nullptr) *value = counts;
    *weight = wsum;
    return imp;
  }

  std::int32_t build(const std::vector<std::int64_t>& rows, std::int32_t depth) {
    double wn = 0.0;
    std::vector<double> value;
    const double imp = impurity(rows, &wn, &value);
    const auto n = static_cast<std::int64_t>(rows.size());
    const std::int64_t max_depth = options.max_depth < 0 ? 1 << 30 : options.max_depth;
    const std::int64_t msl = options.min_samples_leaf;
    const std::int32_t id = tree.add_node(value, imp, n, wn);
    if (depth >= max_depth || n < options.min_samples_split || n < 2 * msl || imp <= 1e-15) {
      return id;
    }
    // Candidates in scikit-learn's order: per feature, thresholds with NaN right, the NaN-only
    // split, then thresholds with NaN left; the first strictly best candidate wins.
    double best = std::numeric_limits<double>::infinity();
    std::int32_t best_f = -1;
    double best_t = 0.0;
    bool best_nan_left = false;
    bool best_missing_left = false;
    std::vector<std::int64_t> best_left;
    std::vector<std::int64_t> best_right;
    for (std::int32_t f = 0; f < data.d; ++f) {
      std::vector<float> values;
      bool any_nan = false;
      for (const auto i : rows) {
        const float v = data.x[static_cast<std::size_t>(f * data.n + i)];
        if (std::isnan(v)) {
          any_nan = true;
        } else {
          values.push_back(v);
        }
      }
      std::sort(values.begin(), values.end());
      values.erase(std::unique(values.begin(), values.end()), values.end());
      struct Candidate {
        double t;
        bool nan_left;
      };
      std::vector<Candidate> candidates;
      for (std::size_t q = 0; q + 1 < values.size(); ++q) {
        candidates.push_back(
            {static_cast<double>(values[q]) / 2.0 + static_cast<double>(values[q + 1]) / 2.0,
             false});
      }
      if (any_nan && !values.empty())
        candidates.push_back({std::numeric_limits<double>::infinity(), false});
      if (any_nan) {
        for (std::size_t q = 0; q + 1 < values.size(); ++q) {
          candidates.push_back(
              {static_cast<double>(values[q]) / 2.0 + static_cast<double>(values[q + 1]) / 2.0,
               true});
        }
      }
      for (const auto& c : candidates) {
        std::vector<std::int64_t> left;
        std::vector<std::int64_t> right;
        for (const auto i : rows) {
          const float v = data.x[static_cast<std::size_t>(f * data.n + i)];
          const bool go_left = std::isnan(v) ? c.nan_left : static_cast<double>(v) <= c.t;
          (go_left ? left : right).push_back(i);
        }
        const auto nl = static_cast<std::int64_t>(left.size());
        const auto nr = static_cast<std::int64_t>(right.size());
        if (nl < msl || nr < msl) continue;
        double wl = 0.0;
        double wr = 0.0;
        const double il = impurity(left, &wl, nullptr);
        const double ir = impurity(right, &wr, nullptr);
        const double score = wl * il + wr * ir;
        // Near-ties (equal up to rounding) follow the guide tree's choice when it is one of them.
        const bool tie = best_f >= 0 && std::abs(score - best) <= 1e-9 * (1.0 + std::abs(best));
        const bool guided = tie && id < guide.node_count() &&
                            guide.feature[static_cast<std::size_t>(id)] == f &&
                            guide.threshold[static_cast<std::size_t>(id)] == c.t &&
                            (guide.missing_left[static_cast<std::size_t>(id)] != 0) ==
                                (any_nan ? c.nan_left : nl > nr);
        if (best_f < 0 || (!tie && score < best) || guided) {
          best = score;
          best_f = f;
          best_t = c.t;
          best_nan_left = c.nan_left;
          best_missing_left = any_nan ? c.nan_left : nl > nr;
          best_left = left;
          best_right = right;
        }
      }
    }
    if (best_f < 0) return id;
    double wl = 0.0;
    double wr = 0.0;
    const double il = impurity(best_left, &wl, nullptr);
    const double ir = impurity(best_right, &wr, nullptr);
    const double improvement = wn / total_weight * (imp - wr / wn * ir - wl / wn * il);
    if (improvement + std::numeric_limits<double>::epsilon() < options.min_impurity_decrease) {
      return id;
    }
    (void)best_nan_left;
    const std::int32_t l = build(best_left, depth + 1);
    const std::int32_t r = build(best_right, depth + 1);
    tree.set_split(id, best_f, best_t, SplitKind::kThreshold, best_missing_left, l, r);
    return id;
  }

  Tree fit() {
    tree = Tree{};
    tree.n_outputs = regression() ? 1 : data.k;
    tree.n_features = static_cast<std::int32_t>(data.d);
    std::vector<std::int64_t> rows;
    for (std::int64_t i = 0; i < data.n; ++i) {
      const double wi =
          data.sample_weight.empty() ? 1.0 : data.sample_weight[static_cast<std::size_t>(i)];
      w.push_back(wi);
      total_weight += wi;
      if (wi > 0) rows.push_back(i);
    }
    build(rows, 0);
    return tree;
  }
};

TEST(CartReference, MatchesNaiveCartOnRandomData) {
  int compared = 0;
  for (std::uint64_t seed = 0; seed < 120; ++seed) {
    Rng rng(seed, 7);
    const auto n = static_cast<std::int64_t>(8 + rng.below(50));
    const auto d = static_cast<std::int64_t>(1 + rng.below(5));
    const Criterion criterion = static_cast<Criterion>(seed % 3);
    const double nan_rate = seed % 4 == 0 ? 0.15 : 0.0;
    Data data = random_data(seed, n, d, static_cast<std::int32_t>(2 + rng.below(3)), nan_rate);
    if (seed % 5 == 1) {
      for (std::int64_t i = 0; i < n; ++i) data.sample_weight.push_back(0.5 + rng.uniform());
    }
    CartOptions o =
        options_with(criterion, seed % 2 == 0 ? -1 : static_cast<std::int32_t>(1 + rng.below(4)),
                     static_cast<std::int64_t>(1 + rng.below(3)));
    if (seed % 7 == 3) o.min_impurity_decrease = 0.01;
    if (seed % 6 == 5) o.min_samples_split = 10;
    const Tree ours = fit_cart(data.set(), o);
    const Tree ref = Reference{data, o, ours, {}, 0.0, {}}.fit();
    SCOPED_TRACE("seed " + std::to_string(seed));
    expect_same_tree(ours, ref, 1e-9);
    for (std::int32_t i = 0; i < std::min(ours.node_count(), ref.node_count()); ++i) {
      const auto u = static_cast<std::size_t>(i);
      if (ours.threshold[u] != ref.threshold[u] || ours.missing_left[u] != ref.missing_left[u]) {
        ADD_FAILURE() << "first difference at node " << i << ": ours x" << ours.feature[u]
                      << " <= " << ours.threshold[u] << ", reference x" << ref.feature[u]
                      << " <= " << ref.threshold[u];
        break;
      }
    }
    ++compared;
  }
  EXPECT_EQ(compared, 120);
}

// ---------------------------------------------------------------------------------------------
// Batches.

TEST(CartBatch, EqualsOneByOneAtAnyThreadCount) {
  std::vector<Data> datas;
  for (std::uint64_t s = 0; s < 64; ++s)
    datas.push_back(random_data(s, 256, 10, 3, s % 8 == 0 ? 0.05 : 0.0));
  std::vector<TrainingSet> sets;
  for (const auto& dd : datas) sets.push_back(dd.set());
  const CartOptions o = options_with(Criterion::kGini, 2);
  const auto one = fit_cart_batch(sets, o, 1);
  const auto two = fit_cart_batch(sets, o, 2);
  ASSERT_EQ(one.size(), sets.size());
  for (std::size_t i = 0; i < sets.size(); ++i) {
    const Tree single = fit_cart(sets[i], o);
    expect_same_tree(one[i], single, 0.0);
    expect_same_tree(two[i], single, 0.0);
    EXPECT_EQ(one[i].impurity, single.impurity);
    EXPECT_EQ(two[i].value, single.value);
  }
}

TEST(CartBatch, ErrorNamesTheFailingSet) {
  std::vector<Data> datas{random_data(0, 20, 2, 2), random_data(1, 20, 2, 2)};
  datas[1].y[3] = 7;
  std::vector<TrainingSet> sets{datas[0].set(), datas[1].set()};
  try {
    (void)fit_cart_batch(sets, CartOptions{}, 2);
    FAIL() << "expected InvalidInput";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("training set 1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("y[3] = 7"), std::string::npos) << e.what();
  }
}

TEST(CartMaxFeatures, DeterministicAndValid) {
  const Data data = random_data(3, 200, 8, 3);
  CartOptions o;
  o.max_features = 3;
  o.random_state = 42;
  const Tree a = fit_cart(data.set(), o);
  const Tree b = fit_cart(data.set(), o);
  expect_same_tree(a, b, 0.0);
  EXPECT_NO_THROW(a.validate());
  o.random_state = 43;
  const Tree c = fit_cart(data.set(), o);
  EXPECT_NO_THROW(c.validate());
  // Still fits the training set (all x distinct, unlimited depth).
  std::vector<std::int32_t> pred(200);
  a.predict_class(DataView{200, 8, data.x.data(), {}}, pred);
  EXPECT_EQ(pred, data.y);
}

TEST(CartMaxFeatures, BatchTreeIEqualsStreamI) {
  std::vector<Data> datas;
  for (std::uint64_t s = 0; s < 8; ++s) datas.push_back(random_data(s, 100, 6, 2));
  std::vector<TrainingSet> sets;
  for (const auto& dd : datas) sets.push_back(dd.set());
  CartOptions o;
  o.max_features = 2;
  o.random_state = 5;
  const auto one = fit_cart_batch(sets, o, 1);
  const auto two = fit_cart_batch(sets, o, 2);
  for (std::size_t i = 0; i < sets.size(); ++i) {
    CartOptions oi = o;
    oi.stream = i;
    const Tree single = fit_cart(sets[i], oi);
    expect_same_tree(one[i], single, 0.0);
    expect_same_tree(two[i], single, 0.0);
  }
}

// ---------------------------------------------------------------------------------------------
// Bad input.

void expect_invalid(const Data& data, const CartOptions& o, const std::string& needle) {
  try {
    (void)fit_cart(data.set(), o);
    ADD_FAILURE() << "expected InvalidInput mentioning '" << needle << "'";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(CartBadInput, RejectsWithAMessageNamingTheProblem) {
  const Data good = random_data(0, 10, 2, 2);
  Data d = good;
  d.n = 0;
  d.x.clear();
  d.y.clear();
  expect_invalid(d, CartOptions{}, "zero rows");
  d = good;
  d.y[2] = 2;
  expect_invalid(d, CartOptions{}, "y[2] = 2");
  d.y[2] = -1;
  expect_invalid(d, CartOptions{}, "y[2] = -1");
  d = good;
  d.k = 0;
  expect_invalid(d, CartOptions{}, "k (number of classes)");
  d = good;
  d.y.pop_back();
  expect_invalid(d, CartOptions{}, "y has 9 labels");
  d = good;
  d.target[4] = std::numeric_limits<double>::quiet_NaN();
  expect_invalid(d, options_with(Criterion::kSquaredError), "target[4]");
  d = good;
  d.target.resize(3);
  expect_invalid(d, options_with(Criterion::kSquaredError), "target has 3 values");
  d = good;
  d.sample_weight.assign(10, 1.0);
  d.sample_weight[1] = -1.0;
  expect_invalid(d, CartOptions{}, "sample_weight[1]");
  d.sample_weight.assign(10, 0.0);
  expect_invalid(d, CartOptions{}, "weights sum to 0");
  d.sample_weight.assign(4, 1.0);
  expect_invalid(d, CartOptions{}, "sample_weight has 4 values");
  d = good;
  d.class_weight = {1.0};
  expect_invalid(d, CartOptions{}, "class_weight has 1 values");
  d.class_weight = {1.0, 0.0};
  expect_invalid(d, CartOptions{}, "class_weight[1]");
  d = good;
  d.x[3] = std::numeric_limits<float>::infinity();
  expect_invalid(d, CartOptions{}, "infinite");
  CartOptions o;
  o.max_depth = 0;
  expect_invalid(good, o, "max_depth");
  o = CartOptions{};
  o.min_samples_leaf = 0;
  expect_invalid(good, o, "min_samples_leaf");
  o = CartOptions{};
  o.min_samples_split = 1;
  expect_invalid(good, o, "min_samples_split");
  o = CartOptions{};
  o.max_features = 3;
  expect_invalid(good, o, "max_features");
  o = CartOptions{};
  o.min_weight_fraction_leaf = 0.6;
  expect_invalid(good, o, "min_weight_fraction_leaf");
  o = CartOptions{};
  o.min_impurity_decrease = -1.0;
  expect_invalid(good, o, "min_impurity_decrease");
}

}  // namespace
}  // namespace scmforge::tree
