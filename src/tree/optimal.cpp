// src/tree/optimal.cpp: optimal tree solver (placeholder until the solver lands).
#include "scmforge/tree/optimal.hpp"

#include "scmforge/core/error.hpp"

namespace scmforge::tree {

OptimalResult fit_optimal(const TrainingSet& /*data*/, const OptimalOptions& /*options*/) {
  SCMFORGE_THROW(NotImplemented, "fit_optimal is not implemented yet");
}

std::vector<OptimalResult> fit_optimal_batch(std::span<const TrainingSet> /*sets*/,
                                             const OptimalOptions& /*options*/, int /*threads*/) {
  SCMFORGE_THROW(NotImplemented, "fit_optimal_batch is not implemented yet");
}

}  // namespace scmforge::tree
