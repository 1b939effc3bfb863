// tests/cpp/io/prior_h5_test.cpp: HDF5 prior dumps: round trip, stable bytes, atomic writes.
#include "scmforge/io/prior_h5.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "scmforge/core/error.hpp"
#include "scmforge/prior/config.hpp"
#include "scmforge/prior/generator.hpp"

namespace scmforge::io {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir() {
  fs::path dir = fs::temp_directory_path() / fmt::format("scmforge_h5_test_{}", getpid());
  fs::create_directories(dir);
  return dir;
}

std::string bytes_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_dump(const fs::path& path, std::uint64_t seed, std::int64_t n, std::int64_t batch) {
  const prior::PriorConfig c = prior::preset("metatree");
  const prior::PriorGenerator gen(c, seed);
  PriorDumpInfo info{
      c.n_rows, c.max_features, c.max_classes, c.split_group_size, seed, 0, prior::to_json(c), 1};
  PriorH5Writer writer(path.string(), info);
  for (std::int64_t i = 0; i < n; i += batch)
    writer.append(gen.generate_range(static_cast<std::uint64_t>(i), std::min(batch, n - i), 2));
  writer.commit();
}

TEST(PriorH5, RoundTripKeepsEveryDataset) {
  const fs::path path = temp_dir() / "roundtrip.h5";
  write_dump(path, 4, 40, 16);
  const auto expected =
      prior::PriorGenerator(prior::preset("metatree"), 4).generate_range(0, 40, 1);
  const auto got = read_prior_dump(path.string(), 0, 40);
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].id, expected[i].id);
    EXPECT_EQ(got[i].x, expected[i].x);
    EXPECT_EQ(got[i].y, expected[i].y);
    EXPECT_EQ(got[i].k, expected[i].k);
    EXPECT_EQ(got[i].d, expected[i].d);
    EXPECT_EQ(got[i].single_eval_pos, expected[i].single_eval_pos);
    EXPECT_EQ(got[i].categorical, expected[i].categorical);
    EXPECT_EQ(got[i].prior_type, expected[i].prior_type);
  }
  const PriorDumpSummary s = summarize_prior_dump(path.string());
  EXPECT_EQ(s.count, 40);
  EXPECT_EQ(s.max_rows, 256);
  EXPECT_EQ(s.classes[3], expected[3].k);
  EXPECT_NE(s.config_json.find("\"n_rows\":256"), std::string::npos);
  fs::remove_all(path.parent_path());
}

TEST(PriorH5, SameSeedGivesSameBytesWhateverTheBatchAndTime) {
  const fs::path dir = temp_dir();
  write_dump(dir / "a.h5", 8, 50, 50);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // a timestamp would differ now
  write_dump(dir / "b.h5", 8, 50, 7);
  EXPECT_EQ(bytes_of(dir / "a.h5"), bytes_of(dir / "b.h5"));
  write_dump(dir / "c.h5", 9, 50, 50);
  EXPECT_NE(bytes_of(dir / "a.h5"), bytes_of(dir / "c.h5"));
  fs::remove_all(dir);
}

TEST(PriorH5, UncommittedWriterLeavesNoFile) {
  const fs::path path = temp_dir() / "aborted.h5";
  {
    const prior::PriorConfig c = prior::preset("metatree");
    PriorH5Writer writer(path.string(),
                         PriorDumpInfo{c.n_rows, c.max_features, c.max_classes, 32, 0, 0, "{}", 1});
    writer.append(prior::PriorGenerator(c, 0).generate_range(0, 3, 1));
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path.string() + ".partial"));
  fs::remove_all(path.parent_path());
}

TEST(PriorH5, UnwritableFolderIsAnIoError) {
  const prior::PriorConfig c = prior::preset("metatree");
  try {
    PriorH5Writer writer("/nonexistent-folder/x.h5",
                         PriorDumpInfo{c.n_rows, c.max_features, c.max_classes, 32, 0, 0, "{}", 1});
    FAIL() << "expected Io";
  } catch (const Io& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-folder/x.h5.partial"), std::string::npos);
  }
}

TEST(PriorH5, ReadingAMissingOrForeignFileFailsClearly) {
  EXPECT_THROW(summarize_prior_dump("/nonexistent.h5"), Io);
  const fs::path path = temp_dir() / "not.h5";
  std::ofstream(path) << "hello";
  EXPECT_THROW(summarize_prior_dump(path.string()), InvalidInput);
  fs::remove_all(path.parent_path());
}

TEST(PriorH5, DatasetLargerThanTheFileIsRejected) {
  const fs::path path = temp_dir() / "small.h5";
  const prior::PriorConfig c = prior::preset("metatree");
  PriorH5Writer writer(path.string(), PriorDumpInfo{100, 3, 10, 32, 0, 0, "{}", 1});
  EXPECT_THROW(writer.append(prior::PriorGenerator(c, 0).generate_range(0, 1, 1)), InvalidInput);
  fs::remove_all(path.parent_path());
}

}  // namespace
}  // namespace scmforge::io
