// src/causal/subsets.hpp: subsets of a list in itertools.combinations order (internal to causal/).
#pragma once

#include <vector>

namespace scmforge::causal {

// Calls visit(subset) for every size-k subset of `items` in lexicographic order of positions
// (itertools.combinations); stops early when visit returns false.
template <typename Visit>
void for_each_subset(const std::vector<int>& items, int k, Visit&& visit) {
  const int m = static_cast<int>(items.size());
  if (k > m) return;
  std::vector<int> pos(static_cast<std::size_t>(k));
  for (int i = 0; i < k; ++i) pos[static_cast<std::size_t>(i)] = i;
  std::vector<int> subset(static_cast<std::size_t>(k));
  for (;;) {
    for (int i = 0; i < k; ++i)
      subset[static_cast<std::size_t>(i)] =
          items[static_cast<std::size_t>(pos[static_cast<std::size_t>(i)])];
    if (!visit(subset)) return;
    int i = k - 1;
    while (i >= 0 && pos[static_cast<std::size_t>(i)] == m - k + i) --i;
    if (i < 0) return;
    ++pos[static_cast<std::size_t>(i)];
    for (int j = i + 1; j < k; ++j)
      pos[static_cast<std::size_t>(j)] = pos[static_cast<std::size_t>(j - 1)] + 1;
  }
}

}  // namespace scmforge::causal
