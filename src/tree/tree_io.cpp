// src/tree/tree_io.cpp: tree exports (JSON, Graphviz DOT, indented text) and JSON loading.
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>
#include <vector>

#include "scmforge/core/error.hpp"
#include "scmforge/tree/tree.hpp"

namespace scmforge::tree {
namespace {

using Json = nlohmann::json;

constexpr int kFormatVersion = 1;

// JSON has no infinities: they are written as the strings "inf" / "-inf".
Json number_to_json(double v) {
  if (std::isinf(v)) {
    return v > 0 ? "inf" : "-inf";
  }
  return v;
}

double number_from_json(const Json& j, const std::string& where) {
  if (j.is_number()) {
    return j.get<double>();
  }
  if (j.is_string()) {
    const auto s = j.get<std::string>();
    if (s == "inf") {
      return std::numeric_limits<double>::infinity();
    }
    if (s == "-inf") {
      return -std::numeric_limits<double>::infinity();
    }
  }
  SCMFORGE_THROW(InvalidInput, "tree JSON: {} must be a number (or \"inf\"/\"-inf\"), got {}",
                 where, j.dump());
}

template <typename T>
T get_field(const Json& obj, const char* key, const std::string& where) {
  SCMFORGE_CHECK(obj.is_object() && obj.contains(key), InvalidInput,
                 "tree JSON: {} has no field \"{}\"", where, key);
  const Json& field = obj.at(key);
  if constexpr (std::is_integral_v<T>) {
    // nlohmann converts a float to an integer without a range check: accept integers only.
    const bool fits =
        (field.is_number_integer() && !field.is_number_unsigned() &&
         field.get<std::int64_t>() >= std::numeric_limits<T>::min() &&
         field.get<std::int64_t>() <= std::numeric_limits<T>::max()) ||
        (field.is_number_unsigned() &&
         field.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<T>::max()));
    SCMFORGE_CHECK(fits, InvalidInput,
                   "tree JSON: field \"{}\" of {} must be an integer in range, got {}", key, where,
                   field.dump());
    return static_cast<T>(field.is_number_unsigned() ? static_cast<T>(field.get<std::uint64_t>())
                                                     : static_cast<T>(field.get<std::int64_t>()));
  } else {
    try {
      return field.get<T>();
    } catch (const Json::exception&) {
      SCMFORGE_THROW(InvalidInput, "tree JSON: field \"{}\" of {} has the wrong type: {}", key,
                     where, field.dump());
    }
  }
}

std::string feature_label(const Tree& tree, std::int32_t j) {
  if (!tree.features.empty() && !tree.features[static_cast<std::size_t>(j)].name.empty()) {
    return tree.features[static_cast<std::size_t>(j)].name;
  }
  return fmt::format("feature_{}", j);
}

std::string level_label(const Tree& tree, std::int32_t j, double code, int decimals) {
  if (!tree.features.empty()) {
    const auto& levels = tree.features[static_cast<std::size_t>(j)].levels;
    const auto c = static_cast<std::int64_t>(code);
    if (static_cast<double>(c) == code && c >= 0 && c < static_cast<std::int64_t>(levels.size())) {
      return levels[static_cast<std::size_t>(c)];
    }
  }
  return fmt::format("{:.{}f}", code, decimals);
}

std::string class_label(const Tree& tree, std::size_t c) {
  return tree.class_names.empty() ? std::to_string(c) : tree.class_names[c];
}

// "x3 <= 0.50" / "x3 >  0.50", or "color == red" / "color != red" for a category split.
std::string condition(const Tree& tree, std::int32_t node, bool left_side, int decimals) {
  const auto j = tree.feature[node];
  if (tree.kind[node] == SplitKind::kCategory) {
    return fmt::format("{} {} {}", feature_label(tree, j), left_side ? "==" : "!=",
                       level_label(tree, j, tree.threshold[node], decimals));
  }
  return fmt::format("{} {} {:.{}f}", feature_label(tree, j), left_side ? "<=" : "> ",
                     tree.threshold[node], decimals);
}

std::string leaf_summary(const Tree& tree, std::int32_t node, int decimals) {
  const auto k = static_cast<std::size_t>(tree.n_outputs);
  const double* v = tree.value.data() + static_cast<std::size_t>(node) * k;
  if (tree.task == TreeTask::kRegression) {
    return fmt::format("value: [{:.{}f}]", v[0], decimals);
  }
  std::size_t best = 0;
  for (std::size_t c = 1; c < k; ++c) {
    if (v[c] > v[best]) {
      best = c;
    }
  }
  return fmt::format("class: {}", class_label(tree, best));
}

void append_text(const Tree& tree, std::int32_t node, int depth, int decimals, std::string& out) {
  std::string indent;
  for (int i = 0; i < depth; ++i) {
    indent += "|   ";
  }
  if (tree.is_leaf(node)) {
    out += fmt::format("{}|--- {}\n", indent, leaf_summary(tree, node, decimals));
    return;
  }
  out += fmt::format("{}|--- {}\n", indent, condition(tree, node, true, decimals));
  append_text(tree, tree.left[node], depth + 1, decimals, out);
  out += fmt::format("{}|--- {}\n", indent, condition(tree, node, false, decimals));
  append_text(tree, tree.right[node], depth + 1, decimals, out);
}

std::string dot_escape(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

}  // namespace

std::string to_json(const Tree& tree) {
  tree.validate();
  Json features = Json::array();
  for (const auto& info : tree.features) {
    Json f{{"name", info.name},
           {"kind", info.kind == ColumnKind::kCategorical ? "categorical" : "numeric"}};
    if (info.kind == ColumnKind::kCategorical) {
      f["n_levels"] = info.n_levels;
      f["levels"] = info.levels;
    }
    features.push_back(std::move(f));
  }
  Json nodes = Json::array();
  const auto k = static_cast<std::size_t>(tree.n_outputs);
  for (std::int32_t i = 0; i < tree.node_count(); ++i) {
    const auto first =
        tree.value.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(i) * k);
    Json node{{"id", i},
              {"value", std::vector<double>(first, first + static_cast<std::ptrdiff_t>(k))},
              {"impurity", number_to_json(tree.impurity[i])},
              {"samples", tree.n_node_samples[i]},
              {"weighted_samples", tree.weighted_n_node_samples[i]}};
    if (!tree.is_leaf(i)) {
      node["feature"] = tree.feature[i];
      node["threshold"] = number_to_json(tree.threshold[i]);
      node["kind"] = tree.kind[i] == SplitKind::kCategory ? "category" : "threshold";
      node["missing"] = tree.missing_left[i] != 0 ? "left" : "right";
      node["left"] = tree.left[i];
      node["right"] = tree.right[i];
    }
    nodes.push_back(std::move(node));
  }
  const Json doc{{"format", "scmforge-tree"},
                 {"version", kFormatVersion},
                 {"task", tree.task == TreeTask::kRegression ? "regression" : "classification"},
                 {"n_features", tree.n_features},
                 {"n_outputs", tree.n_outputs},
                 {"features", std::move(features)},
                 {"classes", tree.class_names},
                 {"nodes", std::move(nodes)}};
  return doc.dump(1) + "\n";
}

namespace {

Tree tree_from_document(const Json& doc) {
  const std::string top = "the document";
  SCMFORGE_CHECK(doc.is_object() && doc.contains("format") && doc["format"].is_string() &&
                     doc["format"].get<std::string>() == "scmforge-tree",
                 InvalidInput,
                 "not a scmforge tree: the JSON has no \"format\": \"scmforge-tree\"");
  const auto version = get_field<int>(doc, "version", top);
  SCMFORGE_CHECK(version == kFormatVersion, InvalidInput,
                 "tree JSON version {} is not supported (this scmforge reads version {})", version,
                 kFormatVersion);
  Tree tree;
  const auto task = get_field<std::string>(doc, "task", top);
  SCMFORGE_CHECK(task == "classification" || task == "regression", InvalidInput,
                 "tree JSON: task must be \"classification\" or \"regression\", got \"{}\"", task);
  tree.task = task == "regression" ? TreeTask::kRegression : TreeTask::kClassification;
  tree.n_features = get_field<std::int32_t>(doc, "n_features", top);
  tree.n_outputs = get_field<std::int32_t>(doc, "n_outputs", top);
  SCMFORGE_CHECK(tree.n_features > 0 && tree.n_outputs > 0, InvalidInput,
                 "tree JSON: n_features ({}) and n_outputs ({}) must be > 0", tree.n_features,
                 tree.n_outputs);
  for (const auto& f : get_field<Json>(doc, "features", top)) {
    ColumnInfo info;
    info.name = get_field<std::string>(f, "name", "a feature");
    const auto kind = get_field<std::string>(f, "kind", "a feature");
    SCMFORGE_CHECK(kind == "numeric" || kind == "categorical", InvalidInput,
                   "tree JSON: feature \"{}\" has kind \"{}\" (numeric or categorical)", info.name,
                   kind);
    if (kind == "categorical") {
      info.kind = ColumnKind::kCategorical;
      info.n_levels = get_field<std::int32_t>(f, "n_levels", "a categorical feature");
      info.levels = get_field<std::vector<std::string>>(f, "levels", "a categorical feature");
    }
    tree.features.push_back(std::move(info));
  }
  tree.class_names = get_field<std::vector<std::string>>(doc, "classes", top);
  const auto nodes = get_field<Json>(doc, "nodes", top);
  SCMFORGE_CHECK(nodes.is_array() && !nodes.empty(), InvalidInput,
                 "tree JSON: \"nodes\" must be a non-empty array");
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const auto& node = nodes[i];
    const auto where = fmt::format("node {}", i);
    SCMFORGE_CHECK(get_field<std::int64_t>(node, "id", where) == static_cast<std::int64_t>(i),
                   InvalidInput, "tree JSON: node {} has id {} (nodes must be listed in id order)",
                   i, node.at("id").dump());
    const auto value = get_field<std::vector<double>>(node, "value", where);
    SCMFORGE_CHECK(value.size() == static_cast<std::size_t>(tree.n_outputs), InvalidInput,
                   "tree JSON: node {} has {} values, expected n_outputs = {}", i, value.size(),
                   tree.n_outputs);
    tree.add_node(value, number_from_json(get_field<Json>(node, "impurity", where), where),
                  get_field<std::int64_t>(node, "samples", where),
                  get_field<double>(node, "weighted_samples", where));
  }
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const auto& node = nodes[i];
    if (!node.contains("feature")) {
      continue;
    }
    const auto where = fmt::format("node {}", i);
    const auto kind = get_field<std::string>(node, "kind", where);
    SCMFORGE_CHECK(kind == "threshold" || kind == "category", InvalidInput,
                   "tree JSON: node {} has kind \"{}\" (threshold or category)", i, kind);
    const auto missing = get_field<std::string>(node, "missing", where);
    SCMFORGE_CHECK(missing == "left" || missing == "right", InvalidInput,
                   "tree JSON: node {} has missing \"{}\" (left or right)", i, missing);
    const auto id = static_cast<std::int32_t>(i);
    const auto left = get_field<std::int32_t>(node, "left", where);
    const auto right = get_field<std::int32_t>(node, "right", where);
    const auto feature = get_field<std::int32_t>(node, "feature", where);
    SCMFORGE_CHECK(left > 0 && left < tree.node_count() && right > 0 && right < tree.node_count() &&
                       feature >= 0,
                   InvalidInput,
                   "tree JSON: node {} has feature {} and children {}, {} (out of range)", i,
                   feature, left, right);
    tree.set_split(id, feature, number_from_json(get_field<Json>(node, "threshold", where), where),
                   kind == "category" ? SplitKind::kCategory : SplitKind::kThreshold,
                   missing == "left", left, right);
  }
  tree.validate();
  return tree;
}

}  // namespace

Tree from_json(const std::string& text) {
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const Json::exception& e) {
    SCMFORGE_THROW(InvalidInput, "tree JSON is not valid JSON: {}", e.what());
  }
  try {
    return tree_from_document(doc);
  } catch (const Json::exception& e) {
    // get_field checks types; this catches what slips through (e.g. a non-object in a list).
    SCMFORGE_THROW(InvalidInput, "tree JSON has an unexpected structure: {}", e.what());
  }
}

std::string to_dot(const Tree& tree) {
  tree.validate();
  const auto k = static_cast<std::size_t>(tree.n_outputs);
  std::string out =
      "digraph Tree {\nnode [shape=box, style=\"rounded\", fontname=\"helvetica\"];\n"
      "edge [fontname=\"helvetica\"];\n";
  for (std::int32_t i = 0; i < tree.node_count(); ++i) {
    std::vector<std::string> lines;
    if (!tree.is_leaf(i)) {
      lines.push_back(condition(tree, i, true, 4));
    }
    lines.push_back(fmt::format("impurity = {:.4g}", tree.impurity[i]));
    lines.push_back(fmt::format("samples = {}", tree.n_node_samples[i]));
    std::string values;
    for (std::size_t c = 0; c < k; ++c) {
      values += fmt::format("{}{:.4g}", c == 0 ? "" : ", ",
                            tree.value[static_cast<std::size_t>(i) * k + c]);
    }
    lines.push_back("value = [" + values + "]");
    if (tree.is_leaf(i)) {
      lines.push_back(leaf_summary(tree, i, 4));
    }
    std::string label;
    for (const auto& line : lines) {
      label += (label.empty() ? "" : "\\n") + dot_escape(line);
    }
    out += fmt::format("{} [label=\"{}\"];\n", i, label);
  }
  for (std::int32_t i = 0; i < tree.node_count(); ++i) {
    if (!tree.is_leaf(i)) {
      out += fmt::format("{} -> {} [label=\"True\"];\n{} -> {} [label=\"False\"];\n", i,
                         tree.left[i], i, tree.right[i]);
    }
  }
  return out + "}\n";
}

std::string to_text(const Tree& tree, int decimals) {
  tree.validate();
  SCMFORGE_CHECK(decimals >= 0 && decimals <= 17, InvalidInput,
                 "to_text: decimals must be in [0, 17], got {}", decimals);
  std::string out;
  append_text(tree, 0, 0, decimals, out);
  return out;
}

}  // namespace scmforge::tree
