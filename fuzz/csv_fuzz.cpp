// fuzz/csv_fuzz.cpp: libFuzzer target over the in-memory CSV parser and its round trip.
//
// Every input is parsed as a table without a target and as a labeled table (default options).
// A scmforge::Error is an accepted outcome; a crash, a sanitizer report or any other exception is
// a bug. Whatever parses must survive format_csv -> parse unchanged (otherwise: abort).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scmforge/core/error.hpp"
#include "scmforge/io/csv.hpp"

namespace {

using scmforge::LabeledTable;
using scmforge::Table;

bool same_value(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || (a == b && std::signbit(a) == std::signbit(b));
}

bool same_table(const Table<double>& a, const Table<double>& b) {
  if (a.n != b.n || a.d() != b.d() || a.values.size() != b.values.size()) {
    return false;
  }
  for (std::int64_t j = 0; j < a.d(); ++j) {
    const auto& x = a.columns[j];
    const auto& y = b.columns[j];
    if (x.name != y.name || x.kind != y.kind || x.n_levels != y.n_levels || x.levels != y.levels) {
      return false;
    }
  }
  for (std::size_t i = 0; i < a.values.size(); ++i) {
    if (!same_value(a.values[i], b.values[i])) {
      return false;
    }
  }
  return true;
}

bool same_labeled(const LabeledTable& a, const LabeledTable& b) {
  return same_table(a.features, b.features) && a.y == b.y && a.class_names == b.class_names &&
         a.target_name == b.target_name;
}

void check(bool ok) {
  if (!ok) {
    std::abort();
  }
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the entry point libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view content(reinterpret_cast<const char*>(data), size);
  try {
    const Table<double> table = scmforge::io::parse_csv_table(content, "fuzz");
    check(
        same_table(scmforge::io::parse_csv_table(scmforge::io::format_csv(table), "again"), table));
  } catch (const scmforge::Error&) {
  }
  try {
    const LabeledTable labeled = scmforge::io::parse_labeled_csv(content, "fuzz");
    check(same_labeled(scmforge::io::parse_labeled_csv(scmforge::io::format_csv(labeled), "again"),
                       labeled));
  } catch (const scmforge::Error&) {
  }
  return 0;
}
