// tests/cpp/core/parallel_test.cpp: parallel_for runs each unit once and rethrows the first error.
#include "scmforge/core/parallel.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "scmforge/core/error.hpp"

namespace scmforge {
namespace {

// Tests cap threads at 2 (STYLE: cap threads in tests).
constexpr std::array<int, 2> kThreadCounts = {1, 2};

// Runs `fn` on a separate thread and fails (instead of hanging the suite) when it takes longer
// than `limit`. A hung worker is detached and left behind; the test has failed by then.
template <typename Fn>
void run_with_deadline(Fn fn, std::chrono::seconds limit) {
  std::packaged_task<void()> task(std::move(fn));
  std::future<void> done = task.get_future();
  std::thread worker(std::move(task));
  if (done.wait_for(limit) != std::future_status::ready) {
    worker.detach();
    FAIL() << "parallel_for did not return within " << limit.count() << " s";
  }
  worker.join();
  done.get();  // rethrows what fn threw
}

TEST(ResolveThreads, KeepsPositiveRequestsAndMapsTheRestToTheHardware) {
  EXPECT_EQ(resolve_threads(1), 1);
  EXPECT_EQ(resolve_threads(3), 3);
  EXPECT_GE(resolve_threads(0), 1);
  EXPECT_GE(resolve_threads(-1), 1);
}

TEST(ParallelFor, RunsEveryUnitExactlyOnce) {
  for (int threads : kThreadCounts) {
    for (std::int64_t count : {0, 1, 2, 3, 1000}) {
      std::vector<std::atomic<int>> runs(static_cast<std::size_t>(count));
      parallel_for(count, threads, [&](std::int64_t i) {
        ASSERT_GE(i, 0);
        ASSERT_LT(i, count);
        runs[static_cast<std::size_t>(i)].fetch_add(1);
      });
      for (std::int64_t i = 0; i < count; ++i) {
        EXPECT_EQ(runs[static_cast<std::size_t>(i)].load(), 1)
            << "unit " << i << " of " << count << " at " << threads << " threads";
      }
    }
  }
}

TEST(ParallelFor, ResultsDoNotDependOnTheThreadCount) {
  // Each unit writes only its own slot, as parallel.hpp requires of bodies.
  auto run = [](int threads) {
    std::vector<std::uint64_t> out(257);
    parallel_for(static_cast<std::int64_t>(out.size()), threads, [&](std::int64_t i) {
      std::uint64_t h = static_cast<std::uint64_t>(i) + 1;
      for (int r = 0; r < 100; ++r) {
        h = h * 6364136223846793005ULL + 1442695040888963407ULL;
      }
      out[static_cast<std::size_t>(i)] = h;
    });
    return out;
  };
  EXPECT_EQ(run(1), run(2));
}

TEST(ParallelFor, UsesMoreThreadsThanUnitsSafely) {
  std::vector<std::atomic<int>> runs(3);
  parallel_for(3, 2, [&](std::int64_t i) { runs[static_cast<std::size_t>(i)].fetch_add(1); });
  for (const auto& r : runs) {
    EXPECT_EQ(r.load(), 1);
  }
}

TEST(ParallelFor, PropagatesTheExceptionOfAFailingUnitWithItsType) {
  for (int threads : kThreadCounts) {
    try {
      parallel_for(100, threads, [](std::int64_t i) {
        if (i == 37) {
          SCMFORGE_THROW(InvalidInput, "unit {} failed", i);
        }
      });
      FAIL() << "no exception at " << threads << " threads";
    } catch (const InvalidInput& e) {
      EXPECT_EQ(std::string(e.what()), "unit 37 failed");
    }
  }
}

TEST(ParallelFor, PropagatesExceptionsThatAreNotStdExceptions) {
  for (int threads : kThreadCounts) {
    EXPECT_THROW(parallel_for(10, threads,
                              [](std::int64_t i) {
                                if (i == 4) {
                                  throw 42;
                                }
                              }),
                 int);
  }
}

TEST(ParallelFor, OneThreadRethrowsTheFirstFailureAndStopsThere) {
  std::vector<int> ran;
  try {
    parallel_for(10, 1, [&](std::int64_t i) {
      ran.push_back(static_cast<int>(i));
      if (i == 3 || i == 5) {
        throw std::runtime_error("unit " + std::to_string(i));
      }
    });
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "unit 3");
  }
  EXPECT_EQ(ran, (std::vector<int>{0, 1, 2, 3}));
}

TEST(ParallelFor, TwoThreadsRethrowOneOfTheFailures) {
  try {
    parallel_for(1000, 2, [](std::int64_t i) {
      if (i % 7 == 3) {
        throw std::runtime_error("unit " + std::to_string(i));
      }
    });
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    ASSERT_EQ(what.rfind("unit ", 0), 0U) << what;
    EXPECT_EQ(std::stoi(what.substr(5)) % 7, 3) << what;
  }
}

TEST(ParallelFor, ThrowingBodiesDoNotHang) {
  for (int threads : kThreadCounts) {
    // Every unit throws: each thread must still leave the loop.
    run_with_deadline(
        [threads] {
          EXPECT_THROW(
              parallel_for(10000, threads, [](std::int64_t) { throw std::logic_error("always"); }),
              std::logic_error);
        },
        std::chrono::seconds(60));
    // The first unit throws while the other thread is busy with slow units.
    run_with_deadline(
        [threads] {
          EXPECT_THROW(parallel_for(64, threads,
                                    [](std::int64_t i) {
                                      if (i == 0) {
                                        throw std::logic_error("first");
                                      }
                                      std::this_thread::sleep_for(std::chrono::milliseconds(1));
                                    }),
                       std::logic_error);
        },
        std::chrono::seconds(60));
  }
}

TEST(ParallelFor, CanBeCalledAgainAfterAFailure) {
  for (int threads : kThreadCounts) {
    EXPECT_THROW(parallel_for(50, threads, [](std::int64_t) { throw std::runtime_error("x"); }),
                 std::runtime_error);
    std::atomic<int> total{0};
    parallel_for(50, threads, [&](std::int64_t) { total.fetch_add(1); });
    EXPECT_EQ(total.load(), 50);
  }
}

}  // namespace
}  // namespace scmforge
