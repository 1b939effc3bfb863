// tests/cpp/scm/scm_cli_test.cpp: `scmforge scm fit | sample | show`: outputs, identity with the
// library, exit codes.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

#include "scm/fixtures.hpp"
#include "scmforge/io/csv.hpp"
#include "scmforge/io/file.hpp"
#include "scmforge/scm/scm.hpp"

namespace scmforge::scm {
namespace {

namespace fs = std::filesystem;

struct Result {
  int code;
  std::string output;  // stdout + stderr
};

Result run(const std::string& args) {
  const std::string command = fmt::format("{} {} 2>&1", SCMFORGE_CLI_PATH, args);
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  std::array<char, 4096> buffer{};
  while (fgets(buffer.data(), buffer.size(), pipe) != nullptr) output += buffer.data();
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

struct TempDir {
  fs::path path = fs::temp_directory_path() / fmt::format("scmforge_scm_cli_{}", getpid());
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
  [[nodiscard]] std::string file(const std::string& name) const { return (path / name).string(); }
};

TEST(ScmCli, FitSampleShowMatchTheLibrary) {
  const TempDir dir;
  const Table<double> data = testing::chain_table(400);
  io::write_csv(dir.file("data.csv"), data);
  io::write_file_atomically(dir.file("graph.txt"), "x -> y\ny -> z\n");
  const Result fit =
      run(fmt::format("scm fit {} --graph {} --out {} --threads 2", dir.file("data.csv"),
                      dir.file("graph.txt"), dir.file("m.scm")));
  ASSERT_EQ(fit.code, 0) << fit.output;
  EXPECT_NE(fit.output.find("y [numeric]: ridge <- x"), std::string::npos) << fit.output;
  const Result sample = run(fmt::format("scm sample {} --n 5000 --seed 4 --out {}",
                                        dir.file("m.scm"), dir.file("rows.csv")));
  ASSERT_EQ(sample.code, 0) << sample.output;
  // The CLI's model and rows are the library's, byte for byte (the CSV round trip is exact).
  const std::vector<Edge> edges = {{"x", "y"}, {"y", "z"}};
  const Scm model = Scm::fit(io::read_csv_table(dir.file("data.csv")), edges, {});
  EXPECT_EQ(io::read_file(dir.file("m.scm")), model.to_bytes());
  EXPECT_EQ(io::read_file(dir.file("rows.csv")), io::format_csv(model.sample(5000, 4, 1)));
  const Result doit = run(fmt::format("scm sample {} --n 100 --do y=2.5 --out {}",
                                      dir.file("m.scm"), dir.file("do.csv")));
  ASSERT_EQ(doit.code, 0) << doit.output;
  const Table<double> moved = io::read_csv_table(dir.file("do.csv"));
  for (double v : moved.column(1)) ASSERT_EQ(v, 2.5);
  const Result show = run(fmt::format("scm show {}", dir.file("m.scm")));
  ASSERT_EQ(show.code, 0) << show.output;
  EXPECT_NE(show.output.find("3 nodes fitted on 400 rows"), std::string::npos) << show.output;
}

TEST(ScmCli, BadInputExitsTwoAndWritesNothing) {
  const TempDir dir;
  io::write_csv(dir.file("data.csv"), testing::chain_table(100));
  io::write_file_atomically(dir.file("cycle.txt"), "x -> y\ny -> x\n");
  io::write_file_atomically(dir.file("ok.txt"), "x -> y\n");
  const Result cycle = run(fmt::format("scm fit {} --graph {} --out {}", dir.file("data.csv"),
                                       dir.file("cycle.txt"), dir.file("m.scm")));
  EXPECT_EQ(cycle.code, 2);
  EXPECT_NE(cycle.output.find("error: the graph has a directed cycle: x -> y -> x"),
            std::string::npos)
      << cycle.output;
  EXPECT_FALSE(fs::exists(dir.file("m.scm")));
  const Result mech = run(fmt::format("scm fit {} --graph {} --out {} --mechanisms nn",
                                      dir.file("data.csv"), dir.file("ok.txt"), dir.file("m.scm")));
  EXPECT_EQ(mech.code, 2);
  ASSERT_EQ(run(fmt::format("scm fit {} --graph {} --out {}", dir.file("data.csv"),
                            dir.file("ok.txt"), dir.file("m.scm")))
                .code,
            0);
  const Result zero =
      run(fmt::format("scm sample {} --n 0 --out {}", dir.file("m.scm"), dir.file("r.csv")));
  EXPECT_EQ(zero.code, 2);
  EXPECT_NE(zero.output.find("must be >= 1, got 0"), std::string::npos) << zero.output;
  EXPECT_FALSE(fs::exists(dir.file("r.csv")));
  const Result bad_do = run(
      fmt::format("scm sample {} --n 5 --do y=abc --out {}", dir.file("m.scm"), dir.file("r.csv")));
  EXPECT_EQ(bad_do.code, 2);
  std::string bytes = io::read_file(dir.file("m.scm"));
  io::write_file_atomically(dir.file("cut.scm"), bytes.substr(0, bytes.size() / 2));
  const Result cut =
      run(fmt::format("scm sample {} --n 5 --out {}", dir.file("cut.scm"), dir.file("r.csv")));
  EXPECT_EQ(cut.code, 2);
  EXPECT_NE(cut.output.find("truncated"), std::string::npos) << cut.output;
}

}  // namespace
}  // namespace scmforge::scm
