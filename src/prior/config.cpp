// src/prior/config.cpp: parameter table, presets, overrides and validation of PriorConfig.
#include "scmforge/prior/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <variant>

#include "scmforge/core/error.hpp"

namespace scmforge::prior {
namespace {

using Field = std::variant<std::int32_t PriorConfig::*, double PriorConfig::*, bool PriorConfig::*,
                           std::string PriorConfig::*>;

struct Row {
  ParamSpec spec;
  Field field;
};

const std::vector<Row>& rows() {
  static const std::vector<Row> table = [] {
    const double kBig = 1e9;
    std::vector<Row> r;
    auto add = [&](std::string_view name, Field field, std::string_view doc, double lo, double hi,
                   std::vector<std::string_view> choices = {}) {
      ParamType type = std::visit(
          [](auto member) {
            using T = std::remove_reference_t<decltype(std::declval<PriorConfig>().*member)>;
            if constexpr (std::is_same_v<T, std::int32_t>) return ParamType::kInt;
            if constexpr (std::is_same_v<T, double>) return ParamType::kDouble;
            if constexpr (std::is_same_v<T, bool>) return ParamType::kBool;
            return ParamType::kString;
          },
          field);
      r.push_back({ParamSpec{name, type, doc, lo, hi, std::move(choices)}, field});
    };
    add("family", &PriorConfig::family,
        "whose hyperparameter distributions and post-processing to use", 0, 0,
        {"tabpfn", "tabicl"});
    add("mix", &PriorConfig::mix,
        "how a group picks its SCM: fixed weights, or TabPFN's GP/MLP prior bag", 0, 0,
        {"fixed", "prior_bag"});
    add("mlp_weight", &PriorConfig::mlp_weight, "weight of the MLP-SCM when mix=fixed", 0, kBig);
    add("tree_weight", &PriorConfig::tree_weight, "weight of the tree-SCM when mix=fixed", 0, kBig);
    add("gp_weight", &PriorConfig::gp_weight, "weight of the GP prior when mix=fixed", 0, kBig);
    add("n_rows", &PriorConfig::n_rows, "rows per dataset (train + test)", 4, 100000);
    add("min_features", &PriorConfig::min_features, "fewest features of a dataset", 1, 10000);
    add("max_features", &PriorConfig::max_features, "most features of a dataset", 1, 10000);
    add("max_classes", &PriorConfig::max_classes, "most classes of a dataset (at least 2)", 2,
        1000);
    add("binary_prob", &PriorConfig::binary_prob,
        "P(a dataset gets 2 classes outright; else its class count is drawn up to max_classes)", 0,
        1);
    add("train_fraction_min", &PriorConfig::train_fraction_min,
        "single_eval_pos / n_rows is uniform in [train_fraction_min, train_fraction_max]", 0, 1);
    add("train_fraction_max", &PriorConfig::train_fraction_max, "upper end of the train fraction",
        0, 1);
    add("meta_group_size", &PriorConfig::meta_group_size,
        "datasets sharing one draw of the meta-hyperparameters", 1, 1 << 20);
    add("hp_group_size", &PriorConfig::hp_group_size,
        "datasets sharing concrete hyperparameter values (divides meta_group_size)", 1, 1 << 20);
    add("split_group_size", &PriorConfig::split_group_size,
        "datasets sharing single_eval_pos (use the trainer's batch size)", 1, 1 << 20);
    add("is_causal", &PriorConfig::is_causal,
        "X and y from hidden units of the SCM (true) or X = root causes (false), or sampled", 0, 0,
        {"true", "false", "sample"});
    add("sampling", &PriorConfig::sampling, "distribution of the root causes, or sampled", 0, 0,
        {"normal", "mixed", "uniform", "sample"});
    add("categorical_prob", &PriorConfig::categorical_prob,
        "probability that a dataset turns some features categorical", 0, 1);
    add("max_categories", &PriorConfig::max_categories,
        "cap on the levels of a categorical feature (0: no cap)", 0, 100000);
    add("missing_rate", &PriorConfig::missing_rate,
        "share of feature cells set to NaN, completely at random", 0, 0.95);
    add("remove_constant_features", &PriorConfig::remove_constant_features,
        "drop features with a single distinct value", 0, 1);
    add("permute_features", &PriorConfig::permute_features,
        "randomly permute (tabicl) or rotate (tabpfn) the feature order", 0, 1);
    add("max_attempts", &PriorConfig::max_attempts,
        "invalid draws of one dataset before its hyperparameters are redrawn", 1, 100000);
    return r;
  }();
  return table;
}

const Row* find_row(std::string_view key) {
  for (const Row& row : rows()) {
    if (row.spec.name == key) {
      return &row;
    }
  }
  return nullptr;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

[[noreturn]] void unknown_key(std::string_view key) {
  std::string best;
  std::size_t best_distance = 1000;
  for (const Row& row : rows()) {
    const std::size_t dist = edit_distance(key, row.spec.name);
    if (dist < best_distance) {
      best_distance = dist;
      best = row.spec.name;
    }
  }
  std::string hint = best_distance <= 3 ? fmt::format(" (did you mean '{}'?)", best) : "";
  SCMFORGE_THROW(InvalidInput,
                 "unknown prior parameter '{}'{}; run `scmforge prior params` for the list", key,
                 hint);
}

double parse_number(const ParamSpec& spec, std::string_view text) {
  double value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) {
    SCMFORGE_THROW(InvalidInput, "prior parameter '{}': '{}' is not a number", spec.name, text);
  }
  if (spec.type == ParamType::kInt && value != std::floor(value)) {
    SCMFORGE_THROW(InvalidInput, "prior parameter '{}': '{}' is not a whole number", spec.name,
                   text);
  }
  if (value < spec.min || value > spec.max) {
    SCMFORGE_THROW(InvalidInput, "prior parameter '{}' = {} is out of range [{}, {}]", spec.name,
                   text, spec.min, spec.max);
  }
  return value;
}

bool parse_bool(const ParamSpec& spec, std::string_view text) {
  if (text == "true" || text == "1" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "0" || text == "no" || text == "off") return false;
  SCMFORGE_THROW(InvalidInput, "prior parameter '{}': '{}' is not a boolean (true/false)",
                 spec.name, text);
}

}  // namespace

const std::vector<ParamSpec>& prior_parameters() {
  static const std::vector<ParamSpec> specs = [] {
    std::vector<ParamSpec> out;
    for (const Row& row : rows()) out.push_back(row.spec);
    return out;
  }();
  return specs;
}

std::vector<std::string> preset_names() {
  return {"tabpfn-v1", "tabicl", "metatree", "nanotabpfn"};
}

PriorConfig preset(std::string_view name) {
  PriorConfig c;  // tabicl defaults
  c.preset = std::string(name);
  if (name == "tabicl") {
    return c;
  }
  // TabPFN v1 family: prior bag of GP and MLP, FlexibleCategorical post-processing.
  c.family = "tabpfn";
  c.mix = "prior_bag";
  c.is_causal = "sample";
  c.sampling = "normal";  // the training notebook fixes 'normal'
  c.meta_group_size = 64;
  c.hp_group_size = 32;
  if (name == "tabpfn-v1") {
    c.n_rows = 1152;
    c.min_features = 1;
    c.max_features = 100;
    c.max_classes = 10;
    c.train_fraction_min = 0.1;
    c.train_fraction_max = 1000.0 / 1152.0;  // max_eval_pos = 1000 of bptt = 1152
    c.split_group_size = 64;
    return c;
  }
  if (name == "metatree") {
    c.n_rows = 256;
    c.min_features = 2;
    c.max_features = 10;
    c.max_classes = 10;
    c.train_fraction_min = 0.5;
    c.train_fraction_max = 0.5;
    c.sampling = "sample";
    c.split_group_size = 32;
    return c;
  }
  if (name == "nanotabpfn") {
    c.n_rows = 150;
    c.min_features = 5;
    c.max_features = 5;
    c.max_classes = 2;
    c.train_fraction_min = 0.1;
    c.train_fraction_max = 0.9;
    c.split_group_size = 32;
    return c;
  }
  SCMFORGE_THROW(InvalidInput,
                 "unknown preset '{}'; known presets: tabpfn-v1, tabicl, metatree, nanotabpfn",
                 name);
}

void set_parameter(PriorConfig& config, std::string_view key, std::string_view value) {
  const Row* row = find_row(key);
  if (row == nullptr) {
    unknown_key(key);
  }
  const ParamSpec& spec = row->spec;
  std::visit(
      [&](auto member) {
        using T = std::remove_reference_t<decltype(config.*member)>;
        if constexpr (std::is_same_v<T, std::int32_t>) {
          config.*member = static_cast<std::int32_t>(parse_number(spec, value));
        } else if constexpr (std::is_same_v<T, double>) {
          config.*member = parse_number(spec, value);
        } else if constexpr (std::is_same_v<T, bool>) {
          config.*member = parse_bool(spec, value);
        } else {
          if (std::find(spec.choices.begin(), spec.choices.end(), value) == spec.choices.end()) {
            std::string allowed;
            for (std::string_view c : spec.choices)
              allowed += fmt::format("{}'{}'", allowed.empty() ? "" : ", ", c);
            SCMFORGE_THROW(InvalidInput, "prior parameter '{}': '{}' is not one of {}", spec.name,
                           value, allowed);
          }
          config.*member = std::string(value);
        }
      },
      row->field);
}

std::string get_parameter(const PriorConfig& config, std::string_view key) {
  const Row* row = find_row(key);
  if (row == nullptr) {
    unknown_key(key);
  }
  return std::visit(
      [&](auto member) -> std::string {
        using T = std::remove_reference_t<decltype(config.*member)>;
        if constexpr (std::is_same_v<T, bool>) {
          return config.*member ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::string>) {
          return config.*member;
        } else {
          return fmt::format("{}", config.*member);
        }
      },
      row->field);
}

void apply_json(PriorConfig& config, std::string_view text, std::string_view origin) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    SCMFORGE_THROW(InvalidInput, "{}: not valid JSON ({})", origin, e.what());
  }
  if (doc.is_object() && doc.contains("prior") && doc["prior"].is_object()) {
    doc = doc["prior"];
  }
  if (!doc.is_object()) {
    SCMFORGE_THROW(InvalidInput, "{}: expected a JSON object of prior parameters", origin);
  }
  for (const auto& [key, value] : doc.items()) {
    if (key == "preset") {
      continue;  // informational: written by to_json
    }
    std::string text_value;
    if (value.is_string()) {
      text_value = value.get<std::string>();
    } else if (value.is_boolean()) {
      text_value = value.get<bool>() ? "true" : "false";
    } else if (value.is_number()) {
      text_value = value.dump();
    } else {
      SCMFORGE_THROW(InvalidInput, "{}: prior parameter '{}' must be a number, string or boolean",
                     origin, key);
    }
    try {
      set_parameter(config, key, text_value);
    } catch (const InvalidInput& e) {
      SCMFORGE_THROW(InvalidInput, "{}: {}", origin, e.what());
    }
  }
}

void apply_toml(PriorConfig& config, std::string_view text, std::string_view origin) {
  toml::table doc;
  try {
    doc = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    SCMFORGE_THROW(InvalidInput, "{}:{}:{}: not valid TOML ({})", origin, e.source().begin.line,
                   e.source().begin.column, e.description());
  }
  const toml::table* table = &doc;
  if (const toml::table* nested = doc["prior"].as_table()) {
    table = nested;
  }
  for (const auto& [key, node] : *table) {
    if (key.str() == "preset") {
      continue;
    }
    std::string text_value;
    if (const auto* s = node.as_string()) {
      text_value = s->get();
    } else if (const auto* b = node.as_boolean()) {
      text_value = b->get() ? "true" : "false";
    } else if (const auto* i = node.as_integer()) {
      text_value = fmt::format("{}", i->get());
    } else if (const auto* f = node.as_floating_point()) {
      text_value = fmt::format("{}", f->get());
    } else {
      SCMFORGE_THROW(InvalidInput,
                     "{}:{}: prior parameter '{}' must be a number, string or boolean", origin,
                     node.source().begin.line, key.str());
    }
    try {
      set_parameter(config, key.str(), text_value);
    } catch (const InvalidInput& e) {
      SCMFORGE_THROW(InvalidInput, "{}:{}: {}", origin, node.source().begin.line, e.what());
    }
  }
}

void apply_config_file(PriorConfig& config, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    SCMFORGE_THROW(Io, "cannot open config file '{}': check the path", path);
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  if (path.ends_with(".json")) {
    apply_json(config, text, path);
  } else if (path.ends_with(".toml")) {
    apply_toml(config, text, path);
  } else {
    SCMFORGE_THROW(InvalidInput, "config file '{}': use a .json or .toml file", path);
  }
}

void validate(const PriorConfig& c) {
  SCMFORGE_CHECK(c.min_features <= c.max_features, InvalidInput,
                 "prior: min_features ({}) exceeds max_features ({})", c.min_features,
                 c.max_features);
  SCMFORGE_CHECK(c.train_fraction_min <= c.train_fraction_max, InvalidInput,
                 "prior: train_fraction_min ({}) exceeds train_fraction_max ({})",
                 c.train_fraction_min, c.train_fraction_max);
  const auto train_min = static_cast<std::int64_t>(std::floor(c.n_rows * c.train_fraction_min));
  const auto train_max = static_cast<std::int64_t>(std::floor(c.n_rows * c.train_fraction_max));
  SCMFORGE_CHECK(
      train_min >= c.max_classes, InvalidInput,
      "prior: the smallest training part (n_rows * train_fraction_min = {}) cannot hold "
      "max_classes = {} classes; raise n_rows or train_fraction_min, or lower max_classes",
      train_min, c.max_classes);
  SCMFORGE_CHECK(c.n_rows - train_max >= c.max_classes, InvalidInput,
                 "prior: the smallest test part (n_rows * (1 - train_fraction_max) = {}) cannot "
                 "hold max_classes = {} classes; raise n_rows or lower train_fraction_max",
                 c.n_rows - train_max, c.max_classes);
  SCMFORGE_CHECK(c.meta_group_size % c.hp_group_size == 0, InvalidInput,
                 "prior: hp_group_size ({}) must divide meta_group_size ({})", c.hp_group_size,
                 c.meta_group_size);
  if (c.mix == "fixed") {
    SCMFORGE_CHECK(c.mlp_weight + c.tree_weight + c.gp_weight > 0, InvalidInput,
                   "prior: mix=fixed needs a positive mlp_weight, tree_weight or gp_weight");
  }
}

std::string to_json(const PriorConfig& config) {
  nlohmann::ordered_json doc;
  doc["preset"] = config.preset;
  for (const Row& row : rows()) {
    std::visit([&](auto member) { doc[std::string(row.spec.name)] = config.*member; }, row.field);
  }
  return doc.dump();
}

}  // namespace scmforge::prior
