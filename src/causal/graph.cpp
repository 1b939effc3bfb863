// src/causal/graph.cpp: edge lists, JSON and DOT of a marked graph.
#include "scmforge/causal/graph.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "scmforge/core/error.hpp"

namespace scmforge::causal {
namespace {

const char* mark_name(std::int8_t m) {
  switch (m) {
    case -1:
      return "tail";
    case 1:
      return "arrow";
    case 2:
      return "circle";
    default:
      return "none";
  }
}

// The symbol at a's end (left) and at b's end (right).
char left_symbol(std::int8_t m) { return m == 1 ? '<' : m == 2 ? 'o' : '-'; }
char right_symbol(std::int8_t m) { return m == 1 ? '>' : m == 2 ? 'o' : '-'; }

}  // namespace

std::string edge_text(const CausalGraph& g, int a, int b) {
  return fmt::format("{} {}-{} {}", g.names[static_cast<std::size_t>(a)], left_symbol(g.mark(a, b)),
                     right_symbol(g.mark(b, a)), g.names[static_cast<std::size_t>(b)]);
}

std::string to_edge_list(const CausalGraph& g) {
  std::string out;
  for (int a = 0; a < g.d(); ++a)
    for (int b = a + 1; b < g.d(); ++b)
      if (g.mark(a, b) != 0) out += edge_text(g, a, b) + "\n";
  return out;
}

std::string to_json(const CausalGraph& g, const std::string& extra_json) {
  nlohmann::ordered_json doc;
  doc["format"] = "scmforge-graph";
  doc["version"] = 1;
  doc["nodes"] = g.names;
  nlohmann::json marks = nlohmann::json::array();
  nlohmann::json edges = nlohmann::json::array();
  for (int a = 0; a < g.d(); ++a) {
    std::vector<int> row;
    for (int b = 0; b < g.d(); ++b) row.push_back(g.mark(a, b));
    marks.push_back(row);
    for (int b = a + 1; b < g.d(); ++b)
      if (g.mark(a, b) != 0)
        edges.push_back({{"a", g.names[static_cast<std::size_t>(a)]},
                         {"b", g.names[static_cast<std::size_t>(b)]},
                         {"mark_a", mark_name(g.mark(a, b))},
                         {"mark_b", mark_name(g.mark(b, a))}});
  }
  doc["marks"] = marks;
  doc["edges"] = edges;
  const auto extra = nlohmann::json::parse(extra_json);
  SCMFORGE_CHECK(extra.is_object(), InvalidInput, "graph JSON extras must be an object");
  for (const auto& [key, value] : extra.items()) doc[key] = value;
  return doc.dump(1) + "\n";
}

std::string to_dot(const CausalGraph& g) {
  std::string out = "digraph G {\n";
  for (int a = 0; a < g.d(); ++a)
    out += fmt::format("  \"{}\";\n", g.names[static_cast<std::size_t>(a)]);
  for (int a = 0; a < g.d(); ++a)
    for (int b = a + 1; b < g.d(); ++b) {
      const std::int8_t ma = g.mark(a, b), mb = g.mark(b, a);
      if (ma == 0) continue;
      const auto head = [](std::int8_t m) { return m == 1 ? "normal" : m == 2 ? "odot" : "none"; };
      out += fmt::format("  \"{}\" -> \"{}\" [dir=both, arrowtail={}, arrowhead={}];\n",
                         g.names[static_cast<std::size_t>(a)], g.names[static_cast<std::size_t>(b)],
                         head(ma), head(mb));
    }
  return out + "}\n";
}

}  // namespace scmforge::causal
