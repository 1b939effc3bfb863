// src/core/table.cpp: layout conversions of the table types.
#include "scmforge/core/table.hpp"

namespace scmforge {

void copy_rows_padded(const PriorDataset& ds, std::size_t f, float* out) {
  const auto n = static_cast<std::size_t>(ds.n);
  for (std::size_t j = 0; j < static_cast<std::size_t>(ds.d); ++j) {
    const float* column = ds.x.data() + j * n;
    for (std::size_t i = 0; i < n; ++i) out[i * f + j] = column[i];
  }
}

}  // namespace scmforge
