// tests/cpp/causal/fixtures.hpp: reading causal-learn's whitespace-separated fixture files.
#pragma once

#include <gtest/gtest.h>

#include <Eigen/Core>
#include <algorithm>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
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

}  // namespace scmforge::causal::testing
