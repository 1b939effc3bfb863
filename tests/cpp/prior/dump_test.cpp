// tests/cpp/prior/dump_test.cpp: write_dump gives the same bytes for any batch size and thread
// count.
#include "scmforge/prior/dump.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "scmforge/core/error.hpp"
#include "scmforge/io/prior_h5.hpp"

namespace scmforge::prior {
namespace {

namespace fs = std::filesystem;

std::string bytes_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(WriteDump, SameBytesForAnyBatchAndThreads) {
  const fs::path dir = fs::temp_directory_path() / fmt::format("scmforge_dump_test_{}", getpid());
  fs::create_directories(dir);
  const PriorGenerator gen(preset("nanotabpfn"), 12);
  std::vector<std::int64_t> progress;
  const GenerationStats stats =
      write_dump(gen, (dir / "a.h5").string(), DumpOptions{0, 70, 1, 70, 1},
                 [&](std::int64_t done) { progress.push_back(done); });
  write_dump(gen, (dir / "b.h5").string(), DumpOptions{0, 70, 2, 9, 1});
  EXPECT_EQ(bytes_of(dir / "a.h5"), bytes_of(dir / "b.h5"));
  EXPECT_EQ(progress, std::vector<std::int64_t>{70});
  EXPECT_EQ(stats.by_scm[0] + stats.by_scm[1] + stats.by_scm[2], 70);
  // A continuation from first_id holds the same datasets as the tail of a longer run.
  write_dump(gen, (dir / "c.h5").string(), DumpOptions{30, 40, 2, 16, 1});
  const auto tail = io::read_prior_dump((dir / "c.h5").string(), 0, 40);
  const auto whole = io::read_prior_dump((dir / "a.h5").string(), 30, 40);
  for (std::size_t i = 0; i < tail.size(); ++i) {
    EXPECT_EQ(tail[i].x, whole[i].x);
    EXPECT_EQ(tail[i].id, whole[i].id);
  }
  fs::remove_all(dir);
}

TEST(WriteDump, SameBytesAcrossManyChunksForAnyBatch) {
  // nanotabpfn datasets are 3 KB, so a chunk holds 256 of them: 700 datasets span 3 chunks,
  // and batches of 7 or 100 end inside chunks.
  const fs::path dir = fs::temp_directory_path() / fmt::format("scmforge_dump_chunks_{}", getpid());
  fs::create_directories(dir);
  const PriorGenerator gen(preset("nanotabpfn"), 13);
  write_dump(gen, (dir / "a.h5").string(), DumpOptions{0, 700, 2, 7, 1});
  write_dump(gen, (dir / "b.h5").string(), DumpOptions{0, 700, 2, 100, 1});
  write_dump(gen, (dir / "c.h5").string(), DumpOptions{0, 700, 2, 700, 1});
  EXPECT_EQ(bytes_of(dir / "a.h5"), bytes_of(dir / "b.h5"));
  EXPECT_EQ(bytes_of(dir / "a.h5"), bytes_of(dir / "c.h5"));
  fs::remove_all(dir);
}

TEST(WriteDump, BadOptionsAreRejectedBeforeAnyFileIsCreated) {
  const PriorGenerator gen(preset("nanotabpfn"), 1);
  const std::string path = (fs::temp_directory_path() / "scmforge_dump_bad.h5").string();
  EXPECT_THROW(write_dump(gen, path, DumpOptions{0, 0, 1, 8, 1}), InvalidInput);
  EXPECT_THROW(write_dump(gen, path, DumpOptions{0, 5, 1, 0, 1}), InvalidInput);
  EXPECT_THROW(write_dump(gen, path, DumpOptions{0, 5, 1, 8, 10}), InvalidInput);
  EXPECT_FALSE(fs::exists(path));
  EXPECT_THROW(write_dump(gen, "/nonexistent-dir/x.h5", DumpOptions{0, 5, 1, 8, 1}), Io);
}

}  // namespace
}  // namespace scmforge::prior
