// tests/cpp/core/random_test.cpp: Philox4x32-10 known answers, stream independence, below().
#include "scmforge/core/random.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <set>
#include <vector>

namespace scmforge {
namespace {

using Block = std::array<std::uint32_t, 4>;

std::vector<std::uint64_t> draw_u64(Rng rng, int count) {
  std::vector<std::uint64_t> out(static_cast<std::size_t>(count));
  for (auto& v : out) {
    v = rng.next_u64();
  }
  return out;
}

// The three "philox4x32 10" lines of Random123's tests/kat_vectors (DEShawResearch/random123,
// commit 9545ff6413f258be2f04c1d319d99aaef7521150, lines 27-29): counter[4], key[2], output[4].
TEST(Philox, MatchesRandom123KnownAnswerVectors) {
  struct Kat {
    Block counter;
    std::array<std::uint32_t, 2> key;
    Block expected;
  };
  const std::array<Kat, 3> kats = {{
      {{0x00000000, 0x00000000, 0x00000000, 0x00000000},
       {0x00000000, 0x00000000},
       {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
      {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
       {0xffffffff, 0xffffffff},
       {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
      {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
       {0xa4093822, 0x299f31d0},
       {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
  }};
  for (const Kat& kat : kats) {
    EXPECT_EQ(philox4x32_10(kat.counter, kat.key), kat.expected);
  }
}

// random.hpp documents the block layout: counter = (position lo, position hi, stream lo,
// stream hi), key = (seed lo, seed hi), words returned in order.
TEST(Rng, FollowsTheDocumentedBlockLayout) {
  const std::uint64_t seed = 0x0123456789abcdefULL;
  const std::uint64_t stream = 0xfedcba9876543210ULL;
  Rng rng(seed, stream);
  const std::array<std::uint32_t, 2> key = {0x89abcdef, 0x01234567};
  for (std::uint32_t position = 0; position < 3; ++position) {
    const Block expected = philox4x32_10({position, 0, 0x76543210, 0xfedcba98}, key);
    for (std::uint32_t word : expected) {
      EXPECT_EQ(rng.next_u32(), word);
    }
    EXPECT_EQ(rng.position(), position + 1);
  }
  EXPECT_EQ(rng.seed(), seed);
  EXPECT_EQ(rng.stream(), stream);
}

TEST(Rng, NextU64IsTwoU32HighFirst) {
  Rng a(5, 6);
  Rng b(5, 6);
  for (int i = 0; i < 8; ++i) {
    const std::uint64_t hi = b.next_u32();
    const std::uint64_t lo = b.next_u32();
    EXPECT_EQ(a.next_u64(), (hi << 32) | lo);
  }
}

TEST(Rng, IsDeterministicAndCopiesContinueIndependently) {
  EXPECT_EQ(draw_u64(Rng(42, 7), 100), draw_u64(Rng(42, 7), 100));
  Rng original(42, 7);
  original.next_u32();  // mid-block copy
  Rng copy = original;
  const auto from_original = draw_u64(original, 50);
  EXPECT_EQ(draw_u64(copy, 50), from_original);
}

TEST(Rng, DifferentSeedsAndStreamsDiffer) {
  const auto base = draw_u64(Rng(1, 1), 64);
  EXPECT_NE(draw_u64(Rng(2, 1), 64), base);
  EXPECT_NE(draw_u64(Rng(1, 2), 64), base);
  // Swapping seed and stream must not give the same numbers either.
  EXPECT_NE(draw_u64(Rng(3, 9), 64), draw_u64(Rng(9, 3), 64));
  // No collision among the first words of 1000 neighbouring streams.
  std::set<std::uint64_t> first;
  for (std::uint64_t s = 0; s < 1000; ++s) {
    first.insert(Rng(1, s).next_u64());
  }
  EXPECT_EQ(first.size(), 1000U);
}

TEST(Rng, ChildDoesNotDependOnDrawsOfTheParent) {
  Rng parent(11, streams::kTest);
  const Rng before = parent.child(3);
  for (int i = 0; i < 1001; ++i) {
    parent.next_u32();
  }
  const Rng after = parent.child(3);
  EXPECT_EQ(before.stream(), after.stream());
  EXPECT_EQ(draw_u64(before, 32), draw_u64(after, 32));
  EXPECT_EQ(before.stream(), derive_stream(streams::kTest, 3));
  EXPECT_EQ(before.seed(), 11U);
}

TEST(Rng, ChildrenDifferFromEachOtherAndFromTheParent) {
  const Rng parent(11, streams::kTest);
  std::set<std::uint64_t> ids = {parent.stream()};
  for (std::uint64_t i = 0; i < 1000; ++i) {
    ids.insert(parent.child(i).stream());
  }
  EXPECT_EQ(ids.size(), 1001U);
  EXPECT_NE(draw_u64(parent.child(0), 16), draw_u64(parent, 16));
  EXPECT_NE(draw_u64(parent.child(0), 16), draw_u64(parent.child(1), 16));
  // Grandchildren of different children differ.
  EXPECT_NE(parent.child(1).child(2).stream(), parent.child(2).child(1).stream());
}

TEST(Rng, UniformStaysInItsHalfOpenInterval) {
  Rng rng(3, streams::kTest);
  double sum = 0.0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    const double u = rng.uniform();
    const double v = rng.uniform_pos();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    ASSERT_GT(v, 0.0);
    ASSERT_LE(v, 1.0);
    sum += u;
  }
  // Mean of U(0,1) is 1/2 with sd 1/sqrt(12 n) = 0.00091; allow 5 sd. observed 0.49981
  EXPECT_NEAR(sum / n, 0.5, 0.0046);
}

// Pearson chi-square statistic of `counts` against equal expected counts.
double chi_square_uniform(const std::vector<std::int64_t>& counts, std::int64_t draws) {
  const double expected = static_cast<double>(draws) / static_cast<double>(counts.size());
  double chi2 = 0.0;
  for (std::int64_t c : counts) {
    const double diff = static_cast<double>(c) - expected;
    chi2 += diff * diff / expected;
  }
  return chi2;
}

TEST(Rng, BelowIsUnbiasedForSmallN) {
  Rng rng(17, streams::kTest);
  const int draws = 70000;
  for (std::uint64_t n : {2ULL, 3ULL, 7ULL}) {
    std::vector<std::int64_t> counts(n, 0);
    for (int i = 0; i < draws; ++i) {
      const std::uint64_t v = rng.below(n);
      ASSERT_LT(v, n);
      ++counts[v];
    }
    // 99.9% points of chi-square with 1, 2, 6 degrees of freedom: 10.83, 13.82, 22.46.
    // observed 1.20 (n=2), 1.03 (n=3), 5.16 (n=7)
    const double critical = n == 2 ? 10.83 : (n == 3 ? 13.82 : 22.46);
    EXPECT_LT(chi_square_uniform(counts, draws), critical) << "n = " << n;
  }
}

TEST(Rng, BelowHasNoModuloBiasForLargeN) {
  // n = 3 * 2^62: `next_u64() % n` would put the lower third of [0, n) twice as often, giving
  // P(v < n / 2) = 3/4 instead of the exact 1/2.
  const std::uint64_t n = 3ULL << 62;
  Rng rng(19, streams::kTest);
  const int draws = 100000;
  int lower_half = 0;
  for (int i = 0; i < draws; ++i) {
    const std::uint64_t v = rng.below(n);
    ASSERT_LT(v, n);
    lower_half += v < n / 2 ? 1 : 0;
  }
  // sd of the share is 0.0016; 5 sd = 0.0079. observed 0.4982
  EXPECT_NEAR(static_cast<double>(lower_half) / draws, 0.5, 0.0079);
}

TEST(Rng, BelowOneIsZeroAndIntegerCoversBothEnds) {
  Rng rng(23, streams::kTest);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(rng.below(1), 0U);
  }
  std::set<std::int64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::int64_t v = rng.integer(-2, 2);
    ASSERT_GE(v, -2);
    ASSERT_LE(v, 2);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 5U);
  EXPECT_EQ(rng.integer(9, 9), 9);
}

}  // namespace
}  // namespace scmforge
