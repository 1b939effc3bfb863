// tests/cpp/causal/fixtures.hpp: reading causal-learn's whitespace-separated fixture files.
#pragma once

#include <gtest/gtest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cctype>
#include <deque>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace scmforge::causal::testing {

inline const std::string kFixtures =
    std::string(SCMFORGE_SHARED_DIR) + "/fixtures/causal-learn/TestData/";

/// The rows of a whitespace-separated numeric file (np.loadtxt), after `skip` header lines.
inline std::vector<std::vector<double>> load_rows(const std::string& path, int skip) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::string line;
  for (int i = 0; i < skip; ++i) std::getline(in, line);
  std::vector<std::vector<double>> rows;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::vector<double> row;
    for (double v; fields >> v;) row.push_back(v);
    if (!row.empty()) rows.push_back(std::move(row));
  }
  return rows;
}

/// The same as an Eigen matrix (rows x columns).
inline Eigen::MatrixXd load_matrix(const std::string& path, int skip) {
  const auto rows = load_rows(path, skip);
  Eigen::MatrixXd m(static_cast<Eigen::Index>(rows.size()),
                    static_cast<Eigen::Index>(rows.empty() ? 0 : rows[0].size()));
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t j = 0; j < rows[i].size(); ++j)
      m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = rows[i][j];
  return m;
}

/// The d-separation oracle of the DAG 0 -> 2 <- 1, 2 -> 3 as a CI test (p = 1 independent,
/// 0 dependent): 0 _||_ 1 given nothing (not given 2 or 3); 0, 1 _||_ 3 given 2.
inline std::function<double(int, int, const std::vector<int>&)> collider_then_chain_oracle() {
  return [](int x, int y, const std::vector<int>& s) {
    const auto has = [&s](int v) { return std::find(s.begin(), s.end(), v) != s.end(); };
    const int a = std::min(x, y), b = std::max(x, y);
    if (a == 0 && b == 1) return has(2) || has(3) ? 0.0 : 1.0;
    if ((a == 0 || a == 1) && b == 3) return has(2) ? 1.0 : 0.0;
    return 0.0;
  };
}

/// A DAG over named nodes (Tetrad text graph, "Graph Nodes:" then "N. A --> B" lines).
struct NamedDag {
  std::vector<std::string> names;
  std::vector<std::vector<int>> parents;  // per node
  [[nodiscard]] int index(const std::string& name) const {
    const auto it = std::find(names.begin(), names.end(), name);
    EXPECT_TRUE(it != names.end()) << name;
    return static_cast<int>(it - names.begin());
  }
};

/// The nodes line and the edges ("A --> B", or any marks: returned as (a, mark a, mark b, b)
/// with marks as characters '-', '>' / '<', 'o') of a Tetrad text graph.
struct TetradGraph {
  std::vector<std::string> nodes;
  std::vector<std::tuple<std::string, char, char, std::string>> edges;
};

inline TetradGraph read_tetrad_graph(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  TetradGraph g;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line == "Graph Nodes:") {
      std::getline(in, line);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      std::stringstream names(line);
      for (std::string name; std::getline(names, name, ';');) g.nodes.push_back(name);
    } else if (!line.empty() && std::isdigit(static_cast<unsigned char>(line[0])) != 0) {
      std::istringstream fields(line);
      std::string number, a, arrow, b;
      fields >> number >> a >> arrow >> b;
      EXPECT_EQ(arrow.size(), 3U) << line;
      g.edges.emplace_back(a, arrow.front(), arrow.back(), b);
    }
  }
  return g;
}

inline NamedDag read_tetrad_dag(const std::string& path) {
  const TetradGraph t = read_tetrad_graph(path);
  NamedDag dag{t.nodes, std::vector<std::vector<int>>(t.nodes.size())};
  for (const auto& [a, mark_a, mark_b, b] : t.edges) {
    EXPECT_TRUE(mark_a == '-' && mark_b == '>') << path;
    dag.parents[static_cast<std::size_t>(dag.index(b))].push_back(dag.index(a));
  }
  return dag;
}

/// Whether x and y are d-separated given z in `dag` (reachability over (node, direction)).
inline bool d_separated(const NamedDag& dag, int x, int y, const std::vector<int>& z) {
  const auto n = dag.names.size();
  std::vector<std::vector<int>> children(n);
  for (std::size_t v = 0; v < n; ++v)
    for (int p : dag.parents[v])
      children[static_cast<std::size_t>(p)].push_back(static_cast<int>(v));
  std::vector<char> in_z(n, 0), ancestor_of_z(n, 0);
  std::deque<int> up(z.begin(), z.end());
  for (int v : z) in_z[static_cast<std::size_t>(v)] = 1;
  while (!up.empty()) {
    const int v = up.front();
    up.pop_front();
    if (ancestor_of_z[static_cast<std::size_t>(v)] != 0) continue;
    ancestor_of_z[static_cast<std::size_t>(v)] = 1;
    for (int p : dag.parents[static_cast<std::size_t>(v)]) up.push_back(p);
  }
  // State: (node, arrived from a child = 0 / from a parent = 1).
  std::vector<char> seen(2 * n, 0);
  std::deque<std::pair<int, int>> queue{{x, 0}};
  while (!queue.empty()) {
    const auto [v, from_parent] = queue.front();
    queue.pop_front();
    const auto vs = static_cast<std::size_t>(v);
    if (seen[2 * vs + static_cast<std::size_t>(from_parent)] != 0) continue;
    seen[2 * vs + static_cast<std::size_t>(from_parent)] = 1;
    if (v == y) return false;
    if (from_parent == 0 && in_z[vs] == 0) {
      for (int p : dag.parents[vs]) queue.emplace_back(p, 0);
      for (int c : children[vs]) queue.emplace_back(c, 1);
    } else if (from_parent == 1) {
      if (in_z[vs] == 0)
        for (int c : children[vs]) queue.emplace_back(c, 1);
      if (ancestor_of_z[vs] != 0)
        for (int p : dag.parents[vs]) queue.emplace_back(p, 0);
    }
  }
  return true;
}

/// The d-separation oracle of `dag` over the observed nodes `observed` (indices into the DAG; the
/// test's variable i is observed[i]) as a CI test: p = 1 separated, 0 connected.
inline std::function<double(int, int, const std::vector<int>&)> dsep_oracle(
    NamedDag dag, std::vector<int> observed) {
  return [dag = std::move(dag), observed = std::move(observed)](int x, int y,
                                                                const std::vector<int>& s) {
    std::vector<int> z;
    for (int v : s) z.push_back(observed[static_cast<std::size_t>(v)]);
    return d_separated(dag, observed[static_cast<std::size_t>(x)],
                       observed[static_cast<std::size_t>(y)], z)
               ? 1.0
               : 0.0;
  };
}

}  // namespace scmforge::causal::testing
