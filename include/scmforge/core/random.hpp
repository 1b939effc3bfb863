// scmforge/core/random.hpp: the counter-based Philox4x32-10 generator keyed by (seed, stream).
//
// Every random number in scmforge comes from a `Rng` built from a 64-bit seed and a 64-bit
// stream id. The generator is stateless apart from a 64-bit position counter, so the numbers of
// stream s do not depend on how many numbers other streams drew, on the thread that draws them
// or on the machine. Dataset i of a corpus draws from its own stream, which is what makes output
// byte-identical at any thread count or batch size.
//
// Layout of one Philox block: counter words (c0, c1) = position, (c2, c3) = stream id;
// key words (k0, k1) = seed. Each block yields four 32-bit words.
//
// Bulk draws (`fill_u32`, `fill_u64`) return exactly the words that as many single draws would,
// computed several blocks at a time (SSE2, part of every x86-64, on x86-64; a portable loop
// elsewhere). Philox is pure 32-bit integer arithmetic, so every path gives the same bits.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace scmforge {

/// One application of the Philox4x32 bijection with 10 rounds (Salmon et al., SC'11).
/// `counter` and `key` are as in the Random123 reference; the known-answer vectors of that
/// library hold for this function (tests/cpp/core/random_test.cpp).
std::array<std::uint32_t, 4> philox4x32_10(std::array<std::uint32_t, 4> counter,
                                           std::array<std::uint32_t, 2> key) noexcept;

/// Mixes a parent stream id with a child index into a new stream id (SplitMix64 finaliser over
/// both): `Rng(seed, derive_stream(kPrior, i))` is stream i of the prior domain.
constexpr std::uint64_t derive_stream(std::uint64_t parent, std::uint64_t child) noexcept {
  std::uint64_t z = parent * 0x9E3779B97F4A7C15ULL + child + 0x632BE59BD9B4E5ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// The uniform double in [0, 1) that `Rng::uniform` makes of 64 random bits: the top 53 bits
/// times 2^-53.
constexpr double bits_to_uniform(std::uint64_t bits) noexcept {
  // bits >> 11 < 2^53 fits a signed integer, whose conversion is one instruction on x86-64.
  return static_cast<double>(static_cast<std::int64_t>(bits >> 11)) * 0x1.0p-53;
}

/// The uniform double in (0, 1] that `Rng::uniform_pos` makes of 64 random bits.
constexpr double bits_to_uniform_pos(std::uint64_t bits) noexcept {
  return (static_cast<double>(static_cast<std::int64_t>(bits >> 11)) + 1.0) * 0x1.0p-53;
}

/// A position in one Philox stream. Cheap to copy; copies continue independently.
class Rng {
 public:
  Rng(std::uint64_t seed, std::uint64_t stream) noexcept : seed_(seed), stream_(stream) {}

  /// A child stream of this one: independent of how many numbers this one has drawn.
  [[nodiscard]] Rng child(std::uint64_t index) const noexcept {
    return Rng(seed_, derive_stream(stream_, index));
  }

  /// Next 32 uniformly distributed bits.
  std::uint32_t next_u32() noexcept {
    if (buffered_ == 0) {
      refill();
    }
    return block_[4 - buffered_--];
  }

  /// Next 64 uniformly distributed bits.
  std::uint64_t next_u64() noexcept {
    const std::uint64_t hi = next_u32();
    return (hi << 32) | next_u32();
  }

  /// Uniform double in [0, 1) with 53 random bits.
  double uniform() noexcept { return bits_to_uniform(next_u64()); }

  /// Uniform double in (0, 1]: safe as the argument of log().
  double uniform_pos() noexcept { return bits_to_uniform_pos(next_u64()); }

  /// Fills `out` with the next out.size() words of the stream: out[k] is what the k-th of as
  /// many next_u32() calls would return, and the Rng ends where those calls would leave it.
  /// Whole blocks are computed in bulk; use this wherever more than a few dozen words are needed.
  void fill_u32(std::span<std::uint32_t> out) noexcept;

  /// As fill_u32 for next_u64(): out[k] is the k-th next_u64() (two words, high word first).
  void fill_u64(std::span<std::uint64_t> out) noexcept;

  /// Uniform integer in [0, n) without modulo bias (Lemire's method); n must be > 0.
  std::uint64_t below(std::uint64_t n) noexcept;

  /// Uniform integer in [lo, hi], both inclusive; requires lo <= hi.
  std::int64_t integer(std::int64_t lo, std::int64_t hi) noexcept {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }

  [[nodiscard]] std::uint64_t seed() const noexcept { return seed_; }
  [[nodiscard]] std::uint64_t stream() const noexcept { return stream_; }
  /// Number of Philox blocks consumed so far.
  [[nodiscard]] std::uint64_t position() const noexcept { return position_; }

 private:
  void refill() noexcept;

  std::uint64_t seed_;
  std::uint64_t stream_;
  std::uint64_t position_ = 0;
  std::array<std::uint32_t, 4> block_{};
  int buffered_ = 0;
};

/// Stream-id domains: the first argument of derive_stream for each consumer.
namespace streams {
inline constexpr std::uint64_t kPrior = 0x70726f72ULL;         // datasets of the prior
inline constexpr std::uint64_t kPriorGroup = 0x7067727055ULL;  // hyperparameter groups
inline constexpr std::uint64_t kTest = 0x74657374ULL;          // unit tests
inline constexpr std::uint64_t kDag = 0x646167ULL;             // random DAG extensions
}  // namespace streams

}  // namespace scmforge
