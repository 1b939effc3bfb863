// tests/cpp/tree/tree_test.cpp: Tree storage, prediction, complete view and the exports.
#include "scmforge/tree/tree.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "scmforge/core/error.hpp"

namespace scmforge::tree {
namespace {

// x0 <= 0.5 ? (x1 == 2 [category] ? class 0 : class 1) : class 2; NaN in x0 goes left.
Tree small_tree() {
  Tree t;
  t.n_features = 2;
  t.n_outputs = 3;
  const std::vector<double> root{4, 3, 5}, inner{4, 3, 0}, a{4, 1, 0}, b{0, 2, 0}, c{0, 0, 5};
  t.add_node(root, 0.65, 12, 12.0);
  t.add_node(inner, 0.49, 7, 7.0);
  t.add_node(a, 0.32, 5, 5.0);
  t.add_node(b, 0.0, 2, 2.0);
  t.add_node(c, 0.0, 5, 5.0);
  t.set_split(0, 0, 0.5, SplitKind::kThreshold, true, 1, 4);
  t.set_split(1, 1, 2.0, SplitKind::kCategory, false, 2, 3);
  t.features = {ColumnInfo{"age", ColumnKind::kNumeric, 0, {}},
                ColumnInfo{"color", ColumnKind::kCategorical, 3, {"blue", "green", "red"}}};
  t.class_names = {"no", "maybe", "yes"};
  return t;
}

TEST(Tree, ShapeQueries) {
  const Tree t = small_tree();
  EXPECT_EQ(t.node_count(), 5);
  EXPECT_EQ(t.depth(), 2);
  EXPECT_EQ(t.leaf_count(), 3);
  EXPECT_NO_THROW(t.validate());
}

TEST(Tree, PredictFollowsTheSplitRules) {
  const Tree t = small_tree();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // Columns: x0 then x1 (column-major, 5 rows).
  const std::vector<float> x{0.5F, 0.2F, 0.7F, nan,  0.1F,  //
                             2.0F, 1.0F, 2.0F, 2.0F, nan};
  const DataView view{5, 2, x.data(), {}};
  std::vector<std::int32_t> leaves(5), classes(5);
  t.apply(view, leaves);
  // 0.5 <= 0.5 goes left, x1 == 2 -> node 2; x1 == 1 -> node 3; 0.7 -> node 4; NaN x0 goes
  // left -> node 2; NaN x1 goes right (missing_left = 0) -> node 3.
  EXPECT_EQ(leaves, (std::vector<std::int32_t>{2, 3, 4, 2, 3}));
  t.predict_class(view, classes);
  EXPECT_EQ(classes, (std::vector<std::int32_t>{0, 1, 2, 0, 1}));
  std::vector<double> proba(15);
  t.predict_values(view, proba);
  EXPECT_DOUBLE_EQ(proba[0], 0.8);
  EXPECT_DOUBLE_EQ(proba[1], 0.2);
  EXPECT_DOUBLE_EQ(proba[8], 1.0);
}

TEST(Tree, PredictRejectsAWrongFeatureCount) {
  const Tree t = small_tree();
  const std::vector<float> x(3, 0.0F);
  std::vector<std::int32_t> out(1);
  try {
    t.apply(DataView{1, 3, x.data(), {}}, out);
    FAIL() << "expected InvalidInput";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("3 features but the tree was fitted on 2"),
              std::string::npos)
        << e.what();
  }
}

TEST(Tree, ClassTiesGoToTheLowestIndex) {
  Tree t;
  t.n_features = 1;
  t.n_outputs = 3;
  t.add_node(std::vector<double>{1, 2, 2}, 0.6, 5, 5.0);
  const std::vector<float> x{0.0F};
  std::vector<std::int32_t> out(1);
  t.predict_class(DataView{1, 1, x.data(), {}}, out);
  EXPECT_EQ(out[0], 1);
}

TEST(Tree, CompleteViewPadsShallowLeaves) {
  const Tree t = small_tree();
  const CompleteTree v = complete_view(t, 2);
  EXPECT_EQ(v.feature, (std::vector<std::int32_t>{0, 1, -1}));
  EXPECT_DOUBLE_EQ(v.threshold[0], 0.5);
  ASSERT_EQ(v.leaf_value.size(), 4U * 3U);
  // Leaf slots: (0,1) under node 1, then node 4 repeated down to its leftmost slot 2, slot 3 empty.
  EXPECT_EQ(std::vector<double>(v.leaf_value.begin(), v.leaf_value.begin() + 3),
            (std::vector<double>{4, 1, 0}));
  EXPECT_EQ(std::vector<double>(v.leaf_value.begin() + 6, v.leaf_value.begin() + 9),
            (std::vector<double>{0, 0, 5}));
  EXPECT_EQ(std::vector<double>(v.leaf_value.begin() + 9, v.leaf_value.end()),
            (std::vector<double>{0, 0, 0}));
  const CompleteTree deeper = complete_view(t, 3);
  EXPECT_EQ(deeper.feature, (std::vector<std::int32_t>{0, 1, -1, -1, -1, -1, -1}));
  EXPECT_THROW(complete_view(t, 1), InvalidInput);
}

TEST(Tree, JsonRoundTripsExactly) {
  Tree t = small_tree();
  t.threshold[0] = 0.1 + 0.2;  // not representable in few digits
  t.impurity[3] = std::numeric_limits<double>::infinity();
  const Tree back = from_json(to_json(t));
  EXPECT_EQ(back.feature, t.feature);
  EXPECT_EQ(back.threshold, t.threshold);
  EXPECT_EQ(back.kind, t.kind);
  EXPECT_EQ(back.missing_left, t.missing_left);
  EXPECT_EQ(back.left, t.left);
  EXPECT_EQ(back.right, t.right);
  EXPECT_EQ(back.value, t.value);
  EXPECT_EQ(back.impurity, t.impurity);
  EXPECT_EQ(back.n_node_samples, t.n_node_samples);
  EXPECT_EQ(back.weighted_n_node_samples, t.weighted_n_node_samples);
  EXPECT_EQ(back.class_names, t.class_names);
  ASSERT_EQ(back.features.size(), 2U);
  EXPECT_EQ(back.features[1].levels, t.features[1].levels);
  EXPECT_EQ(to_json(back), to_json(t));
}

void expect_json_error(const std::string& text, const std::string& message) {
  try {
    from_json(text);
    FAIL() << "expected InvalidInput for: " << text;
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find(message), std::string::npos)
        << "message: " << e.what() << "\nexpected to contain: " << message;
  }
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

TEST(Tree, JsonRejectsBadDocuments) {
  const std::string good = to_json(small_tree());
  expect_json_error("{", "not valid JSON");
  // nlohmann reports an overflowing number as out_of_range, not parse_error (found by fuzzing).
  expect_json_error(replace(good, "\"samples\": 12", "\"samples\": 5e99999"), "not valid JSON");
  expect_json_error("[1, 2]", "not a scmforge tree");
  expect_json_error(R"({"format": 3})", "not a scmforge tree");
  expect_json_error(replace(good, "\"version\": 1", "\"version\": 7"), "version 7");
  expect_json_error(replace(good, "\"task\": \"classification\"", "\"task\": \"ranking\""),
                    "task must be");
  expect_json_error(replace(good, "\"left\": 1", "\"left\": 9"), "out of range");
  // Node 1 pointing at the root makes a cycle / a second parent.
  expect_json_error(replace(good, "\"left\": 2", "\"left\": 4"), "parents");
  expect_json_error(replace(good, "\"samples\": 12", "\"samples\": \"many\""), "integer");
  expect_json_error(replace(good, "\"samples\": 12", "\"samples\": 1.2e60"), "integer in range");
  expect_json_error(replace(good, "\"classes\": [", "\"classes\": [3, "), "wrong type");
  expect_json_error(replace(good, "\"threshold\": 0.5", "\"threshold\": \"x\""),
                    "must be a number");
  expect_json_error(replace(good, "\"feature\": 1", "\"feature\": 5"), "splits on feature 5");
}

TEST(Tree, TextExportMatchesScikitLearnStyle) {
  const std::string text = to_text(small_tree(), 2);
  EXPECT_EQ(text,
            "|--- age <= 0.50\n"
            "|   |--- color == red\n"
            "|   |   |--- class: no\n"
            "|   |--- color != red\n"
            "|   |   |--- class: maybe\n"
            "|--- age >  0.50\n"
            "|   |--- class: yes\n");
}

TEST(Tree, DotExportHasEveryNodeAndEdge) {
  const std::string dot = to_dot(small_tree());
  EXPECT_EQ(dot.rfind("digraph Tree {", 0), 0U);
  for (const char* part : {"0 [label=\"age <= 0.5000\\n", "1 -> 2", "1 -> 3", "0 -> 4",
                           "class: yes", "value = [4, 3, 5]"}) {
    EXPECT_NE(dot.find(part), std::string::npos) << part << "\n" << dot;
  }
}

TEST(Tree, ValidateCatchesBrokenStructure) {
  Tree t = small_tree();
  t.left[1] = 1;  // self loop
  EXPECT_THROW(t.validate(), InvalidInput);
  Tree u = small_tree();
  u.value.pop_back();
  EXPECT_THROW(u.validate(), InvalidInput);
}

}  // namespace
}  // namespace scmforge::tree
