// tests/cpp/corpus/build_test.cpp: corpus folders: determinism, resume, refusal, verification.
#include "scmforge/corpus/build.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "scmforge/core/error.hpp"
#include "scmforge/io/file.hpp"

namespace scmforge::corpus {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / fmt::format("scmforge_corpus_{}_{}", getpid(), name);
  fs::remove_all(dir);
  return dir;
}

BuildConfig small_config() {
  BuildConfig c;
  c.n = 40;
  c.seed = 9;
  c.shard_candidates = 32;
  return c;
}

std::map<std::string, std::string> files_of(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    out[entry.path().filename().string()] = io::read_file(entry.path().string());
  }
  return out;
}

TEST(CorpusBuild, SameBytesForAnyThreadCount) {
  const auto a = temp_dir("a"), b = temp_dir("b");
  const BuildResult ra = build_corpus(small_config(), a.string(), 1);
  const BuildResult rb = build_corpus(small_config(), b.string(), 2);
  EXPECT_EQ(ra.examples, 40);
  EXPECT_EQ(rb.candidates, ra.candidates);
  EXPECT_GT(ra.shards, 1);
  const auto fa = files_of(a), fb = files_of(b);
  EXPECT_EQ(fa, fb);
  EXPECT_EQ(fa.count("manifest.json"), 1U);
  EXPECT_TRUE(verify_corpus(a.string()).empty());
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST(CorpusBuild, AnInterruptedBuildResumesToTheSameBytes) {
  const auto whole = temp_dir("whole"), cut = temp_dir("cut");
  build_corpus(small_config(), whole.string(), 2);
  int shards_seen = 0;
  // The progress callback throws after the second shard: the build stops as if killed.
  EXPECT_THROW(build_corpus(small_config(), cut.string(), 2,
                            [&](std::int64_t, std::int64_t) {
                              if (++shards_seen == 2) throw std::runtime_error("killed");
                            }),
               std::runtime_error);
  EXPECT_FALSE(verify_corpus(cut.string()).empty());  // "not complete"
  const BuildResult resumed = build_corpus(small_config(), cut.string(), 1);
  EXPECT_EQ(resumed.shards_reused, 2);
  EXPECT_EQ(files_of(whole), files_of(cut));
  // A second run over a complete corpus reuses everything and changes nothing.
  const BuildResult again = build_corpus(small_config(), cut.string(), 1);
  EXPECT_EQ(again.shards_reused, again.shards);
  EXPECT_EQ(files_of(whole), files_of(cut));
  fs::remove_all(whole);
  fs::remove_all(cut);
}

TEST(CorpusBuild, RefusesAnotherConfigOrForeignFiles) {
  const auto dir = temp_dir("refuse");
  build_corpus(small_config(), dir.string(), 2);
  BuildConfig other = small_config();
  other.seed = 10;
  try {
    build_corpus(other, dir.string(), 2);
    FAIL() << "expected InvalidInput";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("another config"), std::string::npos) << e.what();
  }
  const auto foreign = temp_dir("foreign");
  fs::create_directories(foreign);
  std::ofstream(foreign / "notes.txt") << "mine";
  EXPECT_THROW(build_corpus(small_config(), foreign.string(), 1), InvalidInput);
  EXPECT_EQ(io::read_file((foreign / "notes.txt").string()), "mine");  // nothing lost
  BuildConfig bad = small_config();
  bad.n = 0;
  EXPECT_THROW(build_corpus(bad, temp_dir("bad").string(), 1), InvalidInput);
  fs::remove_all(dir);
  fs::remove_all(foreign);
}

TEST(CorpusBuild, VerifyFindsDamagedAndMissingShards) {
  const auto dir = temp_dir("verify");
  build_corpus(small_config(), dir.string(), 2);
  {
    std::fstream f(dir / "shard-00000.h5", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-8, std::ios::end);
    f.put('\x7f');
  }
  fs::remove(dir / "shard-00001.h5");
  const auto problems = verify_corpus(dir.string());
  ASSERT_EQ(problems.size(), 2U);
  EXPECT_NE(problems[0].find("shard-00000.h5: checksum"), std::string::npos) << problems[0];
  EXPECT_NE(problems[1].find("shard-00001.h5: missing"), std::string::npos) << problems[1];
  // Resuming rewrites exactly the damaged shards.
  const BuildResult repaired = build_corpus(small_config(), dir.string(), 2);
  EXPECT_EQ(repaired.shards_reused, 0);  // shard 0 is damaged, so everything after it is redone
  EXPECT_TRUE(verify_corpus(dir.string()).empty());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace scmforge::corpus
