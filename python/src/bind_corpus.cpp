// python/src/bind_corpus.cpp: bindings of corpus/ (MetaTree examples as padded numpy arrays).
#include <nanobind/ndarray.h>
#include <nanobind/stl/map.h>
#include <nanobind/stl/string.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "scmforge/core/error.hpp"
#include "scmforge/corpus/pipeline.hpp"
#include "scmforge/prior/config.hpp"

namespace nb = nanobind;

namespace scmforge::python {
namespace {

template <typename T>
nb::ndarray<nb::numpy, T> owned(std::vector<T>&& data, std::initializer_list<std::size_t> shape) {
  auto* heap = new std::vector<T>(std::move(data));
  nb::capsule owner(heap, [](void* p) noexcept { delete static_cast<std::vector<T>*>(p); });
  return nb::ndarray<nb::numpy, T>(heap->data(), shape, owner);
}

corpus::ExampleConfig example_config(const std::map<std::string, std::string>& options) {
  corpus::ExampleConfig c;
  for (const auto& [key, value] : options) {
    try {
      if (key == "target") {
        SCMFORGE_CHECK(value == "cart" || value == "optimal", InvalidInput,
                       "target must be 'cart' or 'optimal', got '{}'", value);
        c.target = value == "cart" ? corpus::TargetKind::kCart : corpus::TargetKind::kOptimal;
      } else if (key == "depth") {
        c.depth = std::stoi(value);
      } else if (key == "max_majority_share") {
        c.max_majority_share = std::stod(value);
      } else if (key == "max_imbalance") {
        c.max_imbalance = std::stod(value);
      } else if (key == "min_tree_accuracy") {
        c.min_tree_accuracy = std::stod(value);
      } else if (key == "label_noise") {
        c.label_noise = std::stod(value);
      } else if (key == "optimal_time_limit") {
        c.optimal_time_limit = std::stod(value);
      } else if (key == "optimal_max_thresholds") {
        c.optimal_max_thresholds = std::stoi(value);
      } else {
        SCMFORGE_THROW(InvalidInput, "unknown example option '{}'", key);
      }
    } catch (const std::logic_error&) {  // std::stoi / std::stod
      SCMFORGE_THROW(InvalidInput, "example option {} must be a number, got '{}'", key, value);
    }
  }
  corpus::validate(c);
  return c;
}

// Accepted examples from candidate `first` on until `n` are collected, as padded arrays.
nb::dict sample_examples(std::int64_t n, const std::string& preset, std::uint64_t seed, int threads,
                         std::uint64_t first, const std::map<std::string, std::string>& overrides,
                         const std::map<std::string, std::string>& options) {
  SCMFORGE_CHECK(n >= 0, InvalidInput, "n must be >= 0, got {}", n);
  prior::PriorConfig prior_config = prior::preset(preset);
  for (const auto& [key, value] : overrides) prior::set_parameter(prior_config, key, value);
  prior::validate(prior_config);
  const corpus::ExampleConfig config = example_config(options);
  const auto t = static_cast<std::size_t>(prior_config.n_rows);
  const auto f = static_cast<std::size_t>(prior_config.max_features);
  const auto k = static_cast<std::size_t>(prior_config.max_classes);
  const auto s = (std::size_t{1} << config.depth) - 1;
  const auto count = static_cast<std::size_t>(n);
  std::vector<corpus::Example> examples;
  corpus::PipelineStats stats;
  std::uint64_t next = first;
  {
    nb::gil_scoped_release release;
    const prior::PriorGenerator generator(prior_config, seed);
    while (examples.size() < count) {
      // Candidates in blocks of at least 64; the block's surplus examples are dropped and the
      // next block starts just past the last example kept.
      const auto want = static_cast<std::int64_t>(count - examples.size());
      const std::int64_t block = std::max<std::int64_t>(64, 3 * want);
      corpus::PipelineStats block_stats;
      auto got = corpus::make_examples(generator, config, next, block, threads, &block_stats, want);
      stats.merge(block_stats);
      next += static_cast<std::uint64_t>(block_stats.candidates);
      for (auto& e : got) examples.push_back(std::move(e));
    }
  }
  std::vector<float> x(count * t * f, 0.0F), dist(count * s * t, 0.0F);
  std::vector<std::int32_t> y_prior(count * t, -1), y_clean(count * t, -1), y_noisy(count * t, -1);
  std::vector<std::int32_t> rows(count), feats(count), classes(count), split(count * s);
  std::vector<std::uint64_t> ids(count);
  std::vector<double> thresholds(count * s), leaf(count * (s + 1) * k, 0.0);
  std::vector<double> accuracy(count), majority(count), imbalance(count);
  std::vector<std::uint8_t> masks(count * s * t, 0);
  for (std::size_t b = 0; b < count; ++b) {
    const corpus::Example& e = examples[b];
    const auto nb_rows = static_cast<std::size_t>(e.data.n);
    copy_rows_padded(e.data, f, x.data() + b * t * f);
    std::copy(e.data.y.begin(), e.data.y.end(),
              y_prior.begin() + static_cast<std::ptrdiff_t>(b * t));
    std::copy(e.y_clean.begin(), e.y_clean.end(),
              y_clean.begin() + static_cast<std::ptrdiff_t>(b * t));
    std::copy(e.y_noisy.begin(), e.y_noisy.end(),
              y_noisy.begin() + static_cast<std::ptrdiff_t>(b * t));
    rows[b] = e.data.n;
    feats[b] = e.data.d;
    classes[b] = e.data.k;
    ids[b] = e.data.id;
    std::copy(e.target.feature.begin(), e.target.feature.end(),
              split.begin() + static_cast<std::ptrdiff_t>(b * s));
    std::copy(e.target.threshold.begin(), e.target.threshold.end(),
              thresholds.begin() + static_cast<std::ptrdiff_t>(b * s));
    const auto kk = static_cast<std::size_t>(e.tree.n_outputs);
    for (std::size_t l = 0; l <= s; ++l) {
      for (std::size_t c = 0; c < kk; ++c)
        leaf[(b * (s + 1) + l) * k + c] = e.target.leaf_value[l * kk + c];
    }
    const auto m = corpus::node_masks(e);
    const auto d = corpus::threshold_distances(e);
    for (std::size_t node = 0; node < s; ++node) {
      std::copy_n(m.begin() + static_cast<std::ptrdiff_t>(node * nb_rows), nb_rows,
                  masks.begin() + static_cast<std::ptrdiff_t>((b * s + node) * t));
      std::copy_n(d.begin() + static_cast<std::ptrdiff_t>(node * nb_rows), nb_rows,
                  dist.begin() + static_cast<std::ptrdiff_t>((b * s + node) * t));
    }
    accuracy[b] = e.tree_accuracy;
    majority[b] = e.balance.majority_share;
    imbalance[b] = e.balance.imbalance;
  }
  nb::dict out;
  out["X"] = owned(std::move(x), {count, t, f});
  out["y"] = owned(std::move(y_noisy), {count, t});
  out["y_clean"] = owned(std::move(y_clean), {count, t});
  out["y_prior"] = owned(std::move(y_prior), {count, t});
  out["num_rows"] = owned(std::move(rows), {count});
  out["num_features"] = owned(std::move(feats), {count});
  out["num_classes"] = owned(std::move(classes), {count});
  out["dataset_id"] = owned(std::move(ids), {count});
  out["split_feature"] = owned(std::move(split), {count, s});
  out["split_threshold"] = owned(std::move(thresholds), {count, s});
  out["leaf_counts"] = owned(std::move(leaf), {count, s + 1, k});
  out["node_mask"] = owned(std::move(masks), {count, s, t});
  out["threshold_distance"] = owned(std::move(dist), {count, s, t});
  out["tree_accuracy"] = owned(std::move(accuracy), {count});
  out["majority_share"] = owned(std::move(majority), {count});
  out["imbalance"] = owned(std::move(imbalance), {count});
  out["candidates"] = stats.candidates;
  out["next_candidate"] = next;
  nb::dict rejections;
  for (std::size_t r = 0; r < corpus::kRejectionCount; ++r) {
    rejections[corpus::rejection_name(static_cast<corpus::Rejection>(r))] = stats.rejections[r];
  }
  out["rejections"] = rejections;
  out["prior_config"] = prior::to_json(prior_config);
  return out;
}

}  // namespace

void bind_corpus(nb::module_& m) {
  m.def("corpus_sample", &sample_examples, nb::arg("n"), nb::arg("preset"), nb::arg("seed"),
        nb::arg("threads"), nb::arg("first_candidate"), nb::arg("overrides"), nb::arg("options"),
        "The first n accepted MetaTree examples from candidate first_candidate on, padded.");
}

}  // namespace scmforge::python
