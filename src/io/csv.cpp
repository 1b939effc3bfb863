// src/io/csv.cpp: the CSV tokenizer, column type inference, gzip handling and CSV writing.
#include "scmforge/io/csv.hpp"

#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <numeric>
#include <span>
#include <unordered_map>

#include "scmforge/core/error.hpp"
#include "scmforge/io/file.hpp"

namespace scmforge::io {
namespace {

constexpr std::size_t kExcerptBytes = 60;
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::string_view kDefaultMissing[] = {"NA", "NaN", "?", "null", "N/A"};
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Text for an error message: the first line of `s`, cut to kExcerptBytes at a UTF-8 boundary.
std::string excerpt(std::string_view s) {
  std::size_t end = std::min(s.find_first_of("\r\n"), s.size());
  bool cut = false;
  if (end > kExcerptBytes) {
    end = kExcerptBytes;
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) {
      --end;
    }
    cut = true;
  }
  return fmt::format("'{}{}'", s.substr(0, end), cut ? "..." : "");
}

// "1 field", "3 fields".
std::string fields(std::size_t count) {
  return fmt::format("{} field{}", count, count == 1 ? "" : "s");
}

std::string where(std::string_view name, std::int64_t line, std::size_t column) {
  return fmt::format("{}, line {}, column {}", name, line, column);
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equal_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

// Parses all of `s` as a finite double (an optional leading '+' allowed).
bool parse_finite(std::string_view s, double& value) {
  if (s.size() > 1 && s[0] == '+' && s[1] != '+' && s[1] != '-') {
    s.remove_prefix(1);
  }
  const char* end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, value);
  return ec == std::errc() && ptr == end && std::isfinite(value);
}

bool is_gzip(std::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b;
}

// Decompresses gzip bytes (one or more concatenated members).
std::string gunzip(std::string_view in, std::string_view name) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) {
    throw std::bad_alloc();
  }
  // The output doubles when full; zlib's counters are 32-bit, so it gets at most 1 GiB per call.
  std::string out(std::max<std::size_t>(in.size() * 4, 1 << 16), '\0');
  std::size_t in_pos = 0;
  std::size_t out_pos = 0;
  int rc = Z_OK;
  while (true) {
    if (zs.avail_in == 0 && in_pos < in.size()) {
      const std::size_t chunk = std::min<std::size_t>(in.size() - in_pos, 1U << 30);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + in_pos));
      zs.avail_in = static_cast<uInt>(chunk);
      in_pos += chunk;
    }
    if (out_pos == out.size()) {
      out.resize(out.size() * 2);
    }
    const std::size_t room = std::min<std::size_t>(out.size() - out_pos, 1U << 30);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + out_pos);
    zs.avail_out = static_cast<uInt>(room);
    rc = inflate(&zs, Z_NO_FLUSH);
    out_pos += room - zs.avail_out;
    const bool input_left = zs.avail_in > 0 || in_pos < in.size();
    if (rc == Z_STREAM_END) {
      if (!input_left) {
        break;
      }
      // Another member follows (as `cat a.gz b.gz` makes); anything else is an error.
      const std::size_t consumed = in_pos - zs.avail_in;
      if (!is_gzip(in.substr(consumed))) {
        inflateEnd(&zs);
        SCMFORGE_THROW(InvalidInput,
                       "{}: unexpected bytes after the end of the gzip data (at byte {}); the file "
                       "is damaged: compress it again",
                       name, consumed);
      }
      inflateReset(&zs);
    } else if (rc == Z_BUF_ERROR && !input_left && zs.avail_out > 0) {
      // No progress with all input used and room left: the stream ends early.
      inflateEnd(&zs);
      SCMFORGE_THROW(InvalidInput,
                     "{}: the gzip data is truncated (it ends before the end of the stream); the "
                     "file was cut short: copy or compress it again",
                     name);
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      const std::string message = zs.msg != nullptr ? zs.msg : fmt::format("zlib code {}", rc);
      inflateEnd(&zs);
      if (rc == Z_MEM_ERROR) {
        throw std::bad_alloc();
      }
      SCMFORGE_THROW(InvalidInput,
                     "{}: the file starts like gzip (bytes 1f 8b) but is not valid gzip data "
                     "({}); decompress it with gunzip to check it, or compress it again",
                     name, message);
    }
  }
  inflateEnd(&zs);
  out.resize(out_pos);
  return out;
}

// Compresses bytes as one gzip member.
std::string gzip(std::string_view in) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    throw std::bad_alloc();
  }
  std::string out;
  std::size_t in_pos = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (zs.avail_in == 0 && in_pos < in.size()) {
      const std::size_t chunk = std::min<std::size_t>(in.size() - in_pos, 1U << 30);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + in_pos));
      zs.avail_in = static_cast<uInt>(chunk);
      in_pos += chunk;
    }
    const std::size_t old_size = out.size();
    const std::size_t room = 1 << 16;
    out.resize(old_size + room);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + old_size);
    zs.avail_out = static_cast<uInt>(room);
    const bool last = zs.avail_in == 0 && in_pos == in.size();
    rc = deflate(&zs, last ? Z_FINISH : Z_NO_FLUSH);
    out.resize(old_size + room - zs.avail_out);
  }
  deflateEnd(&zs);
  return out;
}

// Every field of a CSV text, unquoted and trimmed, back to back in one buffer (one allocation for
// all fields). Record 0 is the header; record r's field c is field r * width + c.
struct Records {
  std::string arena;                  // the field texts
  std::vector<std::size_t> ends;      // end offset of each field in arena
  std::vector<std::uint8_t> missing;  // 1 when the field is a missing value
  std::vector<std::int64_t> lines;    // per record: the 1-based line it starts on
  std::size_t width = 0;              // fields per record

  [[nodiscard]] std::size_t n_rows() const { return lines.size() - 1; }
  [[nodiscard]] std::string_view field(std::size_t record, std::size_t column) const {
    const std::size_t f = record * width + column;
    const std::size_t begin = f == 0 ? 0 : ends[f - 1];
    return {arena.data() + begin, ends[f] - begin};
  }
  [[nodiscard]] bool is_missing(std::size_t record, std::size_t column) const {
    return missing[record * width + column] != 0;
  }
};

// Splits CSV text into Records (see the format in csv.hpp).
class Tokenizer {
 public:
  Tokenizer(std::string_view text, std::string_view name, const CsvOptions& options)
      : text_(text), name_(name), delimiter_(options.delimiter), tokens_(options.missing_tokens) {
    for (const std::string& token : tokens_) {
      max_token_ = std::max(max_token_, token.size());
    }
    out_.arena.reserve(text.size());
  }

  Records run() {
    while (pos_ < text_.size()) {
      if (!consume_line_end()) {
        read_record();
      }
    }
    return std::move(out_);
  }

 private:
  [[nodiscard]] bool is_blank(char c) const { return (c == ' ' || c == '\t') && c != delimiter_; }
  [[nodiscard]] bool ends_field(char c) const { return c == delimiter_ || c == '\n' || c == '\r'; }

  // Consumes LF, CRLF or CR at pos_ and counts the line; false when there is none.
  bool consume_line_end() {
    const char c = text_[pos_];
    if (c != '\n' && c != '\r') {
      return false;
    }
    ++pos_;
    if (c == '\r' && pos_ < text_.size() && text_[pos_] == '\n') {
      ++pos_;
    }
    ++line_;
    return true;
  }

  // One record: fields separated by the delimiter, up to a line end outside quotes. The header
  // sets the width; every later record must match it.
  void read_record() {
    const std::size_t start = pos_;
    const std::int64_t line = line_;
    std::size_t count = 0;
    while (true) {
      ++count;
      // A field is quoted when its first character after spaces and tabs is a quote.
      std::size_t p = pos_;
      while (p < text_.size() && is_blank(text_[p])) {
        ++p;
      }
      if (p < text_.size() && text_[p] == '"') {
        pos_ = p;
        read_quoted(count);
      } else {
        read_unquoted();
      }
      if (pos_ < text_.size() && text_[pos_] == delimiter_) {
        ++pos_;
        continue;
      }
      break;
    }
    if (pos_ < text_.size()) {
      consume_line_end();
    }
    out_.lines.push_back(line);
    if (out_.lines.size() == 1) {
      out_.width = count;
    } else if (count != out_.width) {
      SCMFORGE_THROW(InvalidInput,
                     "{}: this row has {} but the header has {} (row: {}); give every row {}, "
                     "and quote fields that contain '{}'",
                     where(name_, line, std::min(count, out_.width) + 1), fields(count), out_.width,
                     excerpt(text_.substr(start)), fields(out_.width), delimiter_);
    }
  }

  // An unquoted field runs to the delimiter or a line end; spaces and tabs around it are dropped.
  void read_unquoted() {
    std::size_t begin = pos_;
    while (pos_ < text_.size() && !ends_field(text_[pos_])) {
      ++pos_;
    }
    std::size_t end = pos_;
    while (begin < end && is_blank(text_[begin])) {
      ++begin;
    }
    while (end > begin && is_blank(text_[end - 1])) {
      --end;
    }
    const std::string_view value = text_.substr(begin, end - begin);
    out_.arena.append(value);
    end_field(is_missing_token(value));
  }

  // A quoted field (pos_ at its opening quote): copies the text between the quotes, "" as ", and
  // counts the line breaks inside so that later messages name the right line.
  void read_quoted(std::size_t column) {
    const std::size_t open = pos_;
    const std::int64_t open_line = line_;
    const std::size_t begin = out_.arena.size();
    ++pos_;
    while (true) {
      const std::size_t quote = text_.find('"', pos_);
      if (quote == std::string_view::npos) {
        SCMFORGE_THROW(InvalidInput,
                       "{}: the quoted field {} is never closed; end it with a '\"', and write a "
                       "'\"' inside a quoted field as '\"\"'",
                       where(name_, open_line, column), excerpt(text_.substr(open)));
      }
      count_lines(pos_, quote);
      out_.arena.append(text_.substr(pos_, quote - pos_));
      pos_ = quote + 1;
      if (pos_ < text_.size() && text_[pos_] == '"') {
        out_.arena.push_back('"');
        ++pos_;
      } else {
        break;
      }
    }
    while (pos_ < text_.size() && is_blank(text_[pos_])) {
      ++pos_;
    }
    if (pos_ < text_.size() && !ends_field(text_[pos_])) {
      SCMFORGE_THROW(InvalidInput,
                     "{}: unexpected text {} after the closing quote of a field; put the whole "
                     "field inside the quotes, and write a '\"' inside it as '\"\"'",
                     where(name_, line_, column), excerpt(text_.substr(pos_)));
    }
    end_field(out_.arena.size() == begin);
  }

  // Counts the line ends in text_[from, to) (inside a quoted field).
  void count_lines(std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
      if (text_[i] == '\n' ||
          (text_[i] == '\r' && (i + 1 >= text_.size() || text_[i + 1] != '\n'))) {
        ++line_;
      }
    }
  }

  [[nodiscard]] bool is_missing_token(std::string_view value) const {
    if (value.empty()) {
      return true;
    }
    if (value.size() > max_token_) {
      return false;
    }
    return std::any_of(tokens_.begin(), tokens_.end(),
                       [&](const std::string& token) { return equal_ignore_case(value, token); });
  }

  void end_field(bool missing) {
    out_.ends.push_back(out_.arena.size());
    out_.missing.push_back(missing ? 1 : 0);
  }

  std::string_view text_;
  std::string_view name_;
  char delimiter_;
  const std::vector<std::string>& tokens_;
  std::size_t max_token_ = 0;
  std::size_t pos_ = 0;
  std::int64_t line_ = 1;
  Records out_;
};

// Decompresses, strips the BOM, tokenizes and checks the header of a CSV text.
Records tokenize(std::string_view content, std::string_view name, const CsvOptions& options) {
  const char delimiter = options.delimiter;
  SCMFORGE_CHECK(delimiter != '"' && delimiter != '\n' && delimiter != '\r', InvalidInput,
                 "{}: the delimiter cannot be a quote or a line break (got character code {}); "
                 "use for example ',', ';' or a tab",
                 name, static_cast<int>(delimiter));
  std::string decompressed;
  if (is_gzip(content)) {
    decompressed = gunzip(content, name);
    content = decompressed;
  }
  if (content.starts_with(kUtf8Bom)) {
    content.remove_prefix(kUtf8Bom.size());
  }
  Records records = Tokenizer(content, name, options).run();
  SCMFORGE_CHECK(!records.lines.empty(), InvalidInput,
                 "{}: the file is empty; a CSV table needs a header row of column names and at "
                 "least one data row",
                 name);
  SCMFORGE_CHECK(records.n_rows() > 0, InvalidInput,
                 "{}, line {}: the header has no data rows below it; add at least one row", name,
                 records.lines[0]);
  std::unordered_map<std::string_view, std::size_t> seen;
  for (std::size_t c = 0; c < records.width; ++c) {
    const auto [it, inserted] = seen.emplace(records.field(0, c), c);
    SCMFORGE_CHECK(inserted, InvalidInput,
                   "{}: duplicate column name {} (also column {}); give every column a "
                   "different name",
                   where(name, records.lines[0], c + 1), excerpt(it->first), it->second + 1);
  }
  return records;
}

// The distinct non-missing strings of a column in first-seen order, and each row's index into
// them (-1 = missing).
struct Distinct {
  std::vector<std::string_view> values;
  std::vector<std::int32_t> row_ids;
};

Distinct collect_distinct(const Records& records, std::size_t column) {
  const std::size_t n = records.n_rows();
  Distinct out;
  out.row_ids.assign(n, -1);
  std::unordered_map<std::string_view, std::int32_t> ids;
  for (std::size_t i = 0; i < n; ++i) {
    if (records.is_missing(i + 1, column)) {
      continue;
    }
    const std::string_view value = records.field(i + 1, column);
    const auto [it, inserted] = ids.emplace(value, static_cast<std::int32_t>(out.values.size()));
    if (inserted) {
      SCMFORGE_CHECK(out.values.size() < static_cast<std::size_t>(INT32_MAX), InvalidInput,
                     "column {}: more than {} distinct values", column + 1, INT32_MAX);
      out.values.push_back(value);
    }
    out.row_ids[i] = it->second;
  }
  return out;
}

// Sorts the distinct values by `less` (on indices into values): the levels in order, and the
// code (rank) of each first-seen index.
template <typename Less>
std::pair<std::vector<std::string>, std::vector<std::int32_t>> rank_levels(
    const std::vector<std::string_view>& values, Less less) {
  std::vector<std::int32_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), less);
  std::vector<std::string> levels(values.size());
  std::vector<std::int32_t> code(values.size());
  for (std::size_t r = 0; r < order.size(); ++r) {
    levels[r] = values[order[r]];
    code[order[r]] = static_cast<std::int32_t>(r);
  }
  return {std::move(levels), std::move(code)};
}

// Fills `out` (n values) with column `column` and sets the kind and levels of `info`.
void infer_column(const Records& records, std::size_t column, std::span<double> out,
                  ColumnInfo& info) {
  info.name = records.field(0, column);
  // Numeric until a field fails to parse; then the column is redone as categorical.
  bool numeric = true;
  for (std::size_t i = 0; i < out.size() && numeric; ++i) {
    if (records.is_missing(i + 1, column)) {
      out[i] = kNaN;
    } else {
      numeric = parse_finite(records.field(i + 1, column), out[i]);
    }
  }
  if (numeric) {
    return;
  }
  const Distinct distinct = collect_distinct(records, column);
  auto [levels, code] = rank_levels(distinct.values, [&](std::int32_t a, std::int32_t b) {
    return distinct.values[a] < distinct.values[b];
  });
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::int32_t id = distinct.row_ids[i];
    out[i] = id < 0 ? kNaN : static_cast<double>(code[id]);
  }
  info.kind = ColumnKind::kCategorical;
  info.n_levels = static_cast<std::int32_t>(levels.size());
  info.levels = std::move(levels);
}

// The features: every column except `skip` (when set), in file order.
Table<double> build_table(const Records& records, std::optional<std::size_t> skip) {
  const std::size_t n = records.n_rows();
  const std::size_t d = records.width - (skip ? 1 : 0);
  Table<double> table;
  table.n = static_cast<std::int64_t>(n);
  table.columns.resize(d);
  table.values.resize(n * d);
  std::size_t j = 0;
  for (std::size_t c = 0; c < records.width; ++c) {
    if (skip && *skip == c) {
      continue;
    }
    infer_column(records, c, std::span<double>(table.values).subspan(j * n, n), table.columns[j]);
    ++j;
  }
  return table;
}

std::size_t resolve_target(const Records& records, std::string_view name,
                           const CsvOptions& options) {
  const std::size_t d = records.width;
  if (!options.target.empty()) {
    SCMFORGE_CHECK(!options.target_index, InvalidInput,
                   "{}: both a target name ('{}') and a target index ({}) were given; set only one",
                   name, options.target, *options.target_index);
    for (std::size_t c = 0; c < d; ++c) {
      if (records.field(0, c) == options.target) {
        return c;
      }
    }
    std::string columns;
    for (std::size_t c = 0; c < std::min<std::size_t>(d, 20); ++c) {
      columns += fmt::format("{}{}", c == 0 ? "" : ", ", excerpt(records.field(0, c)));
    }
    SCMFORGE_THROW(InvalidInput,
                   "{}, line {}: no column is named '{}' (the target); the columns are: {}{}; "
                   "choose one of them or give the target by index",
                   name, records.lines[0], options.target, columns, d > 20 ? ", ..." : "");
  }
  const std::int64_t index = options.target_index.value_or(-1);
  const std::int64_t width = static_cast<std::int64_t>(d);
  const std::int64_t resolved = index < 0 ? index + width : index;
  SCMFORGE_CHECK(resolved >= 0 && resolved < width, InvalidInput,
                 "{}: target index {} is out of range for a table of {} columns; use an index "
                 "in {}..{} (negative counts from the end)",
                 name, index, d, -width, width - 1);
  return static_cast<std::size_t>(resolved);
}

// Encodes the target column as class codes (see csv.hpp for the order of the classes).
void encode_target(const Records& records, std::size_t column, std::string_view name,
                   LabeledTable& out) {
  const std::string_view target = records.field(0, column);
  const Distinct distinct = collect_distinct(records, column);
  for (std::size_t i = 0; i < distinct.row_ids.size(); ++i) {
    SCMFORGE_CHECK(distinct.row_ids[i] >= 0, InvalidInput,
                   "{} ('{}'): the class label is missing (text: {}); fill in the label or drop "
                   "the row",
                   where(name, records.lines[i + 1], column + 1), target,
                   excerpt(records.field(i + 1, column)));
  }
  const std::size_t k = distinct.values.size();
  SCMFORGE_CHECK(k >= 2, InvalidInput,
                 "{}, column {} ('{}'): the target has only one class ({}) in {} rows; a "
                 "classifier needs at least 2 classes: choose another target column or add rows "
                 "of another class",
                 name, column + 1, target, excerpt(distinct.values[0]), records.n_rows());
  std::vector<double> numbers(k);
  bool numeric = true;
  for (std::size_t c = 0; c < k && numeric; ++c) {
    numeric = parse_finite(distinct.values[c], numbers[c]);
  }
  auto [class_names, code] = rank_levels(distinct.values, [&](std::int32_t a, std::int32_t b) {
    if (numeric && numbers[a] != numbers[b]) {
      return numbers[a] < numbers[b];
    }
    return distinct.values[a] < distinct.values[b];
  });
  out.y.resize(distinct.row_ids.size());
  for (std::size_t i = 0; i < out.y.size(); ++i) {
    out.y[i] = code[distinct.row_ids[i]];
  }
  out.class_names = std::move(class_names);
  out.target_name = target;
}

bool needs_quotes(std::string_view field, bool only_field) {
  if (field.empty()) {
    return only_field;
  }
  if (field.find_first_of(",\"\r\n") != std::string_view::npos || field.starts_with(kUtf8Bom)) {
    return true;
  }
  const auto blank = [](char c) { return c == ' ' || c == '\t'; };
  if (blank(field.front()) || blank(field.back())) {
    return true;
  }
  return std::any_of(std::begin(kDefaultMissing), std::end(kDefaultMissing),
                     [&](std::string_view token) { return equal_ignore_case(field, token); });
}

void append_field(std::string& out, std::string_view field, bool only_field) {
  if (!needs_quotes(field, only_field)) {
    out.append(field);
    return;
  }
  out.push_back('"');
  for (const char c : field) {
    if (c == '"') {
      out.push_back('"');
    }
    out.push_back(c);
  }
  out.push_back('"');
}

// Appends the text of value `value` of column `info` (row `row`, for error messages).
void append_value(std::string& out, const ColumnInfo& info, double value, std::int64_t row,
                  bool only_field) {
  if (std::isnan(value)) {
    append_field(out, "", only_field);
    return;
  }
  SCMFORGE_CHECK(std::isfinite(value), InvalidInput,
                 "column '{}', row {}: the value {} cannot be written to CSV (only finite "
                 "numbers and NaN for missing); replace it or mark it missing",
                 info.name, row + 1, value);
  if (info.kind == ColumnKind::kCategorical && !info.levels.empty()) {
    const double levels = static_cast<double>(info.levels.size());
    SCMFORGE_CHECK(value >= 0 && value < levels && value == std::floor(value), InvalidInput,
                   "column '{}', row {}: the categorical code {} is not a level (the column has "
                   "{} levels, codes 0..{})",
                   info.name, row + 1, value, info.levels.size(), info.levels.size() - 1);
    append_field(out, info.levels[static_cast<std::size_t>(value)], only_field);
    return;
  }
  fmt::format_to(std::back_inserter(out), "{}", value);
}

void check_shape(const Table<double>& table) {
  SCMFORGE_CHECK(table.n >= 0 && table.values.size() ==
                                     static_cast<std::size_t>(table.n) * table.columns.size(),
                 InvalidInput,
                 "cannot write a table of {} rows and {} columns that holds {} values (expected "
                 "rows x columns)",
                 table.n, table.columns.size(), table.values.size());
}

// Formats the table; `target` (when given) is written as the last column.
std::string format_rows(const Table<double>& table, const LabeledTable* target) {
  check_shape(table);
  const std::int64_t n = table.n;
  const std::int64_t d = table.d();
  const bool only_field = d + (target != nullptr ? 1 : 0) == 1;
  // Row by row over column-major storage; about 8 bytes per field as a first guess.
  std::string out;
  out.reserve(static_cast<std::size_t>((n + 1) * (d + 1) * 8));
  for (std::int64_t j = 0; j < d; ++j) {
    if (j > 0) {
      out.push_back(',');
    }
    append_field(out, table.columns[j].name, only_field);
  }
  if (target != nullptr) {
    if (d > 0) {
      out.push_back(',');
    }
    append_field(out, target->target_name, only_field);
  }
  out.push_back('\n');
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = 0; j < d; ++j) {
      if (j > 0) {
        out.push_back(',');
      }
      append_value(out, table.columns[j], table.at(i, j), i, only_field);
    }
    if (target != nullptr) {
      if (d > 0) {
        out.push_back(',');
      }
      append_field(out, target->class_names[target->y[i]], only_field);
    }
    out.push_back('\n');
  }
  return out;
}

void write_text(const std::string& path, const std::string& text) {
  if (path.ends_with(".gz")) {
    write_file_atomically(path, gzip(text));
  } else {
    write_file_atomically(path, text);
  }
}

}  // namespace

Table<double> parse_csv_table(std::string_view content, std::string_view name,
                              const CsvOptions& options) {
  SCMFORGE_CHECK(options.target.empty() && !options.target_index, InvalidInput,
                 "{}: a target column was given, but this reads a table without a target; use "
                 "read_labeled_csv, or leave the target unset",
                 name);
  return build_table(tokenize(content, name, options), std::nullopt);
}

LabeledTable parse_labeled_csv(std::string_view content, std::string_view name,
                               const CsvOptions& options) {
  const Records records = tokenize(content, name, options);
  // The target first: a bad target fails before any feature column is inferred.
  const std::size_t target = resolve_target(records, name, options);
  LabeledTable out;
  encode_target(records, target, name, out);
  out.features = build_table(records, target);
  return out;
}

Table<double> read_csv_table(const std::string& path, const CsvOptions& options) {
  return parse_csv_table(read_file(path), path, options);
}

LabeledTable read_labeled_csv(const std::string& path, const CsvOptions& options) {
  return parse_labeled_csv(read_file(path), path, options);
}

std::string format_csv(const Table<double>& table) { return format_rows(table, nullptr); }

std::string format_csv(const LabeledTable& table) {
  const std::size_t k = table.class_names.size();
  SCMFORGE_CHECK(table.y.size() == static_cast<std::size_t>(table.features.n), InvalidInput,
                 "cannot write a labeled table with {} labels for {} rows", table.y.size(),
                 table.features.n);
  for (std::size_t i = 0; i < table.y.size(); ++i) {
    SCMFORGE_CHECK(table.y[i] >= 0 && static_cast<std::size_t>(table.y[i]) < k, InvalidInput,
                   "row {}: the label code {} is not a class (there are {} class names)", i + 1,
                   table.y[i], k);
  }
  return format_rows(table.features, &table);
}

void write_csv(const std::string& path, const Table<double>& table) {
  write_text(path, format_csv(table));
}

void write_csv(const std::string& path, const LabeledTable& table) {
  write_text(path, format_csv(table));
}

}  // namespace scmforge::io
