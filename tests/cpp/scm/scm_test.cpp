// tests/cpp/scm/scm_test.cpp: fitted SCMs recover known mechanisms and interventional
// distributions.
#include "scmforge/scm/scm.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "scm/fixtures.hpp"
#include "scmforge/core/error.hpp"

namespace scmforge::scm {
namespace {

using testing::chain_table;
using testing::fixture_rng;
using testing::moments;
using testing::Moments;
using testing::share;
using testing::TableBuilder;

FitOptions linear_options() {
  FitOptions o;
  o.mechanisms = MechanismChoice::kLinear;
  o.threads = 2;
  return o;
}

TEST(ScmFit, LinearChainRecoversCoefficientsAndNoise) {
  const Table<double> data = chain_table(2000);
  const std::vector<Edge> edges = {{"x", "y"}, {"y", "z"}};
  const Scm scm = Scm::fit(data, edges, linear_options());
  EXPECT_EQ(scm.order(), (std::vector<std::int32_t>{0, 1, 2}));
  EXPECT_EQ(scm.mechanism(0).kind, MechanismKind::kEmpirical);
  ASSERT_EQ(scm.mechanism(1).kind, MechanismKind::kLinear);
  EXPECT_NEAR(scm.mechanism(1).linear.weights[0], 2.0, 0.05);   // observed 2.024
  EXPECT_NEAR(scm.mechanism(2).linear.weights[0], -1.5, 0.02);  // observed -1.492709
  // Residual spread = the noise's: sd 1 and 0.5.
  const auto sd = [](const std::vector<double>& r) {
    double s = 0;
    for (double v : r) s += v * v;
    return std::sqrt(s / static_cast<double>(r.size()));
  };
  EXPECT_NEAR(sd(scm.mechanism(1).values), 1.0, 0.05);  // observed 1.021
  EXPECT_NEAR(sd(scm.mechanism(2).values), 0.5, 0.03);  // observed 0.489
}

TEST(ScmSample, ChainMatchesObservationalAndInterventionalMoments) {
  const Scm scm =
      Scm::fit(chain_table(3000), std::vector<Edge>{{"x", "y"}, {"y", "z"}}, linear_options());
  const Table<double> obs = scm.sample(20000, 11, 2);
  // Observational: var y = 5, var z = 2.25 * 5 + 0.25 = 11.5.
  EXPECT_NEAR(moments(obs, 1).var, 5.0, 0.3);   // observed 4.86
  EXPECT_NEAR(moments(obs, 2).var, 11.5, 0.7);  // observed 11.21
  // do(x = 1): y ~ N(2, 1), z ~ N(-3, 2.5); do(y = 1): z ~ N(-1.5, 0.25), x unchanged.
  const std::vector<Intervention> do_x = {{"x", 1.0, ""}};
  const Table<double> dx = scm.intervene(do_x).sample(20000, 12, 2);
  EXPECT_NEAR(moments(dx, 0).mean, 1.0, 1e-12);  // constant column
  EXPECT_NEAR(moments(dx, 1).mean, 2.0, 0.05);   // observed 2.020
  EXPECT_NEAR(moments(dx, 1).var, 1.0, 0.08);    // observed 0.9477
  EXPECT_NEAR(moments(dx, 2).mean, -3.0, 0.06);  // observed -3.028
  EXPECT_NEAR(moments(dx, 2).var, 2.5, 0.15);    // observed 2.503
  const std::vector<Intervention> do_y = {{"y", 1.0, ""}};
  const Table<double> dy = scm.intervene(do_y).sample(20000, 13, 2);
  EXPECT_NEAR(moments(dy, 0).mean, 0.0, 0.03);   // observed -0.0004
  EXPECT_NEAR(moments(dy, 0).var, 1.0, 0.08);    // observed 0.947
  EXPECT_NEAR(moments(dy, 2).mean, -1.5, 0.02);  // observed -1.4927
  EXPECT_NEAR(moments(dy, 2).var, 0.25, 0.02);   // observed 0.2395
}

TEST(ScmSample, ForkAndColliderInterventions) {
  // Fork x <- c -> y: do(x) leaves y alone. Collider x -> w <- y: do(x = 2) moves w by 2.
  const std::int64_t n = 3000;
  Rng rng = fixture_rng(2);
  std::vector<double> c(n), x(n), y(n), w(n);
  for (std::int64_t i = 0; i < n; ++i) {
    c[i] = dist::normal(rng);
    x[i] = c[i] + dist::normal(rng);
    y[i] = -c[i] + dist::normal(rng);
    w[i] = x[i] + y[i] + 0.5 * dist::normal(rng);
  }
  const Table<double> data =
      TableBuilder(n).numeric("c", c).numeric("x", x).numeric("y", y).numeric("w", w).t;
  const std::vector<Edge> edges = {{"c", "x"}, {"c", "y"}, {"x", "w"}, {"y", "w"}};
  const Scm scm = Scm::fit(data, edges, linear_options());
  const std::vector<Intervention> iv = {{"x", 2.0, ""}};
  const Table<double> s = scm.intervene(iv).sample(20000, 5, 2);
  EXPECT_NEAR(moments(s, 2).mean, 0.0, 0.04);  // y unaffected; observed 0.015
  EXPECT_NEAR(moments(s, 2).var, 2.0, 0.12);   // observed 1.996
  // w = 2 + y + e: mean 2, var 2 + 0.25.
  EXPECT_NEAR(moments(s, 3).mean, 2.0, 0.05);  // observed 1.993
  EXPECT_NEAR(moments(s, 3).var, 2.25, 0.15);  // observed 2.211
  // Observationally x and y are negatively correlated through c (cov = -1).
  const Table<double> o = scm.sample(20000, 6, 2);
  double cov = 0;
  const Moments mx = moments(o, 1), my = moments(o, 2);
  for (std::int64_t i = 0; i < o.n; ++i) {
    cov += (o.at(i, 1) - mx.mean) * (o.at(i, 2) - my.mean) / static_cast<double>(o.n - 1);
  }
  EXPECT_NEAR(cov, -1.0, 0.08);  // observed -1.0035
}

TEST(ScmFit, AutoPicksTreesForANonlinearMechanismAndRecoversIt) {
  // y = sin(2x) + 0.5 x^2 + N(0, 0.2^2), x ~ U(-2, 2); z = 3 + 2y + N(0, 0.1^2) (linear).
  const std::int64_t n = 2000;
  Rng rng = fixture_rng(3);
  std::vector<double> x(n), y(n), z(n);
  const auto f = [](double v) { return std::sin(2 * v) + 0.5 * v * v; };
  for (std::int64_t i = 0; i < n; ++i) {
    x[i] = dist::uniform(rng, -2, 2);
    y[i] = f(x[i]) + 0.2 * dist::normal(rng);
    z[i] = 3 + 2 * y[i] + 0.1 * dist::normal(rng);
  }
  FitOptions o;
  o.threads = 2;
  const Scm scm = Scm::fit(TableBuilder(n).numeric("x", x).numeric("y", y).numeric("z", z).t,
                           std::vector<Edge>{{"x", "y"}, {"y", "z"}}, o);
  const Mechanism& my = scm.mechanism(1);
  EXPECT_EQ(my.kind, MechanismKind::kBoosted);
  EXPECT_LT(my.cv_boosted, 0.06);               // observed 0.0429 (noise variance 0.04)
  EXPECT_GT(my.cv_linear, 10 * my.cv_boosted);  // observed 0.769 vs 0.0429
  EXPECT_EQ(scm.mechanism(2).kind, MechanismKind::kLinear);  // linear wins for z
  double mse = 0;
  for (int g = 0; g < 100; ++g) {
    const double v = -1.8 + 3.6 * g / 99;
    double out = 0;
    my.boosted.predict_row(&v, &out);
    mse += (out - f(v)) * (out - f(v)) / 100;
  }
  EXPECT_LT(mse, 0.01);  // observed 0.0023
  // do(x = 1): y ~ f(1) + noise, z = 3 + 2y.
  const std::vector<Intervention> iv = {{"x", 1.0, ""}};
  const Table<double> s = scm.intervene(iv).sample(20000, 9, 2);
  EXPECT_NEAR(moments(s, 1).mean, f(1.0), 0.08);          // observed 1.372 vs 1.409 (tree variance)
  EXPECT_NEAR(moments(s, 1).var, 0.04, 0.01);             // observed 0.0367
  EXPECT_NEAR(moments(s, 2).mean, 3 + 2 * f(1.0), 0.16);  // observed 5.742 vs 5.819
}

TEST(ScmFit, CategoricalNodesKeepSharesAndConditionalProbabilities) {
  // c in {a, b, cc} with shares 0.5 / 0.3 / 0.2; x | c ~ N(0 | 2 | -2, 1);
  // label y in {no, yes}: P(yes | x) = sigmoid(2x).
  const std::int64_t n = 4000;
  Rng rng = fixture_rng(4);
  std::vector<double> c(n), x(n), y(n);
  const double means[3] = {0, 2, -2};
  for (std::int64_t i = 0; i < n; ++i) {
    const double u = rng.uniform();
    c[i] = u < 0.5 ? 0 : (u < 0.8 ? 1 : 2);
    x[i] = means[static_cast<int>(c[i])] + dist::normal(rng);
    y[i] = rng.uniform() < 1 / (1 + std::exp(-2 * x[i])) ? 1 : 0;
  }
  const Table<double> data = TableBuilder(n)
                                 .categorical("c", c, {"a", "b", "cc"})
                                 .numeric("x", x)
                                 .categorical("y", y, {"no", "yes"})
                                 .t;
  FitOptions o;
  o.threads = 2;
  const Scm scm = Scm::fit(data, std::vector<Edge>{{"c", "x"}, {"x", "y"}}, o);
  EXPECT_EQ(scm.mechanism(2).categorical, true);
  const Table<double> s = scm.sample(20000, 3, 2);
  EXPECT_EQ(s.columns[0].levels, (std::vector<std::string>{"a", "b", "cc"}));
  EXPECT_NEAR(share(s, 0, 0), 0.5, 0.015);  // observed 0.505
  EXPECT_NEAR(share(s, 0, 2), 0.2, 0.015);  // observed 0.198
  // x | c = b has mean 2 (one-hot categorical parent).
  double sum = 0, count = 0;
  for (std::int64_t i = 0; i < s.n; ++i) {
    if (s.at(i, 0) == 1) {
      sum += s.at(i, 1);
      ++count;
    }
  }
  EXPECT_NEAR(sum / count, 2.0, 0.06);  // observed 1.970
  // do(x = 0.5): P(yes) = sigmoid(1) = 0.731; do(c = cc) gives E[x] = -2.
  const std::vector<Intervention> dx = {{"x", 0.5, ""}};
  EXPECT_NEAR(share(scm.intervene(dx).sample(20000, 4, 2), 2, 1), 0.731, 0.03);  // obs 0.743
  const std::vector<Intervention> dc = {{"c", 0, "cc"}};
  const Table<double> sc = scm.intervene(dc).sample(20000, 4, 2);
  EXPECT_EQ(share(sc, 0, 2), 1.0);
  EXPECT_NEAR(moments(sc, 1).mean, -2.0, 0.05);  // observed -1.9985
}

TEST(ScmSample, RangesAndIntegersAreKept) {
  // An integer-valued count with parents: samples are integers inside the training range.
  const std::int64_t n = 1000;
  Rng rng = fixture_rng(5);
  std::vector<double> x(n), k(n);
  for (std::int64_t i = 0; i < n; ++i) {
    x[i] = dist::uniform(rng, 0, 1);
    k[i] = std::floor(10 * x[i] + 3 * rng.uniform());
  }
  const Scm scm = Scm::fit(TableBuilder(n).numeric("x", x).numeric("k", k).t,
                           std::vector<Edge>{{"x", "k"}}, linear_options());
  EXPECT_EQ(scm.ranges()[1].decimals, 0);
  EXPECT_EQ(scm.ranges()[0].decimals, -1);
  EXPECT_EQ(detect_decimals(std::vector<double>{39.1, 18.75, -2}), 2);
  EXPECT_EQ(detect_decimals(std::vector<double>{0.1234567}), -1);
  const Table<double> s = scm.sample(5000, 1, 2);
  for (double v : s.column(1)) {
    ASSERT_EQ(v, std::floor(v));
    ASSERT_GE(v, scm.ranges()[1].min);
    ASSERT_LE(v, scm.ranges()[1].max);
  }
  // Smoothed roots stay in range too, and take values not in the data.
  FitOptions o = linear_options();
  o.smoothing = 1.0;
  const Scm smooth = Scm::fit(TableBuilder(n).numeric("x", x).numeric("k", k).t, {}, o);
  EXPECT_GT(smooth.mechanism(0).bandwidth, 0.0);
  const Table<double> t = smooth.sample(5000, 1, 2);
  int novel = 0;
  for (double v : t.column(0)) {
    ASSERT_GE(v, 0.0);
    ASSERT_LE(v, 1.0);
    novel += std::find(x.begin(), x.end(), v) == x.end() ? 1 : 0;
  }
  EXPECT_GT(novel, 4500);  // observed 4761 (clipped draws land on min / max)
}

TEST(ScmSample, DeterministicAcrossThreadCountsAndPrefixStable) {
  FitOptions o;
  o.threads = 1;
  const Table<double> data = chain_table(1500);
  const std::vector<Edge> edges = {{"x", "y"}, {"y", "z"}};
  const Scm one = Scm::fit(data, edges, o);
  o.threads = 2;
  const Scm two = Scm::fit(data, edges, o);
  // Fitting on 1 or 2 threads gives the same model bytes (threads are not saved).
  EXPECT_EQ(two.to_bytes(), one.to_bytes());
  const Table<double> a = one.sample(10000, 42, 1);
  const Table<double> b = one.sample(10000, 42, 2);
  ASSERT_EQ(a.values.size(), b.values.size());
  EXPECT_EQ(std::memcmp(a.values.data(), b.values.data(), a.values.size() * sizeof(double)), 0);
  // A different seed gives different rows; the first block of a larger sample is the same.
  const Table<double> c = one.sample(10000, 43, 2);
  EXPECT_NE(a.values, c.values);
  const Table<double> big = one.sample(20000, 42, 2);
  for (std::int64_t j = 0; j < 3; ++j) {
    for (std::int64_t i = 0; i < kSampleBlock; ++i) ASSERT_EQ(big.at(i, j), a.at(i, j));
  }
  // Tree mechanisms, and samples large enough that threads take runs of several blocks (runs
  // of 6, 3 and 2 blocks at 1, 2 and 3 threads): the same bytes.
  o.mechanisms = MechanismChoice::kBoosted;
  const Scm trees = Scm::fit(data, edges, o);
  const Table<double> t1 = trees.sample(100000, 7, 1);
  for (int threads : {2, 3}) {
    const Table<double> tn = trees.sample(100000, 7, threads);
    EXPECT_EQ(std::memcmp(t1.values.data(), tn.values.data(), t1.values.size() * sizeof(double)), 0)
        << threads;
  }
}

TEST(ScmFit, ImputePolicyFillsMissingValues) {
  Table<double> data = chain_table(500);
  data.values[3] = std::nan("");        // x, row 3
  data.values[500 + 7] = std::nan("");  // y, row 7
  FitOptions o = linear_options();
  o.missing = MissingPolicy::kImpute;
  const Scm scm = Scm::fit(data, std::vector<Edge>{{"x", "y"}, {"y", "z"}}, o);
  EXPECT_EQ(scm.imputed(), (std::vector<std::int64_t>{1, 1, 0}));
  for (double v : scm.sample(2000, 1, 2).values) ASSERT_FALSE(std::isnan(v));
  EXPECT_NE(scm.summary_json().find("\"imputed\":1"), std::string::npos);
}

TEST(ScmFit, EdgeListsParse) {
  const auto text = parse_edges("# comment\nx -> y\n\ny,z\nz w  # trailing\n");
  ASSERT_EQ(text.size(), 3U);
  EXPECT_EQ(text[1].parent, "y");
  EXPECT_EQ(text[2].child, "w");
  const auto json = parse_edges(R"({"edges": [["a", "b"], ["b", "c"]]})");
  ASSERT_EQ(json.size(), 2U);
  EXPECT_EQ(json[1].child, "c");
  const auto graph = parse_edges(
      R"({"format": "scmforge-graph", "edges": [{"a": "p", "b": "q", "mark_a": "arrow",
          "mark_b": "tail"}]})");
  ASSERT_EQ(graph.size(), 1U);
  EXPECT_EQ(graph[0].parent, "q");
  EXPECT_THROW(parse_edges(R"({"edges": [{"a": "p", "b": "q", "mark_a": "tail",
      "mark_b": "tail"}]})"),
               InvalidInput);
  EXPECT_THROW(parse_edges("a b c\n"), InvalidInput);
  EXPECT_THROW(parse_edges("[1, 2]"), InvalidInput);
}

}  // namespace
}  // namespace scmforge::scm
