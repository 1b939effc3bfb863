// src/tree/optimal_candidates.hpp: candidate splits of the optimal solver as row bitsets (private).
//
// Every candidate split is one (feature, threshold, kind) triple; its bitset has bit i set when
// row i goes left. Candidates are numbered feature by feature, thresholds (or levels) ascending;
// this number is the solver's tie-break order (lowest index wins among equal objectives).
#pragma once

#include <cstdint>
#include <vector>

#include "scmforge/tree/tree.hpp"

namespace scmforge::tree::detail {

struct Candidate {
  std::int32_t feature = 0;
  double threshold = 0.0;
  SplitKind kind = SplitKind::kThreshold;
};

struct CandidateSet {
  std::int64_t n = 0;
  std::int64_t words = 0;  // 64-bit words per bitset: ceil(n / 64)
  std::vector<Candidate> candidates;
  std::vector<std::uint64_t> bits;             // candidates.size() x words, row i -> bit i
  std::vector<std::int32_t> per_feature;       // d counts
  std::vector<std::int32_t> first_of_feature;  // d + 1 offsets into candidates
  std::vector<std::int32_t> rank;              // d x n: numeric: first candidate (local index)
                                               // the row goes left of; categorical: level slot
                                               // (or per_feature[j] when it never goes left)

  [[nodiscard]] const std::uint64_t* bitset(std::int64_t c) const {
    return bits.data() + c * words;
  }
  [[nodiscard]] bool goes_left(std::int64_t c, std::int64_t row) const {
    return ((bitset(c)[row >> 6] >> (row & 63)) & 1U) != 0;
  }
};

/// Builds the candidate splits of x: midpoints of adjacent distinct values (or at most
/// max_thresholds quantile midpoints) for numeric columns, one x == level split per level
/// present for categorical ones. Splits that send every row to one side are dropped.
CandidateSet build_candidates(const DataView& x, std::int32_t max_thresholds);

}  // namespace scmforge::tree::detail
