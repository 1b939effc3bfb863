// cli/progress.hpp: a one-line progress bar (rate and ETA) on stderr, shown only on a terminal.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace scmforge::cli {

class ProgressBar {
 public:
  /// `unit` names what is counted ("datasets"); disabled when stderr is not a terminal or quiet.
  ProgressBar(std::int64_t total, std::string unit, bool quiet);
  /// Redraws the bar for `done` units (at most ~10 times a second), with `note` (e.g. a
  /// rejection rate) after the ETA.
  void update(std::int64_t done, std::string note = {});
  /// Draws the final state and ends the line.
  void finish(std::int64_t done);
  /// Seconds since construction.
  [[nodiscard]] double elapsed() const;

 private:
  void draw(std::int64_t done);
  std::int64_t total_;
  std::string unit_;
  std::string note_;
  bool enabled_;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace scmforge::cli
