// cli/progress.cpp: terminal progress bar.
#include "progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <utility>

namespace scmforge::cli {

ProgressBar::ProgressBar(std::int64_t total, std::string unit, bool quiet)
    : total_(total),
      unit_(std::move(unit)),
      enabled_(!quiet && isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

double ProgressBar::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void ProgressBar::update(std::int64_t done, std::string note) {
  if (!enabled_) return;
  note_ = std::move(note);
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  draw(done);
}

void ProgressBar::finish(std::int64_t done) {
  if (!enabled_) return;
  draw(done);
  std::fputc('\n', stderr);
}

void ProgressBar::draw(std::int64_t done) {
  const double seconds = elapsed();
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : 0.0;
  constexpr int kWidth = 30;
  const int filled =
      total_ > 0
          ? static_cast<int>(kWidth * static_cast<double>(done) / static_cast<double>(total_))
          : kWidth;
  const std::string bar =
      std::string(static_cast<std::size_t>(std::clamp(filled, 0, kWidth)), '#') +
      std::string(static_cast<std::size_t>(kWidth - std::clamp(filled, 0, kWidth)), '.');
  fmt::print(stderr, "\r[{}] {}/{} {} | {:.0f} {}/s | ETA {:.0f}s{}{}   ", bar, done, total_, unit_,
             rate, unit_, eta, note_.empty() ? "" : " | ", note_);
  std::fflush(stderr);
}

}  // namespace scmforge::cli
