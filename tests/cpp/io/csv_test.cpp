// tests/cpp/io/csv_test.cpp: known-answer, error, round-trip and real-dataset tests of io/csv.
#include "scmforge/io/csv.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "scmforge/core/error.hpp"

namespace scmforge::io {
namespace {

namespace fs = std::filesystem;

constexpr const char* kName = "t.csv";

Table<double> parse(std::string_view text, const CsvOptions& options = {}) {
  return parse_csv_table(text, kName, options);
}

LabeledTable parse_labeled(std::string_view text, const CsvOptions& options = {}) {
  return parse_labeled_csv(text, kName, options);
}

// Runs `fn`, expects it to throw `E`, and returns the message.
template <typename E, typename Fn>
std::string message_of(Fn fn) {
  try {
    fn();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "threw another exception type: " << e.what();
    return {};
  }
  ADD_FAILURE() << "did not throw";
  return {};
}

// Expects every piece to occur in the message.
void expect_mentions(const std::string& message, const std::vector<std::string>& pieces) {
  for (const std::string& piece : pieces) {
    EXPECT_NE(message.find(piece), std::string::npos) << "'" << piece << "' not in: " << message;
  }
}

std::vector<double> column(const Table<double>& table, std::int64_t j) {
  const auto c = table.column(j);
  return {c.begin(), c.end()};
}

// Equal tables: shapes, column infos, values (NaN equals NaN, and the sign of zero counts).
void expect_same_table(const Table<double>& a, const Table<double>& b) {
  ASSERT_EQ(a.n, b.n);
  ASSERT_EQ(a.d(), b.d());
  for (std::int64_t j = 0; j < a.d(); ++j) {
    EXPECT_EQ(a.columns[j].name, b.columns[j].name);
    EXPECT_EQ(a.columns[j].kind, b.columns[j].kind);
    EXPECT_EQ(a.columns[j].n_levels, b.columns[j].n_levels);
    EXPECT_EQ(a.columns[j].levels, b.columns[j].levels);
  }
  ASSERT_EQ(a.values.size(), b.values.size());
  for (std::size_t i = 0; i < a.values.size(); ++i) {
    const double x = a.values[i];
    const double y = b.values[i];
    EXPECT_TRUE((std::isnan(x) && std::isnan(y)) || (x == y && std::signbit(x) == std::signbit(y)))
        << "value " << i << ": " << x << " vs " << y;
  }
}

void expect_same_labeled(const LabeledTable& a, const LabeledTable& b) {
  expect_same_table(a.features, b.features);
  EXPECT_EQ(a.y, b.y);
  EXPECT_EQ(a.class_names, b.class_names);
  EXPECT_EQ(a.target_name, b.target_name);
}

// A fresh folder per test, removed afterwards.
class CsvFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / fmt::format("scmforge_csv_{}_{}", info->name(), ::getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, std::string_view bytes) const {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary)
        .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path;
  }
  [[nodiscard]] std::size_t files_in_dir() const {
    return static_cast<std::size_t>(
        std::distance(fs::directory_iterator(dir_), fs::directory_iterator()));
  }

  fs::path dir_;
};

// ---- reading: known answers ----

TEST(CsvRead, NumericColumnsAreColumnMajor) {
  const Table<double> t = parse("a,b\n1,2.5\n3,-4e2\n");
  ASSERT_EQ(t.n, 2);
  ASSERT_EQ(t.d(), 2);
  EXPECT_EQ(t.columns[0].name, "a");
  EXPECT_EQ(t.columns[1].name, "b");
  EXPECT_EQ(t.columns[0].kind, ColumnKind::kNumeric);
  EXPECT_EQ(t.values, (std::vector<double>{1, 3, 2.5, -400}));
}

TEST(CsvRead, NumberSyntax) {
  const Table<double> t = parse("a,b,c,d,e,f,g\n+1.5, 2 ,1e3,.5,inf,1e400,0x10\n-0,3,4,5,6,7,8\n");
  EXPECT_EQ(column(t, 0), (std::vector<double>{1.5, -0.0}));
  EXPECT_TRUE(std::signbit(t.at(1, 0)));
  EXPECT_EQ(column(t, 1), (std::vector<double>{2, 3}));  // spaces around a field are trimmed
  EXPECT_EQ(column(t, 2), (std::vector<double>{1000, 4}));
  EXPECT_EQ(column(t, 3), (std::vector<double>{0.5, 5}));
  // Not finite, out of range or not a decimal number: the column becomes categorical.
  for (std::int64_t j : {4, 5, 6}) {
    EXPECT_EQ(t.columns[j].kind, ColumnKind::kCategorical) << j;
  }
  EXPECT_EQ(t.columns[4].levels, (std::vector<std::string>{"6", "inf"}));
  EXPECT_EQ(t.columns[6].levels, (std::vector<std::string>{"0x10", "8"}));
}

TEST(CsvRead, CategoricalLevelsSortedBytewise) {
  const Table<double> t = parse("c,m\nb,10\na,9\nc,x\na,\n");
  EXPECT_EQ(t.columns[0].kind, ColumnKind::kCategorical);
  EXPECT_EQ(t.columns[0].n_levels, 3);
  EXPECT_EQ(t.columns[0].levels, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(column(t, 0), (std::vector<double>{1, 0, 2, 0}));
  // Numbers mixed with text: categorical, levels in byte order ("10" < "9" < "x").
  EXPECT_EQ(t.columns[1].levels, (std::vector<std::string>{"10", "9", "x"}));
  EXPECT_EQ(t.at(0, 1), 0);
  EXPECT_EQ(t.at(1, 1), 1);
  EXPECT_EQ(t.at(2, 1), 2);
  EXPECT_TRUE(std::isnan(t.at(3, 1)));
}

TEST(CsvRead, MissingTokensBecomeNaN) {
  const Table<double> t = parse("x\n1\n\nNA\nna\nNaN\nnan\n?\nnull\nNULL\nN/A\nn/a\n\"\"\n  \n2\n");
  // The blank line (no characters) is skipped; "  " trims to an empty field.
  ASSERT_EQ(t.n, 13);
  EXPECT_EQ(t.columns[0].kind, ColumnKind::kNumeric);
  EXPECT_EQ(t.at(0, 0), 1);
  EXPECT_EQ(t.at(12, 0), 2);
  for (std::int64_t i = 1; i < 12; ++i) {
    EXPECT_TRUE(std::isnan(t.at(i, 0))) << i;
  }
}

TEST(CsvRead, QuotedMissingTokenIsALevel) {
  const Table<double> t = parse("c\n\"NA\"\nNA\nb\n");
  EXPECT_EQ(t.columns[0].levels, (std::vector<std::string>{"NA", "b"}));
  EXPECT_EQ(t.at(0, 0), 0);
  EXPECT_TRUE(std::isnan(t.at(1, 0)));
}

TEST(CsvRead, CustomMissingTokens) {
  CsvOptions options;
  options.missing_tokens = {"-999", "missing"};
  const Table<double> t = parse("x\n-999\nMISSING\nNA\n", options);
  // "NA" is no longer missing, so the column is categorical with one level.
  EXPECT_EQ(t.columns[0].levels, (std::vector<std::string>{"NA"}));
  EXPECT_TRUE(std::isnan(t.at(0, 0)));
  EXPECT_TRUE(std::isnan(t.at(1, 0)));
  EXPECT_EQ(t.at(2, 0), 0);
}

TEST(CsvRead, AllMissingAndConstantColumnsAreKept) {
  const Table<double> t = parse("m,k,s\n,5,z\nNA,5,z\n");
  EXPECT_EQ(t.columns[0].kind, ColumnKind::kNumeric);
  EXPECT_TRUE(std::isnan(t.at(0, 0)) && std::isnan(t.at(1, 0)));
  EXPECT_EQ(column(t, 1), (std::vector<double>{5, 5}));
  EXPECT_EQ(t.columns[2].levels, (std::vector<std::string>{"z"}));
}

TEST(CsvRead, QuotedFields) {
  const Table<double> t = parse(
      "\"name, first\",q\n\"a,b\",\"say \"\"hi\"\"\"\n\"two\nlines\",\"\"\"\"\n  \"x\"  ,5'10\"\n");
  EXPECT_EQ(t.columns[0].name, "name, first");
  EXPECT_EQ(t.columns[0].levels, (std::vector<std::string>{"a,b", "two\nlines", "x"}));
  // A quote inside an unquoted field is an ordinary character.
  EXPECT_EQ(t.columns[1].levels, (std::vector<std::string>{"\"", "5'10\"", "say \"hi\""}));
  EXPECT_EQ(column(t, 1), (std::vector<double>{2, 0, 1}));
}

TEST(CsvRead, LineEndsAndByteOrderMark) {
  const std::vector<std::string> texts = {"a,b\n1,2\n3,4\n", "a,b\r\n1,2\r\n3,4\r\n",
                                          "a,b\r1,2\r3,4",
                                          "\xEF\xBB\xBF"
                                          "a,b\n1,2\n\n\n3,4"};
  for (const std::string& text : texts) {
    const Table<double> t = parse(text);
    EXPECT_EQ(t.columns[0].name, "a");
    EXPECT_EQ(t.values, (std::vector<double>{1, 3, 2, 4})) << text;
  }
}

TEST(CsvRead, OtherDelimiters) {
  CsvOptions options;
  options.delimiter = ';';
  EXPECT_EQ(parse("a;b\n1,5;2\n", options).columns[0].levels, (std::vector<std::string>{"1,5"}));
  options.delimiter = '\t';
  const Table<double> t = parse("a\tb\n1\t\n", options);  // tabs are not trimmed here
  EXPECT_EQ(t.d(), 2);
  EXPECT_EQ(t.n, 1);
  EXPECT_TRUE(std::isnan(t.at(0, 1)));
}

TEST(CsvRead, GzipByMagicBytes) {
  // gzip.compress(b"a,b\n1,x\n2,y\n", mtime=0) from Python.
  const std::string gz(
      "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\x4b\xd4\x49\xe2\x32\xd4\xa9\xe0"
      "\x32\xd2\xa9\xe4\x02\x00\xc2\x96\x7e\x9d\x0c\x00\x00\x00",
      32);
  const Table<double> t = parse(gz);
  EXPECT_EQ(column(t, 0), (std::vector<double>{1, 2}));
  EXPECT_EQ(t.columns[1].levels, (std::vector<std::string>{"x", "y"}));
  // Two members back to back read as their concatenation (the header row, then the same rows).
  const Table<double> twice = parse(gz + gz);
  EXPECT_EQ(twice.n, 5);  // the second header "a,b" is a data row: a and b join the levels
  expect_mentions(message_of<InvalidInput>([&] { parse(gz.substr(0, 20)); }), {kName, "truncated"});
  expect_mentions(message_of<InvalidInput>([&] { parse(gz + "junk"); }),
                  {kName, "after the end of the gzip data"});
  expect_mentions(message_of<InvalidInput>([&] { parse(std::string("\x1f\x8bnot gzip at all")); }),
                  {kName, "not valid gzip"});
}

TEST(CsvRead, LabeledDefaultsToLastColumn) {
  const LabeledTable t = parse_labeled("x,c,target\n1,a,no\n2,b,yes\n3,a,no\n");
  EXPECT_EQ(t.target_name, "target");
  EXPECT_EQ(t.class_names, (std::vector<std::string>{"no", "yes"}));
  EXPECT_EQ(t.y, (std::vector<std::int32_t>{0, 1, 0}));
  ASSERT_EQ(t.features.d(), 2);
  EXPECT_EQ(t.features.columns[1].name, "c");
  EXPECT_EQ(t.features.values, (std::vector<double>{1, 2, 3, 0, 1, 0}));
}

TEST(CsvRead, NumericClassLabelsOrderNumerically) {
  const LabeledTable t = parse_labeled("x,y\n1,10\n2,9\n3,-1\n4,9\n5,1e1\n");
  // "10" and "1e1" are equal numbers but different labels: ties go by string.
  EXPECT_EQ(t.class_names, (std::vector<std::string>{"-1", "9", "10", "1e1"}));
  EXPECT_EQ(t.y, (std::vector<std::int32_t>{2, 1, 0, 1, 3}));
  // One label that is not a number: every label orders by string.
  const LabeledTable s = parse_labeled("x,y\n1,10\n2,9\n3,b\n");
  EXPECT_EQ(s.class_names, (std::vector<std::string>{"10", "9", "b"}));
}

TEST(CsvRead, TargetByNameAndIndex) {
  const std::string text = "a,b,c\n1,x,5\n2,y,6\n";
  CsvOptions by_name;
  by_name.target = "b";
  const LabeledTable named = parse_labeled(text, by_name);
  EXPECT_EQ(named.target_name, "b");
  EXPECT_EQ(named.features.columns[0].name, "a");
  EXPECT_EQ(named.features.columns[1].name, "c");
  for (const int index : {1, -2}) {
    CsvOptions by_index;
    by_index.target_index = index;
    expect_same_labeled(parse_labeled(text, by_index), named);
  }
  CsvOptions first;
  first.target_index = 0;
  const LabeledTable t = parse_labeled(text, first);
  EXPECT_EQ(t.class_names, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(t.features.columns[0].name, "b");
}

TEST(CsvRead, TargetOnlyTable) {
  const LabeledTable t = parse_labeled("y\na\nb\n");
  EXPECT_EQ(t.features.d(), 0);
  EXPECT_EQ(t.features.n, 2);
  EXPECT_EQ(t.y, (std::vector<std::int32_t>{0, 1}));
}

TEST(CsvRead, ManyRowsAreFine) {
  std::string text = "a,b\n";
  for (int i = 0; i < 10000; ++i) {
    text += fmt::format("{},{}\n", i, i % 3);
  }
  const LabeledTable t = parse_labeled(text);
  EXPECT_EQ(t.features.n, 10000);
  EXPECT_EQ(t.features.at(9999, 0), 9999);
  EXPECT_EQ(t.class_names.size(), 3U);
}

// ---- reading: errors ----

TEST(CsvErrors, MissingFileIsIo) {
  const std::string path = "/nonexistent/scmforge/none.csv";
  expect_mentions(message_of<Io>([&] { read_csv_table(path); }),
                  {path, "cannot open", "No such file"});
  expect_mentions(message_of<Io>([&] { read_labeled_csv(path); }), {path});
}

TEST(CsvErrors, EmptyFile) {
  for (const std::string text : {"", "\n\n", "\xEF\xBB\xBF"}) {
    expect_mentions(message_of<InvalidInput>([&] { parse(text); }), {kName, "empty", "header row"});
  }
}

TEST(CsvErrors, HeaderOnly) {
  expect_mentions(message_of<InvalidInput>([] { parse("\n\na,b\n\n"); }),
                  {"t.csv, line 3", "no data rows"});
  expect_mentions(message_of<InvalidInput>([] { parse_labeled("a,b"); }), {"no data rows"});
}

TEST(CsvErrors, RaggedRows) {
  // Too many fields: the first extra field is column 3; the line counts the quoted line break.
  expect_mentions(message_of<InvalidInput>([] { parse("a,b\n\"x\ny\",1\n1,2,3\n"); }),
                  {"t.csv, line 4, column 3", "has 3 fields but the header has 2", "'1,2,3'"});
  // Too few: the first missing field is column 2.
  expect_mentions(message_of<InvalidInput>([] { parse("a,b\n1,2\r\n7\r\n"); }),
                  {"t.csv, line 3, column 2", "has 1 field but the header has 2", "'7'",
                   "quote fields that contain ','"});
  // A long row is cut in the message.
  const std::string long_row(200, 'z');
  expect_mentions(message_of<InvalidInput>([&] { parse("a,b\n" + long_row + "\n"); }),
                  {std::string(60, 'z') + "...'"});
}

TEST(CsvErrors, UnterminatedQuote) {
  expect_mentions(message_of<InvalidInput>([] { parse("a,b\n1,2\n3,\"open\n4,5\n"); }),
                  {"t.csv, line 3, column 2", "'\"open'", "never closed"});
}

TEST(CsvErrors, TextAfterClosingQuote) {
  expect_mentions(message_of<InvalidInput>([] { parse("a,b\n\"x\"y,2\n"); }),
                  {"t.csv, line 2, column 1", "'y,2'", "after the closing quote"});
}

TEST(CsvErrors, DuplicateColumnNames) {
  expect_mentions(message_of<InvalidInput>([] { parse("\na,b,a\n1,2,3\n"); }),
                  {"t.csv, line 2, column 3", "duplicate column name 'a'", "also column 1"});
}

TEST(CsvErrors, BadDelimiter) {
  CsvOptions options;
  options.delimiter = '"';
  expect_mentions(message_of<InvalidInput>([&] { parse("a\n1\n", options); }),
                  {kName, "delimiter"});
}

TEST(CsvErrors, UnknownTargetName) {
  CsvOptions options;
  options.target = "label";
  expect_mentions(message_of<InvalidInput>([&] { parse_labeled("a,b\n1,2\n", options); }),
                  {"t.csv, line 1", "no column is named 'label'", "'a', 'b'"});
}

TEST(CsvErrors, TargetIndexOutOfRange) {
  for (const int index : {2, -3}) {
    CsvOptions options;
    options.target_index = index;
    expect_mentions(message_of<InvalidInput>([&] { parse_labeled("a,b\n1,2\n", options); }),
                    {kName, fmt::format("target index {} is out of range", index), "-2..1"});
  }
}

TEST(CsvErrors, TargetNameAndIndexTogether) {
  CsvOptions options;
  options.target = "a";
  options.target_index = 0;
  expect_mentions(message_of<InvalidInput>([&] { parse_labeled("a,b\n1,2\n", options); }),
                  {"set only one"});
}

TEST(CsvErrors, TargetForUnlabeledTable) {
  CsvOptions options;
  options.target = "a";
  expect_mentions(message_of<InvalidInput>([&] { parse("a,b\n1,2\n", options); }),
                  {"read_labeled_csv"});
}

TEST(CsvErrors, OneClass) {
  expect_mentions(message_of<InvalidInput>([] { parse_labeled("a,y\n1,p\n2,p\n"); }),
                  {"t.csv, column 2 ('y')", "only one class ('p') in 2 rows", "at least 2"});
}

TEST(CsvErrors, MissingTargetValue) {
  expect_mentions(message_of<InvalidInput>([] { parse_labeled("a,y\n1,p\n2,q\n3,NA\n"); }),
                  {"t.csv, line 4, column 2 ('y')", "label is missing", "'NA'"});
  expect_mentions(message_of<InvalidInput>([] { parse_labeled("a,y\n1,\"\"\n"); }),
                  {"t.csv, line 2, column 2", "''"});
}

// ---- writing ----

TEST(CsvWrite, FormatsValuesAndQuotes) {
  Table<double> t;
  t.n = 4;
  t.columns = {{"x", ColumnKind::kNumeric, 0, {}},
               {"name, full", ColumnKind::kCategorical, 4, {"a b", "say \"hi\"", " pad", "NA"}},
               {"code", ColumnKind::kCategorical, 5, {}}};
  t.values = {0.1, -0.0, NAN, 2.5, 0, 1, 2, 3, 4, NAN, 2, 0};
  EXPECT_EQ(format_csv(t),
            "x,\"name, full\",code\n"
            "0.1,a b,4\n"
            "-0,\"say \"\"hi\"\"\",\n"
            ",\" pad\",2\n"
            "2.5,\"NA\",0\n");
}

TEST(CsvWrite, ShortestNumbersReadBackExactly) {
  Table<double> t;
  t.n = 4;
  t.columns = {{"x", ColumnKind::kNumeric, 0, {}}};
  t.values = {1e21, 1.0 / 3.0, 5e-324, 123456789012345680.0};
  const std::string text = format_csv(t);
  EXPECT_EQ(text, "x\n1e+21\n0.3333333333333333\n5e-324\n1.2345678901234568e+17\n");
  expect_same_table(parse(text), t);
}

TEST(CsvWrite, OneColumnTableQuotesEmptyFields) {
  Table<double> t;
  t.n = 2;
  t.columns = {{"", ColumnKind::kNumeric, 0, {}}};
  t.values = {NAN, 1};
  EXPECT_EQ(format_csv(t), "\"\"\n\"\"\n1\n");
  expect_same_table(parse(format_csv(t)), t);
}

TEST(CsvWrite, LabeledTargetGoesLast) {
  LabeledTable t;
  t.features.n = 2;
  t.features.columns = {{"f", ColumnKind::kNumeric, 0, {}}};
  t.features.values = {1.5, 2};
  t.y = {1, 0};
  t.class_names = {"neg", "pos"};
  t.target_name = "label";
  EXPECT_EQ(format_csv(t), "f,label\n1.5,pos\n2,neg\n");
}

TEST(CsvWrite, BadTablesAreRejected) {
  Table<double> t;
  t.n = 1;
  t.columns = {{"x", ColumnKind::kNumeric, 0, {}}, {"c", ColumnKind::kCategorical, 2, {"a", "b"}}};
  t.values = {INFINITY, 0};
  expect_mentions(message_of<InvalidInput>([&] { format_csv(t); }), {"column 'x', row 1", "inf"});
  t.values = {0, 2};
  expect_mentions(message_of<InvalidInput>([&] { format_csv(t); }),
                  {"column 'c', row 1", "code 2 is not a level"});
  t.values = {0, 0.5};
  expect_mentions(message_of<InvalidInput>([&] { format_csv(t); }), {"code 0.5"});
  t.values = {0};
  expect_mentions(message_of<InvalidInput>([&] { format_csv(t); }), {"holds 1 values"});

  LabeledTable l;
  l.features.n = 2;
  l.y = {0};
  l.class_names = {"a", "b"};
  expect_mentions(message_of<InvalidInput>([&] { format_csv(l); }), {"1 labels for 2 rows"});
  l.y = {0, 2};
  expect_mentions(message_of<InvalidInput>([&] { format_csv(l); }),
                  {"row 2", "label code 2 is not a class"});
}

// A table with every feature the reader has: quoting, missing values, categoricals, numbers.
constexpr std::string_view kTricky =
    "\xEF\xBB\xBF"
    "num,\"cat, egory\",\" spaced \",empty,\"q\"\"uote\",target\r\n"
    "1.5,\"a,b\",\"x\ny\",,\"NA\",yes\r\n"
    "-2e-300,plain,z,NA,\" lead\",no\r\n"
    "?,\"\"\"\",z,,b,\"maybe so\"\r\n";

TEST_F(CsvFileTest, RoundTripIsIdentical) {
  const LabeledTable first = read_labeled_csv(write("in.csv", kTricky));
  ASSERT_EQ(first.features.columns[1].kind, ColumnKind::kCategorical);
  for (const std::string name : {"out.csv", "out.csv.gz"}) {
    const std::string path = (dir_ / name).string();
    write_csv(path, first);
    expect_same_labeled(read_labeled_csv(path), first);
    write_csv(path, first.features);
    expect_same_table(read_csv_table(path), first.features);
  }
  EXPECT_EQ(files_in_dir(), 3U);  // in.csv, out.csv, out.csv.gz: no temporaries left behind
}

TEST_F(CsvFileTest, GzipFileIsCompressed) {
  const Table<double> t = parse("a\n1\n2\n");
  const std::string path = (dir_ / "t.csv.gz").string();
  write_csv(path, t);
  std::ifstream in(path, std::ios::binary);
  EXPECT_EQ(in.get(), 0x1f);
  EXPECT_EQ(in.get(), 0x8b);
}

TEST_F(CsvFileTest, WriteReplacesAnExistingFile) {
  const std::string path = write("t.csv", "old contents that are longer than the new ones\n");
  write_csv(path, parse("a\n1\n"));
  std::stringstream contents;
  contents << std::ifstream(path).rdbuf();
  EXPECT_EQ(contents.str(), "a\n1\n");
  EXPECT_EQ(files_in_dir(), 1U);
}

TEST_F(CsvFileTest, WriteFailureIsIoAndLeavesNothing) {
  const std::string path = (dir_ / "missing_folder" / "t.csv").string();
  expect_mentions(message_of<Io>([&] { write_csv(path, parse("a\n1\n")); }),
                  {path, "temporary file", "No such file"});
  // Renaming over a folder fails after the temporary was written: it must be removed.
  fs::create_directories(dir_ / "is_a_folder");
  const std::string folder = (dir_ / "is_a_folder").string();
  expect_mentions(message_of<Io>([&] { write_csv(folder, parse("a\n1\n")); }),
                  {folder, "cannot write"});
  EXPECT_EQ(files_in_dir(), 1U);
}

TEST_F(CsvFileTest, ErrorsNameThePath) {
  const std::string path = write("bad.csv", "a,b\n1\n");
  expect_mentions(message_of<InvalidInput>([&] { read_csv_table(path); }),
                  {path + ", line 2, column 2"});
  expect_mentions(message_of<Io>([&] { read_csv_table(dir_.string()); }), {"cannot read"});
}

// ---- every staged classification dataset ----

// Rows of MANIFEST.tsv as maps from column name to value.
std::vector<std::map<std::string, std::string>> read_manifest(const fs::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  std::stringstream head(line);
  for (std::string cell; std::getline(head, cell, '\t');) {
    header.push_back(cell);
  }
  std::vector<std::map<std::string, std::string>> rows;
  while (std::getline(in, line)) {
    std::stringstream cells(line);
    std::map<std::string, std::string> row;
    std::string cell;
    for (std::size_t c = 0; c < header.size() && std::getline(cells, cell, '\t'); ++c) {
      row[header[c]] = cell;
    }
    rows.push_back(row);
  }
  return rows;
}

TEST(CsvDatasets, EveryClassificationFileMatchesTheManifest) {
  const fs::path root = fs::path(SCMFORGE_SHARED_DIR) / "datasets";
  std::map<std::string, std::map<std::string, std::string>> manifest;
  for (auto& row : read_manifest(root / "MANIFEST.tsv")) {
    manifest[row.at("path")] = row;
  }
  std::size_t checked = 0;
  for (const auto& entry : fs::directory_iterator(root / "classification")) {
    const std::string key = "classification/" + entry.path().filename().string();
    SCOPED_TRACE(key);
    ASSERT_EQ(manifest.count(key), 1U) << "not in MANIFEST.tsv";
    const auto& expected = manifest[key];
    const auto start = std::chrono::steady_clock::now();
    const LabeledTable t = read_labeled_csv(entry.path().string());
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(t.features.n, std::stoll(expected.at("rows")));
    EXPECT_EQ(t.features.d(), std::stoll(expected.at("features")));
    EXPECT_EQ(static_cast<long long>(t.class_names.size()), std::stoll(expected.at("n_classes")));
    EXPECT_EQ(t.target_name, expected.at("target_column"));
    // n_categorical counts string columns plus integer-coded nominal ones: an upper bound for the
    // columns that hold text.
    std::int64_t text_columns = 0;
    for (const ColumnInfo& c : t.features.columns) {
      text_columns += c.kind == ColumnKind::kCategorical ? 1 : 0;
    }
    EXPECT_LE(text_columns, std::stoll(expected.at("n_categorical")));
    const bool has_missing = std::any_of(t.features.values.begin(), t.features.values.end(),
                                         [](double v) { return std::isnan(v); });
    EXPECT_EQ(has_missing, expected.at("has_missing") == "true");
    // The largest file (30,000 rows x 24 columns, gzip) reads in about 0.05 s in a release build.
    EXPECT_LT(seconds, 1.0);
    ++checked;
  }
  EXPECT_EQ(checked, 38U);
}

}  // namespace
}  // namespace scmforge::io
