// tests/cpp/prior/config_test.cpp: presets, overrides and validation of PriorConfig.
#include "scmforge/prior/config.hpp"

#include <gtest/gtest.h>

#include "scmforge/core/error.hpp"

namespace scmforge::prior {
namespace {

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InvalidInput& e) {
    return e.what();
  }
  return "(no InvalidInput thrown)";
}

TEST(PriorConfig, PresetsHaveTheDocumentedShapes) {
  EXPECT_EQ(preset("tabpfn-v1").n_rows, 1152);
  EXPECT_EQ(preset("tabpfn-v1").max_features, 100);
  EXPECT_EQ(preset("tabpfn-v1").mix, "prior_bag");
  EXPECT_EQ(preset("tabicl").mlp_weight, 0.7);
  EXPECT_EQ(preset("tabicl").tree_weight, 0.3);
  EXPECT_EQ(preset("metatree").n_rows, 256);
  EXPECT_EQ(preset("metatree").max_features, 10);
  EXPECT_EQ(preset("metatree").max_classes, 10);
  EXPECT_EQ(preset("nanotabpfn").n_rows, 150);
  EXPECT_EQ(preset("nanotabpfn").min_features, 5);
  EXPECT_EQ(preset("nanotabpfn").max_classes, 2);
  for (const auto& name : preset_names()) EXPECT_NO_THROW(validate(preset(name))) << name;
}

TEST(PriorConfig, UnknownPresetNamesTheKnownOnes) {
  EXPECT_NE(message_of([] { preset("tabpfn"); }).find("tabpfn-v1, tabicl, metatree, nanotabpfn"),
            std::string::npos);
}

TEST(PriorConfig, UnknownKeySuggestsTheClosest) {
  PriorConfig c = preset("tabicl");
  const std::string msg = message_of([&] { set_parameter(c, "max_feature", "3"); });
  EXPECT_NE(msg.find("'max_feature'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'max_features'"), std::string::npos) << msg;
}

TEST(PriorConfig, ValuesAreParsedAndRangeChecked) {
  PriorConfig c = preset("tabicl");
  set_parameter(c, "max_features", "12");
  EXPECT_EQ(c.max_features, 12);
  set_parameter(c, "missing_rate", "0.25");
  EXPECT_DOUBLE_EQ(c.missing_rate, 0.25);
  set_parameter(c, "permute_features", "false");
  EXPECT_FALSE(c.permute_features);
  EXPECT_NE(
      message_of([&] { set_parameter(c, "max_classes", "1"); }).find("out of range [2, 1000]"),
      std::string::npos);
  EXPECT_NE(message_of([&] { set_parameter(c, "n_rows", "12.5"); }).find("not a whole number"),
            std::string::npos);
  EXPECT_NE(message_of([&] { set_parameter(c, "n_rows", "abc"); }).find("not a number"),
            std::string::npos);
  EXPECT_NE(message_of([&] {
              set_parameter(c, "family", "tabpfn2");
            }).find("not one of 'tabpfn', 'tabicl'"),
            std::string::npos);
  EXPECT_NE(message_of([&] {
              set_parameter(c, "remove_constant_features", "maybe");
            }).find("not a boolean"),
            std::string::npos);
}

TEST(PriorConfig, ImpossibleCombinationsNameTheKeys) {
  PriorConfig c = preset("metatree");
  c.min_features = 8;
  c.max_features = 4;
  EXPECT_NE(message_of([&] { validate(c); }).find("min_features (8) exceeds max_features (4)"),
            std::string::npos);
  c = preset("metatree");
  c.n_rows = 12;
  EXPECT_NE(message_of([&] { validate(c); }).find("max_classes"), std::string::npos);
  c = preset("tabpfn-v1");
  c.hp_group_size = 7;
  EXPECT_NE(
      message_of([&] { validate(c); }).find("hp_group_size (7) must divide meta_group_size (64)"),
      std::string::npos);
  c = preset("tabicl");
  c.mlp_weight = c.tree_weight = c.gp_weight = 0;
  EXPECT_NE(message_of([&] { validate(c); }).find("mix=fixed"), std::string::npos);
}

TEST(PriorConfig, JsonAndTomlOverrides) {
  PriorConfig c = preset("tabicl");
  apply_json(c, R"({"max_features": 7, "family": "tabpfn", "permute_features": false})", "<test>");
  EXPECT_EQ(c.max_features, 7);
  EXPECT_EQ(c.family, "tabpfn");
  EXPECT_FALSE(c.permute_features);
  apply_toml(c, "[prior]\nmax_features = 9\nmissing_rate = 0.1\n", "<test>");
  EXPECT_EQ(c.max_features, 9);
  EXPECT_DOUBLE_EQ(c.missing_rate, 0.1);
  EXPECT_NE(message_of([&] {
              apply_json(c, R"({"nope": 1})", "cfg.json");
            }).find("cfg.json: unknown prior parameter 'nope'"),
            std::string::npos);
  EXPECT_NE(message_of([&] { apply_toml(c, "a = = 1", "cfg.toml"); }).find("cfg.toml:1"),
            std::string::npos);
  EXPECT_NE(message_of([&] { apply_json(c, "{", "cfg.json"); }).find("not valid JSON"),
            std::string::npos);
  // A number too large for a double is a parse failure too (found by fuzz/tree_json_fuzz).
  EXPECT_NE(
      message_of([&] { apply_json(c, R"({"seed": 1e99999})", "cfg.json"); }).find("not valid JSON"),
      std::string::npos);
}

TEST(PriorConfig, JsonRoundTrip) {
  for (const auto& name : preset_names()) {
    const PriorConfig original = preset(name);
    PriorConfig copy = preset("tabicl");
    apply_json(copy, to_json(original), "<roundtrip>");
    EXPECT_EQ(to_json(copy).substr(to_json(copy).find(',')),
              to_json(original).substr(to_json(original).find(',')))
        << name;
  }
}

}  // namespace
}  // namespace scmforge::prior
