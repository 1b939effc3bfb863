// fuzz/tree_json_fuzz.cpp: libFuzzer target over the tree JSON loader and its round trip.
//
// Every input is loaded with from_json. A scmforge::Error is an accepted outcome; a crash, a
// sanitizer report or any other exception is a bug. A tree that loads must be structurally valid:
// predicting one all-zero and one all-NaN row must terminate, the exports must not throw, and
// to_json -> from_json -> to_json must give the same text (otherwise: abort).
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "scmforge/core/error.hpp"
#include "scmforge/tree/tree.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using scmforge::tree::Tree;
  const std::string text(reinterpret_cast<const char*>(data), size);
  Tree tree;
  try {
    tree = scmforge::tree::from_json(text);
  } catch (const scmforge::Error&) {
    return 0;
  }
  const auto d = static_cast<std::size_t>(tree.n_features);
  if (d > 4096) return 0;  // valid, but too wide to predict on cheaply
  std::vector<float> x(2 * d, 0.0F);
  for (std::size_t j = 0; j < d; ++j) x[j * 2 + 1] = std::numeric_limits<float>::quiet_NaN();
  std::vector<double> out(2 * static_cast<std::size_t>(tree.n_outputs));
  tree.predict_values(scmforge::tree::DataView{2, tree.n_features, x.data(), {}}, out);
  const std::string once = scmforge::tree::to_json(tree);
  (void)scmforge::tree::to_text(tree, 2);
  (void)scmforge::tree::to_dot(tree);
  if (scmforge::tree::to_json(scmforge::tree::from_json(once)) != once) std::abort();
  return 0;
}
