// scmforge/causal/discrete_test.hpp: chi-square and G-square conditional-independence tests.
//
// Columns are re-coded to 0..k-1 by their sorted distinct values (so the raw codes do not
// matter). For x, y given S, the rows are grouped by their S configuration; only configurations
// that occur form strata. In stratum s the expected count of cell (i, j) is
// n_s(x=i) n_s(y=j) / n_s. The statistic sums (c - e)^2 / e (chi-square) or 2 c ln(c / e)
// (G-square) over cells with e > 0, and the degrees of freedom sum, over strata,
// (kx - 1 - empty rows) (ky - 1 - empty columns), where kx, ky are the full cardinalities and an
// empty row (column) is a value of x (y) that does not occur in the stratum. The p-value is the
// chi-square survival function, 1 when there are no degrees of freedom. This is causal-learn's
// `chisq` / `gsq` (`Chisq_or_Gsq`), so the same data give the same p-values up to rounding.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace scmforge::causal {

class DiscreteTest {
 public:
  enum class Statistic { kChiSquare, kGSquare };

  /// `data`: n x d, column-major, every value finite (the distinct values of a column are its
  /// levels). Throws InvalidInput for no rows, fewer than 2 columns or a non-finite value
  /// (naming the column).
  DiscreteTest(const Eigen::MatrixXd& data, Statistic statistic,
               std::vector<std::string> names = {});

  /// The p-value of x independent of y given the columns in `s`.
  [[nodiscard]] double p_value(int x, int y, std::span<const int> s) const;

  [[nodiscard]] int columns() const { return static_cast<int>(card_.size()); }
  /// Levels of each column.
  [[nodiscard]] const std::vector<int>& cardinalities() const { return card_; }

 private:
  Statistic statistic_;
  std::int64_t n_ = 0;
  std::vector<std::vector<std::int32_t>> codes_;  // per column, the level code of every row
  std::vector<int> card_;
};

/// The chi-square survival function P(X > x) for `df` degrees of freedom (> 0): the regularised
/// upper incomplete gamma function Q(df / 2, x / 2).
double chi2_sf(double x, double df);

}  // namespace scmforge::causal
