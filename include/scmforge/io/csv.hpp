// scmforge/io/csv.hpp: read and write real tables as CSV (types, missing values, categoricals).
//
// Reading turns a CSV file into a column-major float64 `Table<double>` (n rows, d columns,
// column j at values[j * n, (j + 1) * n)), or into a `LabeledTable` whose target column becomes
// int32 class codes 0..k-1 and is removed from the features. The accepted format:
//
//   * one header row of column names, then one record per row; all records have as many fields
//     as the header (a different count is an error naming the line);
//   * RFC 4180 quoting: a field that starts with '"' runs to the matching '"' and may hold the
//     delimiter, line breaks and doubled quotes ("" stands for one "). Only spaces and tabs may
//     follow the closing quote. A '"' inside an unquoted field is kept as an ordinary character;
//   * line ends LF, CRLF or a lone CR; a UTF-8 byte order mark at the start is skipped; lines
//     with no characters at all are skipped;
//   * spaces and tabs around an unquoted field are trimmed; a quoted field is taken verbatim;
//   * gzip-compressed input is recognised by its magic bytes (1f 8b), whatever the file name;
//   * a field is missing when it is empty (quoted or not) or, unquoted, equals one of
//     `CsvOptions::missing_tokens` ignoring ASCII case. Missing features become NaN.
//
// Column types are inferred per column: a column is numeric when every non-missing field parses
// completely as a finite double (std::from_chars, general format, an optional leading '+');
// otherwise it is categorical, its distinct strings sorted bytewise are its levels, and the
// values are the level codes 0..L-1 stored as doubles (ColumnInfo::levels[code] is the label).
// A column whose fields are all missing is numeric (all NaN). Constant columns are kept.
//
// Class labels of the target column are kept as strings in `LabeledTable::class_names`, ordered
// numerically when every label parses as a finite number (ties by string) and bytewise
// otherwise; y[i] is the index of row i's label. The target must have no missing values and at
// least two classes.
//
// Errors: `Io` when the file cannot be opened, read or written; `InvalidInput` for bad contents.
// Messages start with "<name>, line L, column C" (1-based; the column is the field number, and
// the line is where the record starts), quote the offending text and say how to fix it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scmforge/core/table.hpp"

namespace scmforge::io {

/// How to read a CSV table. The defaults read the staged datasets in ../shared/datasets.
struct CsvOptions {
  /// Field separator. Must not be '"', '\n' or '\r'.
  char delimiter = ',';
  /// Unquoted fields equal to one of these (ASCII case-insensitive) are missing. The empty field
  /// is always missing and need not be listed.
  std::vector<std::string> missing_tokens = {"NA", "NaN", "?", "null", "N/A"};
  /// read_labeled_csv only: the name of the target column; empty = choose by `target_index`.
  std::string target;
  /// read_labeled_csv only: the 0-based index of the target column among all columns;
  /// negative counts from the end (-1 = the last column, the default when neither is set).
  /// Setting both `target` and `target_index` is an error.
  std::optional<int> target_index;
};

/// Reads a CSV file (plain or gzip) into a table of all its columns, with no target.
///
/// Returns n rows x d columns, column-major; `columns[j]` holds the header name, the inferred
/// kind and, for categoricals, the level labels. `options.target` and `options.target_index`
/// must be unset.
/// Throws Io when `path` cannot be read, InvalidInput for bad contents (see the file comment).
Table<double> read_csv_table(const std::string& path, const CsvOptions& options = {});

/// Reads a CSV file (plain or gzip) whose target column holds class labels.
///
/// The target column is chosen by `options.target` (name) or `options.target_index` (default:
/// the last column). Returns features of n rows x (columns - 1), column-major in file order with
/// the target removed; y (n int32 codes), class_names (k labels) and target_name.
/// Throws Io when `path` cannot be read; InvalidInput for bad contents, an unknown target name,
/// an index out of range, a missing label (naming its line) or fewer than two classes.
LabeledTable read_labeled_csv(const std::string& path, const CsvOptions& options = {});

/// As read_csv_table, over CSV text already in memory (plain or gzip bytes). `name` stands for
/// the file in error messages (e.g. the path it came from, or "<memory>").
Table<double> parse_csv_table(std::string_view content, std::string_view name,
                              const CsvOptions& options = {});

/// As read_labeled_csv, over CSV text already in memory (plain or gzip bytes). `name` stands for
/// the file in error messages.
LabeledTable parse_labeled_csv(std::string_view content, std::string_view name,
                               const CsvOptions& options = {});

/// Formats a table as CSV text: a header of column names, then n rows, comma-separated, LF line
/// ends.
///
/// Numeric values use the shortest text that reads back to the same double; NaN is an empty
/// field. Categorical codes are written as their level labels (as the code when the column has
/// no labels). Fields that need it are quoted: those holding a comma, a quote, a line break, a
/// leading byte order mark, leading or trailing spaces or tabs, or text equal to a default
/// missing token; in a one-column table an empty field is written as "" so that the row is not
/// a blank line. Parsing the text with default options gives back an identical table for any
/// table that parsing returned.
/// Throws InvalidInput when values.size() != n * d, for infinite values, or for codes that are
/// not a level (naming the column and row).
std::string format_csv(const Table<double>& table);

/// Formats a labeled table: the feature columns, then the target column named `target_name`
/// whose fields are `class_names[y[i]]` (so the default target of a reader is this column).
/// Throws InvalidInput when y.size() != n or a label code is not in [0, k); otherwise as above.
std::string format_csv(const LabeledTable& table);

/// Writes format_csv(table) to `path`; a path ending in ".gz" is gzip-compressed.
///
/// The file is written to a temporary name in the same folder and renamed over `path` at the
/// end, so a failure leaves no partial file and no temporary behind.
/// Throws InvalidInput as format_csv does (before anything is written), Io when the file cannot
/// be written.
void write_csv(const std::string& path, const Table<double>& table);

/// Writes format_csv(table) of a labeled table to `path`, as the overload above. Reading the file
/// back with read_labeled_csv (default options) gives an identical LabeledTable for any table
/// read_labeled_csv returned.
void write_csv(const std::string& path, const LabeledTable& table);

}  // namespace scmforge::io
