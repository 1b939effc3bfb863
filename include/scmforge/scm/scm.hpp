// scmforge/scm/scm.hpp: a structural causal model fitted on a table and a DAG: sample, intervene,
// save, load.
//
//   Scm scm = Scm::fit(table, {{"age", "income"}, {"income", "class"}}, options);
//   Table<double> rows = scm.sample(10000, /*seed=*/7);             // observational
//   Table<double> moved = scm.intervene({{"income", 50000}}).sample(10000, 7);  // do(income)
//   scm.save("model.scm");  Scm again = Scm::load("model.scm");
//
// Fitting (modular, as DoWhy gcm's `fit`): every column is a node; each node's mechanism is
// fitted independently from its parents' training values (scm/mechanism.hpp), nodes in
// parallel on `FitOptions::threads` threads. The result does not depend on the thread count.
//
// Sampling: nodes in topological order (Kahn's algorithm, ties broken by column index), rows
// in blocks of kSampleBlock. The randomness of node j in block b comes from the Philox stream
//   Rng(seed, derive_stream(derive_stream(kSampleStream, j), b)),
// so the sampled bytes depend only on (model, n, seed): not on the thread count, and a row
// block of a larger sample equals the same block of a smaller one.
//
// Input table (Table<double>, column-major, core/table.hpp): at least 2 rows and 1 column;
// unique, non-empty column names; numeric values finite or NaN; categorical values level codes
// 0..n_levels-1 or NaN. Missing values follow FitOptions::missing. A column whose (non-missing)
// values are all equal is rejected: it carries nothing to learn; drop it first.
//
// File format (version 1): see docs/scm.md. In short: a first line "scmforge-scm 1", a second
// line "<header bytes> <payload bytes> <crc32 hex>", a JSON header describing columns, options
// and mechanisms, then a binary payload of little-endian arrays the header points into. The
// CRC-32 covers header and payload: a truncated or altered file is rejected with InvalidInput.
// Loading parses data only; it never runs code.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scmforge/core/table.hpp"
#include "scmforge/scm/mechanism.hpp"

namespace scmforge::scm {

/// Stream domain of sampling ("scmsamp"); see the file comment.
inline constexpr std::uint64_t kSampleStream = 0x73636d73616d70ULL;
/// Rows per sampling block (one Philox stream per node and block).
inline constexpr std::int64_t kSampleBlock = 4096;
/// Version of the .scm file format this build writes (and the newest it reads).
inline constexpr int kFormatVersion = 1;

/// A directed edge parent -> child between two column names.
struct Edge {
  std::string parent;
  std::string child;
};

/// do(node = value). For a categorical node, give the level label in `level` (then `value` is
/// ignored) or its code in `value`; for a numeric node, the value (any finite number: not
/// clipped to the training range).
struct Intervention {
  std::string node;
  double value = 0.0;
  std::string level;
};

/// A fitted SCM. Cheap to copy relative to fitting; immutable after fit / load.
class Scm {
 public:
  /// Fits one mechanism per column of `data` given `edges` (a DAG over the column names;
  /// columns in no edge are roots). Throws InvalidInput naming the problem: an edge naming an
  /// unknown column (listing the columns), a self-loop, a directed cycle (printed as
  /// a -> b -> ... -> a), a table with < 2 rows, a duplicate or empty column name, a constant
  /// column, NaN under MissingPolicy::kError (column and row), a bad categorical code, an
  /// infinite value, a categorical level with a single row at a node with parents, or invalid
  /// options.
  static Scm fit(const Table<double>& data, std::span<const Edge> edges,
                 const FitOptions& options = {});

  /// Draws n rows (n >= 1) in topological order. Returns n x d, column-major, with the
  /// training columns' names, kinds and levels; categorical values are level codes. Threads:
  /// <= 0 = all cores. Throws InvalidInput for n <= 0.
  [[nodiscard]] Table<double> sample(std::int64_t n, std::uint64_t seed, int threads = 0) const;

  /// A copy whose intervened nodes are constant (their incoming edges cut). Throws InvalidInput
  /// for an unknown node, a non-finite value, a level that is not one of the column's labels,
  /// a categorical code out of range, or the same node twice.
  [[nodiscard]] Scm intervene(std::span<const Intervention> interventions) const;

  /// The model as bytes in the .scm format; from_bytes reads them back (`name` stands for the
  /// file in error messages). from_bytes throws InvalidInput for a bad magic line, an unknown
  /// version, a size mismatch (truncated file), a checksum mismatch (altered file) or
  /// inconsistent contents.
  [[nodiscard]] std::string to_bytes() const;
  static Scm from_bytes(std::string_view bytes, std::string_view name = "<memory>");
  /// Writes to_bytes() atomically to `path` (Io on failure); load reads a file written so.
  void save(const std::string& path) const;
  static Scm load(const std::string& path);

  /// Columns of the training table (names, kinds, levels), d entries.
  [[nodiscard]] const std::vector<ColumnInfo>& columns() const { return columns_; }
  /// Training range of every column (min / max / decimals; unused for categoricals).
  [[nodiscard]] const std::vector<ColumnRange>& ranges() const { return ranges_; }
  /// Node j's mechanism (j = column index).
  [[nodiscard]] const Mechanism& mechanism(std::int64_t j) const {
    return mechanisms_[static_cast<std::size_t>(j)];
  }
  /// Topological order used for sampling (column indices).
  [[nodiscard]] const std::vector<std::int32_t>& order() const { return order_; }
  /// Edges of the graph the model was fitted on (after intervene: the cut edges are gone).
  [[nodiscard]] std::vector<Edge> edges() const;
  /// The options used to fit.
  [[nodiscard]] const FitOptions& options() const { return options_; }
  /// Training rows, and NaN values imputed per column (all 0 unless MissingPolicy::kImpute).
  [[nodiscard]] std::int64_t rows_fitted() const { return rows_fitted_; }
  [[nodiscard]] const std::vector<std::int64_t>& imputed() const { return imputed_; }
  /// One JSON object per node: name, kind (numeric / categorical), mechanism, parents, the
  /// auto mode's cross-validated errors and the imputed count (a JSON array, for reports).
  [[nodiscard]] std::string summary_json() const;
  /// JSON text stored with the model for its callers ("" when none): the Python package keeps
  /// the input's pandas dtypes and category values here. Loading never interprets it.
  [[nodiscard]] const std::string& metadata() const { return metadata_; }
  /// A copy carrying `json_text` (canonicalised; "" clears it). Throws InvalidInput when the
  /// text is not valid JSON.
  [[nodiscard]] Scm with_metadata(std::string_view json_text) const;

 private:
  std::vector<ColumnInfo> columns_;
  std::vector<ColumnRange> ranges_;
  std::vector<Mechanism> mechanisms_;
  std::vector<std::int32_t> order_;
  FitOptions options_;
  std::int64_t rows_fitted_ = 0;
  std::vector<std::int64_t> imputed_;
  std::string metadata_;

  friend struct ScmAccess;  // the file format (src/scm/scm_format.cpp)
};

/// Parses an edge list: JSON (a list of [parent, child] pairs, an object {"edges": [...]}
/// holding such pairs, or a scmforge-graph file from `scmforge causal pc`, whose edges must all
/// be directed) or text (one edge per line as "a -> b", "a,b" or "a b"; '#' starts a
/// comment). Throws InvalidInput naming the line or entry that does not parse, or an undirected
/// edge of a graph file.
std::vector<Edge> parse_edges(std::string_view text, std::string_view name = "<graph>");

}  // namespace scmforge::scm
