// scmforge/core/table.hpp: column-major tables: real tables (float64) and prior datasets (float32).
//
// Short names used across scmforge: n = rows, d = features (columns), k = classes.
// Features are stored column-major: column j occupies values[j * n, (j + 1) * n). Missing values
// are NaN. Each column has a kind: numeric, or categorical with a known number of levels whose
// values are the level codes 0..levels-1 stored as floating point.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace scmforge {

enum class ColumnKind : std::uint8_t { kNumeric = 0, kCategorical = 1 };

/// Name, kind and (for categoricals) level labels of one column.
struct ColumnInfo {
  std::string name;
  ColumnKind kind = ColumnKind::kNumeric;
  /// Number of levels of a categorical column (0 for numeric).
  std::int32_t n_levels = 0;
  /// Labels of the levels, index = code; may be empty for generated data.
  std::vector<std::string> levels;
};

/// A column-major table of T (float for prior data, double for real tables).
template <typename T>
struct Table {
  std::int64_t n = 0;               // rows
  std::vector<ColumnInfo> columns;  // d entries
  std::vector<T> values;            // n * d values, column-major

  [[nodiscard]] std::int64_t d() const { return static_cast<std::int64_t>(columns.size()); }
  [[nodiscard]] std::span<const T> column(std::int64_t j) const {
    return {values.data() + j * n, static_cast<std::size_t>(n)};
  }
  [[nodiscard]] std::span<T> column(std::int64_t j) {
    return {values.data() + j * n, static_cast<std::size_t>(n)};
  }
  [[nodiscard]] T at(std::int64_t row, std::int64_t col) const { return values[col * n + row]; }
};

/// A real table with a class label: features (float64) plus int32 labels 0..k-1.
struct LabeledTable {
  Table<double> features;
  std::vector<std::int32_t> y;           // n labels, codes into class_names
  std::vector<std::string> class_names;  // k original label strings, index = code
  std::string target_name;
};

/// One synthetic classification dataset drawn from the prior.
///
/// x is column-major float32 (n * d); y holds labels 0..k-1 (every class present, k >= 2);
/// rows [0, single_eval_pos) are the training part and the rest the test part, and both parts
/// hold the same set of classes. categorical[j] is the number of levels of column j (0 when
/// numeric).
struct PriorDataset {
  std::uint64_t id = 0;  // index in the corpus = the RNG stream it was drawn from
  std::int32_t n = 0;    // rows
  std::int32_t d = 0;    // features after constant-column removal
  std::int32_t k = 0;    // classes
  std::int32_t single_eval_pos = 0;
  std::vector<float> x;                   // n * d, column-major
  std::vector<std::int32_t> y;            // n
  std::vector<std::int32_t> categorical;  // d: levels, 0 = numeric
  std::string prior_type;                 // "mlp", "tree" or "gp"
  std::int32_t attempts = 1;              // draws needed until the dataset was valid
};

/// Copies the features of `ds` row-major into `out`, a zero-initialised block of at least
/// ds.n rows of `f` floats: out[i * f + j] = x(i, j) for i < ds.n, j < ds.d (f >= ds.d). This is
/// the padded layout of prior dumps and of the Python / torch batches.
void copy_rows_padded(const PriorDataset& ds, std::size_t f, float* out);

}  // namespace scmforge
