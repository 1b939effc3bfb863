// tests/cpp/causal/fixtures.hpp: reading causal-learn's whitespace-separated fixture files.
#pragma once

#include <gtest/gtest.h>

#include <Eigen/Core>
#include <fstream>
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

}  // namespace scmforge::causal::testing
