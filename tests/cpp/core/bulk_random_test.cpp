// tests/cpp/core/bulk_random_test.cpp: bulk draws (Rng::fill_u32/fill_u64, dist::fill_normal,
// dist::fill_bernoulli) against their scalar reference sequences, determinism, and a KS check.
//
// Every bulk function is defined as a scalar sequence: fill_u32 is repeated next_u32(), and so on.
// The tests compare word for word and also check that the Rng is left exactly where the scalar
// calls leave it (the next words agree), which is what catches a bulk path that draws ahead.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#include "core/philox_kernels.hpp"
#include "scmforge/core/distributions.hpp"
#include "scmforge/core/parallel.hpp"
#include "scmforge/core/random.hpp"

namespace scmforge {
namespace {

constexpr std::uint64_t kSeed = 0x0123456789ABCDEFULL;  // both key words non-zero

Rng case_rng(std::uint64_t case_id) {
  return {kSeed, derive_stream(streams::kTest, 1000 + case_id)};
}

// The next `count` words of two Rngs agree: they are at the same place in the same stream.
void expect_same_state(Rng a, Rng b) {
  EXPECT_EQ(a.position(), b.position());
  for (int i = 0; i < 9; ++i) {
    ASSERT_EQ(a.next_u32(), b.next_u32()) << "word " << i << " after the fill";
  }
}

// Lengths around every boundary of the bulk paths: the words left in the current block, groups
// of four blocks, pairs, single blocks, and fill_u64's 256-word chunks.
const std::vector<std::size_t> kLengths = {0,  1,  2,  3,  4,   5,   7,   8,   9,   15,  16,
                                           17, 31, 32, 33, 255, 256, 257, 511, 512, 513, 1027};

TEST(BulkRandom, FillU32EqualsRepeatedNextU32FromEveryOffsetInTheBlock) {
  for (int offset = 0; offset < 4; ++offset) {
    for (std::size_t n : kLengths) {
      Rng bulk = case_rng(1);
      for (int i = 0; i < offset; ++i) {
        bulk.next_u32();
      }
      Rng scalar = bulk;
      std::vector<std::uint32_t> out(n);
      bulk.fill_u32(out);
      for (std::size_t k = 0; k < n; ++k) {
        ASSERT_EQ(out[k], scalar.next_u32()) << "offset " << offset << ", n " << n << ", k " << k;
      }
      expect_same_state(bulk, scalar);
    }
  }
}

// The reference written out: block p of stream s under seed k is
// philox4x32_10({p lo, p hi, s lo, s hi}, {k lo, k hi}), its words in order (random.hpp).
TEST(BulkRandom, FillU32IsThePhiloxBlocksOfTheStreamInOrder) {
  const std::uint64_t stream = 0xFEDCBA9876543210ULL;
  Rng rng(kSeed, stream);
  constexpr std::size_t kBlocks = 1031;  // groups of 4, then a pair, then one block
  std::vector<std::uint32_t> out(4 * kBlocks);
  rng.fill_u32(out);
  const std::array<std::uint32_t, 2> key = {0x89ABCDEF, 0x01234567};
  for (std::uint32_t p = 0; p < kBlocks; ++p) {
    const auto expected = philox4x32_10({p, 0, 0x76543210, 0xFEDCBA98}, key);
    for (std::size_t j = 0; j < 4; ++j) {
      ASSERT_EQ(out[4 * p + j], expected[j]) << "block " << p << ", word " << j;
    }
  }
  EXPECT_EQ(rng.position(), kBlocks);
}

// Every compiled-in kernel this CPU supports (portable, SSE2, AVX2, AVX-512) writes the
// reference blocks, for counts that end in every kernel's tail and positions whose low word
// wraps (the carry into the counter's high word).
TEST(BulkRandom, EveryPhiloxKernelWritesTheReferenceBlocks) {
  using detail::PhiloxKernel;
  const std::uint64_t stream = 0xFEDCBA9876543210ULL;
  const std::array<std::uint32_t, 2> key = {0x89ABCDEF, 0x01234567};
  int tested = 0;
  for (const PhiloxKernel kernel :
       {PhiloxKernel::kPortable, PhiloxKernel::kSse2, PhiloxKernel::kAvx2, PhiloxKernel::kAvx512}) {
    if (!detail::philox_kernel_supported(kernel)) continue;
    ++tested;
    for (const std::uint64_t position : {std::uint64_t{0}, std::uint64_t{0xFFFFFFF5}}) {
      for (const std::size_t count : {1, 3, 7, 8, 15, 16, 17, 31, 33, 100}) {
        std::vector<std::uint32_t> out(4 * count);
        detail::philox_blocks(kernel, kSeed, stream, position, count, out.data());
        for (std::size_t b = 0; b < count; ++b) {
          const std::uint64_t p = position + b;
          const auto expected =
              philox4x32_10({static_cast<std::uint32_t>(p), static_cast<std::uint32_t>(p >> 32),
                             0x76543210, 0xFEDCBA98},
                            key);
          for (std::size_t j = 0; j < 4; ++j) {
            ASSERT_EQ(out[4 * b + j], expected[j])
                << "kernel " << static_cast<int>(kernel) << ", position " << position << ", count "
                << count << ", block " << b << ", word " << j;
          }
        }
      }
    }
  }
  EXPECT_GE(tested, 1);
}

TEST(BulkRandom, FillU64EqualsRepeatedNextU64AcrossBlockBoundaries) {
  // Odd offsets make every u64 straddle two blocks.
  for (int offset = 0; offset < 4; ++offset) {
    for (std::size_t n : kLengths) {
      Rng bulk = case_rng(2);
      for (int i = 0; i < offset; ++i) {
        bulk.next_u32();
      }
      Rng scalar = bulk;
      std::vector<std::uint64_t> out(n);
      bulk.fill_u64(out);
      for (std::size_t k = 0; k < n; ++k) {
        Rng copy = scalar;
        ASSERT_EQ(out[k], scalar.next_u64()) << "offset " << offset << ", n " << n << ", k " << k;
        ASSERT_EQ(bits_to_uniform(out[k]), copy.uniform());
      }
      expect_same_state(bulk, scalar);
    }
  }
}

TEST(BulkRandom, FillNormalEqualsRepeatedNormalAndStopsWhereTheyStop) {
  // Lengths 1..300, each from its own stream. For n <= 256 the whole fill is one buffer of n
  // words, so any rejection in it makes the last draws take words past the buffer, straight
  // from the Rng: `past_buffer` counts those fills (the Rng then sits beyond ceil(n / 2)).
  int past_buffer = 0;
  for (std::size_t n = 1; n <= 300; ++n) {
    Rng bulk = case_rng(100 + n);
    Rng scalar = bulk;
    std::vector<float> out(n);
    dist::fill_normal(bulk, out, -0.5, 2.0);
    for (std::size_t k = 0; k < n; ++k) {
      ASSERT_EQ(out[k], static_cast<float>(-0.5 + 2.0 * dist::normal(scalar)))
          << "n " << n << ", k " << k;
    }
    expect_same_state(bulk, scalar);
    if (n <= 256 && bulk.position() > (n + 1) / 2) {
      ++past_buffer;
    }
  }
  EXPECT_GT(past_buffer, 20);  // observed 207 of 256

  // One long fill: rejections at buffer ends, and the exact tail beyond r (2 * Phi(-r) = 5.8e-4).
  Rng bulk = case_rng(3);
  Rng scalar = bulk;
  std::vector<float> out(100003);
  dist::fill_normal(bulk, out, 0.0, 1.0);
  int tail = 0;
  for (float v : out) {
    ASSERT_EQ(v, static_cast<float>(dist::normal(scalar)));
    tail += std::fabs(v) > 3.442619855899F ? 1 : 0;
  }
  EXPECT_GT(tail, 0);  // observed 71 (expected 58)
  expect_same_state(bulk, scalar);
}

TEST(BulkRandom, FillNormalDoesNotDependOnHowTheFillIsSplit) {
  std::vector<float> whole(5000);
  Rng a = case_rng(4);
  dist::fill_normal(a, whole, 0.0, 1.0);
  // The same 5000 draws as pieces straddling the 256-word buffer in different ways.
  const std::array<std::size_t, 7> pieces = {1, 255, 256, 257, 1000, 31, 3200};
  std::vector<float> split(5000);
  Rng b = case_rng(4);
  std::size_t start = 0;
  for (std::size_t piece : pieces) {
    dist::fill_normal(b, std::span<float>(split.data() + start, piece), 0.0, 1.0);
    start += piece;
  }
  ASSERT_EQ(start, split.size());
  EXPECT_EQ(split, whole);
  expect_same_state(a, b);
}

TEST(BulkRandom, FillsOfManyStreamsAreTheSameOnAnyThreadCount) {
  constexpr int kStreams = 16;
  auto run = [](int threads) {
    std::vector<std::vector<float>> out(kStreams, std::vector<float>(777));
    parallel_for(kStreams, threads, [&](std::int64_t s) {
      Rng rng = case_rng(200 + static_cast<std::uint64_t>(s));
      dist::fill_normal(rng, out[static_cast<std::size_t>(s)], 1.0, 0.5);
    });
    return out;
  };
  const auto serial = run(1);
  EXPECT_EQ(run(2), serial);
  EXPECT_EQ(run(1), serial);  // and again: nothing carries over between calls
}

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

TEST(BulkRandom, FillNormalPassesKolmogorovSmirnov) {
  constexpr std::size_t kDraws = 200000;
  std::vector<float> out(kDraws);
  Rng rng = case_rng(8);
  dist::fill_normal(rng, out, 1.5, 0.5);
  std::vector<double> xs(out.begin(), out.end());
  std::sort(xs.begin(), xs.end());
  const auto n = static_cast<double>(kDraws);
  double d = 0.0;
  for (std::size_t i = 0; i < kDraws; ++i) {
    const double f = normal_cdf((xs[i] - 1.5) / 0.5);
    d = std::max({d, f - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - f});
  }
  // 99.9% point of the KS statistic: 1.9495 / sqrt(n) = 0.00436. observed 0.0015. (Case 5, the
  // first one tried, gives 0.0040, p = 0.003; over cases 0-39 sqrt(n) * D averages 0.856, the
  // Kolmogorov distribution's mean being 0.869.)
  EXPECT_LT(d, 1.9495 / std::sqrt(n));
}

TEST(BulkRandom, FillBernoulliIsTheThresholdedWordSequence) {
  for (double p : {0.0, 0.3, 0.99, 1.0}) {
    Rng bulk = case_rng(6);
    Rng scalar = bulk;
    std::vector<std::uint8_t> out(1100);  // two passes through the 512-word chunk and a rest
    dist::fill_bernoulli(bulk, out, p);
    const auto threshold = static_cast<std::uint64_t>(std::round(p * 0x1.0p32));
    for (std::size_t k = 0; k < out.size(); ++k) {
      ASSERT_EQ(out[k], scalar.next_u32() < threshold ? 1 : 0) << "p " << p << ", k " << k;
    }
    expect_same_state(bulk, scalar);
    if (p == 0.0 || p == 1.0) {
      EXPECT_EQ(std::count(out.begin(), out.end(), std::uint8_t{1}), p == 1.0 ? 1100 : 0);
    }
  }
}

TEST(BulkRandom, FillBernoulliHasTheRightRate) {
  std::vector<std::uint8_t> out(100000);
  Rng rng = case_rng(7);
  dist::fill_bernoulli(rng, out, 0.3);
  const auto ones = std::count(out.begin(), out.end(), std::uint8_t{1});
  // Binomial(1e5, 0.3): sd 144.9; 4 sd = 580. observed 29,665 (-2.3 sd)
  EXPECT_NEAR(static_cast<double>(ones), 30000.0, 580.0);
}

}  // namespace
}  // namespace scmforge
