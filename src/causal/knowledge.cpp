// src/causal/knowledge.cpp: checks of background knowledge.
#include "scmforge/causal/knowledge.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "scmforge/core/error.hpp"

namespace scmforge::causal {

void Knowledge::validate(int d) const {
  const auto check_edges = [d](const std::set<std::pair<int, int>>& edges, const char* kind) {
    for (const auto& [a, b] : edges) {
      SCMFORGE_CHECK(a >= 0 && a < d && b >= 0 && b < d, InvalidInput,
                     "background knowledge: {} edge ({}, {}) names a variable outside 0..{}", kind,
                     a, b, d - 1);
      SCMFORGE_CHECK(a != b, InvalidInput, "background knowledge: {} edge {} -> {} is a self-loop",
                     kind, a, b);
    }
  };
  check_edges(forbidden, "forbidden");
  check_edges(required, "required");
  SCMFORGE_CHECK(tier.empty() || static_cast<int>(tier.size()) == d, InvalidInput,
                 "background knowledge: {} tiers given for {} variables; give one per variable "
                 "(-1 for none)",
                 tier.size(), d);
  for (const auto& [a, b] : required) {
    SCMFORGE_CHECK(required.count({b, a}) == 0, InvalidInput,
                   "background knowledge: edges {} -> {} and {} -> {} are both required; keep one",
                   a, b, b, a);
    SCMFORGE_CHECK(!forbids(a, b), InvalidInput,
                   "background knowledge: edge {} -> {} is both required and forbidden (by a rule "
                   "or by the tiers); drop one",
                   a, b);
  }
}

Knowledge parse_knowledge(const std::string& json, const std::vector<std::string>& names) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json);
  } catch (const nlohmann::json::parse_error& e) {
    SCMFORGE_THROW(InvalidInput, "background knowledge is not valid JSON: {}", e.what());
  }
  SCMFORGE_CHECK(j.is_object(), InvalidInput,
                 "background knowledge must be a JSON object with keys forbidden, required, tiers, "
                 "forbidden_within_tiers");
  const auto index = [&names](const nlohmann::json& v) {
    SCMFORGE_CHECK(v.is_string(), InvalidInput,
                   "background knowledge: variables are given by name, got {}", v.dump());
    const auto name = v.get<std::string>();
    const auto it = std::find(names.begin(), names.end(), name);
    SCMFORGE_CHECK(it != names.end(), InvalidInput,
                   "background knowledge names '{}', which is not a column", name);
    return static_cast<int>(it - names.begin());
  };
  Knowledge k;
  for (const auto& [key, value] : j.items()) {
    if (key == "forbidden" || key == "required") {
      SCMFORGE_CHECK(value.is_array(), InvalidInput,
                     "background knowledge: '{}' must be a list of [from, to] pairs", key);
      for (const auto& edge : value) {
        SCMFORGE_CHECK(edge.is_array() && edge.size() == 2, InvalidInput,
                       "background knowledge: '{}' holds {}, not a [from, to] pair", key,
                       edge.dump());
        (key == "forbidden" ? k.forbidden : k.required).insert({index(edge[0]), index(edge[1])});
      }
    } else if (key == "tiers") {
      SCMFORGE_CHECK(value.is_array(), InvalidInput,
                     "background knowledge: 'tiers' must be a list of lists of names");
      k.tier.assign(names.size(), -1);
      for (std::size_t t = 0; t < value.size(); ++t) {
        SCMFORGE_CHECK(value[t].is_array(), InvalidInput,
                       "background knowledge: tier {} must be a list of names", t);
        for (const auto& v : value[t]) {
          const int i = index(v);
          SCMFORGE_CHECK(k.tier[static_cast<std::size_t>(i)] < 0, InvalidInput,
                         "background knowledge: '{}' is in two tiers",
                         names[static_cast<std::size_t>(i)]);
          k.tier[static_cast<std::size_t>(i)] = static_cast<int>(t);
        }
      }
    } else if (key == "forbidden_within_tiers") {
      SCMFORGE_CHECK(
          value.is_array(), InvalidInput,
          "background knowledge: 'forbidden_within_tiers' must be a list of tier numbers");
      for (const auto& t : value) {
        SCMFORGE_CHECK(t.is_number_integer() && t.get<int>() >= 0, InvalidInput,
                       "background knowledge: tier numbers are integers >= 0, got {}", t.dump());
        k.forbidden_within_tiers.insert(t.get<int>());
      }
    } else {
      SCMFORGE_THROW(InvalidInput,
                     "background knowledge: unknown key '{}'; use forbidden, required, tiers, "
                     "forbidden_within_tiers",
                     key);
    }
  }
  k.validate(static_cast<int>(names.size()));
  return k;
}

std::string knowledge_json(const Knowledge& k, const std::vector<std::string>& names) {
  nlohmann::json j = nlohmann::json::object();
  const auto name = [&names](int i) { return names[static_cast<std::size_t>(i)]; };
  for (const auto& [a, b] : k.forbidden) j["forbidden"].push_back({name(a), name(b)});
  for (const auto& [a, b] : k.required) j["required"].push_back({name(a), name(b)});
  if (!k.tier.empty()) {
    const int tiers = *std::max_element(k.tier.begin(), k.tier.end()) + 1;
    j["tiers"] = nlohmann::json::array();
    for (int t = 0; t < tiers; ++t) {
      nlohmann::json members = nlohmann::json::array();
      for (std::size_t i = 0; i < k.tier.size(); ++i)
        if (k.tier[i] == t) members.push_back(names[i]);
      j["tiers"].push_back(members);
    }
  }
  for (const int t : k.forbidden_within_tiers) j["forbidden_within_tiers"].push_back(t);
  return j.dump();
}

}  // namespace scmforge::causal
