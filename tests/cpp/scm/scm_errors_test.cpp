// tests/cpp/scm/scm_errors_test.cpp: every bad input of SCM fitting, sampling and intervening, and
// the file format.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <functional>

#include "scm/fixtures.hpp"
#include "scmforge/core/error.hpp"
#include "scmforge/scm/scm.hpp"

namespace scmforge::scm {
namespace {

using testing::chain_table;
using testing::TableBuilder;

// Runs `f`, expects InvalidInput whose message contains `needle`.
void expect_invalid(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no exception; expected one containing '" << needle << "'";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

const std::vector<Edge> kChain = {{"x", "y"}, {"y", "z"}};

TEST(ScmErrors, GraphProblemsAreNamed) {
  const Table<double> data = chain_table(200);
  expect_invalid(
      [&] {
        Scm::fit(data, std::vector<Edge>{{"x", "q"}});
      },
      "graph edge 'x' -> 'q': no column named 'q' in the table (columns: x, y, z)");
  expect_invalid([&] { Scm::fit(data, std::vector<Edge>{{"x", "x"}}); }, "self-loop");
  expect_invalid(
      [&] {
        Scm::fit(data, std::vector<Edge>{{"x", "y"}, {"y", "z"}, {"z", "x"}});
      },
      "directed cycle: x -> y -> z -> x");
}

TEST(ScmErrors, TableProblemsAreNamed) {
  Table<double> constant = chain_table(200);
  std::fill(constant.values.begin() + 200, constant.values.begin() + 400, 3.0);
  expect_invalid([&] { Scm::fit(constant, kChain); }, "column 'y' is constant (3)");
  Table<double> missing = chain_table(200);
  missing.values[400 + 17] = std::nan("");
  expect_invalid([&] { Scm::fit(missing, kChain); }, "column 'z', row 17: missing value");
  Table<double> infinite = chain_table(200);
  infinite.values[5] = INFINITY;
  expect_invalid([&] { Scm::fit(infinite, kChain); }, "column 'x', row 5: infinite value");
  Table<double> tiny = chain_table(1);
  expect_invalid([&] { Scm::fit(tiny, kChain); }, "needs at least 2");
  Table<double> dup = chain_table(200);
  dup.columns[2].name = "x";
  expect_invalid([&] { Scm::fit(dup, {}); }, "column name 'x' appears twice");
  // A categorical level with a single row, at a node with parents.
  std::vector<double> x(50), c(50);
  for (int i = 0; i < 50; ++i) {
    x[i] = i;
    c[i] = i < 25 ? 0 : 1;
  }
  c[49] = 2;
  const Table<double> one_row =
      TableBuilder(50).numeric("x", x).categorical("c", c, {"lo", "hi", "odd"}).t;
  expect_invalid(
      [&] {
        Scm::fit(one_row, std::vector<Edge>{{"x", "c"}});
      },
      "column 'c': level 'odd' has a single row");
  // As a root it is just a share of 1/50.
  EXPECT_NO_THROW(Scm::fit(one_row, {}));
  Table<double> bad_code = one_row;
  bad_code.values[50 + 3] = 7;
  expect_invalid([&] { Scm::fit(bad_code, {}); }, "column 'c', row 3: 7 is not a level code");
}

TEST(ScmErrors, OptionsSamplingAndInterventions) {
  const Table<double> data = chain_table(200);
  FitOptions bad;
  bad.cv_folds = 1;
  expect_invalid([&] { Scm::fit(data, kChain, bad); }, "cv_folds must be >= 2");
  bad = {};
  bad.smoothing = -1;
  expect_invalid([&] { Scm::fit(data, kChain, bad); }, "smoothing");
  expect_invalid([] { parse_mechanism_choice("magic"); }, "'auto', 'linear' or 'boosted'");
  expect_invalid([] { parse_missing_policy("drop"); }, "'error' or 'impute'");
  FitOptions o;
  o.mechanisms = MechanismChoice::kLinear;
  const Scm scm = Scm::fit(data, kChain, o);
  expect_invalid([&] { (void)scm.sample(0, 1); }, "must be >= 1, got 0");
  expect_invalid([&] { (void)scm.sample(-5, 1); }, "got -5");
  const std::vector<Intervention> unknown = {{"q", 1, ""}};
  expect_invalid([&] { (void)scm.intervene(unknown); }, "no such node");
  const std::vector<Intervention> twice = {{"x", 1, ""}, {"x", 2, ""}};
  expect_invalid([&] { (void)scm.intervene(twice); }, "given twice");
  const std::vector<Intervention> nan = {{"x", std::nan(""), ""}};
  expect_invalid([&] { (void)scm.intervene(nan); }, "must be finite");
}

TEST(ScmFormat, RoundTripGivesIdenticalBytesAndSamples) {
  FitOptions o;
  o.threads = 2;
  o.smoothing = 0.5;
  const Scm scm = Scm::fit(chain_table(600), kChain, o);
  const std::string bytes = scm.to_bytes();
  const Scm back = Scm::from_bytes(bytes);
  EXPECT_EQ(back.to_bytes(), bytes);
  EXPECT_EQ(back.sample(3000, 5, 2).values, scm.sample(3000, 5, 2).values);
  const std::vector<Intervention> iv = {{"y", 0.5, ""}};
  const Scm cut = scm.intervene(iv);
  EXPECT_EQ(Scm::from_bytes(cut.to_bytes()).sample(100, 1, 1).values, cut.sample(100, 1, 1).values);
  EXPECT_EQ(cut.edges().size(), 1U);  // x -> y was cut
  const Scm tagged = scm.with_metadata(R"({"b": [1, "two"], "a": null})");
  EXPECT_EQ(Scm::from_bytes(tagged.to_bytes()).metadata(), R"({"a":null,"b":[1,"two"]})");
  EXPECT_THROW((void)scm.with_metadata("{oops"), InvalidInput);
  // Through a file.
  const auto path = std::filesystem::temp_directory_path() / "scmforge_scm_format_test.scm";
  scm.save(path.string());
  EXPECT_EQ(Scm::load(path.string()).to_bytes(), bytes);
  std::filesystem::remove(path);
  EXPECT_THROW(Scm::load("/nonexistent/model.scm"), Io);
}

TEST(ScmFormat, DamagedFilesAreRejected) {
  FitOptions o;
  o.threads = 2;
  const std::string bytes = Scm::fit(chain_table(300), kChain, o).to_bytes();
  expect_invalid([&] { Scm::from_bytes(bytes.substr(0, bytes.size() - 10), "m.scm"); },
                 "m.scm: the file is truncated or padded");
  expect_invalid([&] { Scm::from_bytes(bytes.substr(0, 20), "m.scm"); }, "truncated");
  std::string flipped = bytes;
  flipped[flipped.size() - 100] ^= 0x10;  // inside the payload
  expect_invalid([&] { Scm::from_bytes(flipped, "m.scm"); }, "checksum mismatch");
  std::string header_edit = bytes;
  const auto at = header_edit.find("\"ridge\"");
  if (at != std::string::npos) header_edit.replace(at, 7, "\"ridgf\"");
  const auto at2 = header_edit.find("\"empirical\"");
  header_edit.replace(at2, 11, "\"empiricaL\"");
  expect_invalid([&] { Scm::from_bytes(header_edit, "m.scm"); }, "checksum mismatch");
  expect_invalid([&] { Scm::from_bytes("PK\x03\x04 not a model", "m.scm"); },
                 "not a scmforge SCM file");
  std::string future = bytes;
  future.replace(0, 14, "scmforge-scm 9");
  expect_invalid([&] { Scm::from_bytes(future, "m.scm"); }, "format version 9 is not supported");
}

}  // namespace
}  // namespace scmforge::scm
