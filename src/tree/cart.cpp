// src/tree/cart.cpp: CART builder (placeholder until the builder lands; owned by the CART work).
#include "scmforge/tree/cart.hpp"

#include "scmforge/core/error.hpp"

namespace scmforge::tree {

Tree fit_cart(const TrainingSet& /*data*/, const CartOptions& /*options*/) {
  SCMFORGE_THROW(NotImplemented, "fit_cart is not implemented yet");
}

std::vector<Tree> fit_cart_batch(std::span<const TrainingSet> /*sets*/,
                                 const CartOptions& /*options*/, int /*threads*/) {
  SCMFORGE_THROW(NotImplemented, "fit_cart_batch is not implemented yet");
}

}  // namespace scmforge::tree
