// src/tree/cart_criterion.hpp: CART impurities (gini, entropy, squared error) as scikit-learn
// computes them.
//
// Every formula keeps scikit-learn's order of floating-point operations
// (sklearn/tree/_criterion.pyx) so that impurities, proxies and improvements agree to the last bit
// where the sums agree.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

namespace scmforge::tree::cart {

/// Feature values closer than this (in float32 arithmetic) are not separated by a split, and a
/// feature whose range is within it is constant at the node (scikit-learn's FEATURE_THRESHOLD).
inline constexpr float kFeatureThreshold = 1e-7F;
/// Impurities at or below this are pure; improvements get this much slack (scikit-learn).
inline constexpr double kEpsilon = std::numeric_limits<double>::epsilon();

/// scikit-learn's log2: ln(x) / ln(2).
inline double log2_sk(double x) { return std::log(x) / std::log(2.0); }

/// Gini index of class sums (k values) with total weight w.
inline double gini_impurity(const double* sums, std::int32_t k, double w) {
  double sq = 0.0;
  for (std::int32_t c = 0; c < k; ++c) {
    sq += sums[c] * sums[c];
  }
  return 1.0 - sq / (w * w);
}

/// Entropy (bits) of class sums (k values) with total weight w.
inline double entropy_impurity(const double* sums, std::int32_t k, double w) {
  double e = 0.0;
  for (std::int32_t c = 0; c < k; ++c) {
    double p = sums[c];
    if (p > 0.0) {
      p /= w;
      e -= p * log2_sk(p);
    }
  }
  return e;
}

/// Variance from the weighted sum, weighted sum of squares and total weight.
inline double squared_error_impurity(double sum, double sq_sum, double w) {
  const double mean = sum / w;
  return sq_sum / w - mean * mean;
}

/// scikit-learn's impurity_improvement: the weighted decrease of impurity, relative to the total
/// weight of the training set.
inline double impurity_improvement(double weighted_n_samples, double weighted_n_node,
                                   double weighted_n_left, double weighted_n_right,
                                   double impurity_parent, double impurity_left,
                                   double impurity_right) {
  return (weighted_n_node / weighted_n_samples) *
         (impurity_parent - (weighted_n_right / weighted_n_node * impurity_right) -
          (weighted_n_left / weighted_n_node * impurity_left));
}

}  // namespace scmforge::tree::cart
