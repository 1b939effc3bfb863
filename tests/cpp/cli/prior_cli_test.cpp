// tests/cpp/cli/prior_cli_test.cpp: exit codes, error messages and outputs of `scmforge prior`.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

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

fs::path temp_dir() {
  fs::path dir = fs::temp_directory_path() / fmt::format("scmforge_cli_test_{}", getpid());
  fs::create_directories(dir);
  return dir;
}

TEST(PriorCli, SampleWritesADumpAndDescribeReadsIt) {
  const fs::path out = temp_dir() / "ok.h5";
  const Result r = run(fmt::format(
      "prior sample --preset nanotabpfn --n 20 --seed 3 --threads 2 --out {}", out.string()));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(fs::exists(out));
  const Result d = run(fmt::format("prior describe {}", out.string()));
  ASSERT_EQ(d.code, 0) << d.output;
  EXPECT_NE(d.output.find("20 datasets, padded to 150 rows x 5 features"), std::string::npos)
      << d.output;
  fs::remove_all(out.parent_path());
}

TEST(PriorCli, BadInputExitsTwoWithAnErrorAndNoOutput) {
  const fs::path out = temp_dir() / "bad.h5";
  const std::array<std::pair<const char*, const char*>, 6> cases = {{
      {"--preset nope", "unknown preset 'nope'"},
      {"--set max_feature=3", "did you mean 'max_features'"},
      {"--set max_classes=1", "out of range"},
      {"--set min_features=9 --set max_features=3", "min_features (9) exceeds max_features (3)"},
      {"--n 0", "--n must be positive"},
      {"--config /nonexistent.toml", "cannot open config file"},
  }};
  for (const auto& [flags, message] : cases) {
    const Result r = run(fmt::format("prior sample {} --out {}", flags, out.string()));
    EXPECT_NE(r.output.find("error: "), std::string::npos) << flags << ": " << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << flags << ": " << r.output;
    EXPECT_EQ(r.code, std::string(flags).starts_with("--config") ? 1 : 2) << flags;
    EXPECT_FALSE(fs::exists(out)) << flags;
    EXPECT_FALSE(fs::exists(out.string() + ".partial")) << flags;
  }
  fs::remove_all(out.parent_path());
}

TEST(PriorCli, UnknownFlagAndMissingFileAreUsageErrors) {
  Result r = run("prior sample --bogus 1 --out /tmp/x.h5");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("error: "), std::string::npos);
  r = run("prior describe /nonexistent.h5");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("does not exist"), std::string::npos);
  r = run("prior sample --n 5 --out /nonexistent-dir/x.h5");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("cannot create"), std::string::npos) << r.output;
}

TEST(PriorCli, ParamsListsEveryKey) {
  const Result r = run("prior params --preset metatree");
  ASSERT_EQ(r.code, 0);
  EXPECT_NE(r.output.find("n_rows"), std::string::npos);
  EXPECT_NE(r.output.find("256"), std::string::npos);
  EXPECT_NE(r.output.find("split_group_size"), std::string::npos);
}

}  // namespace
