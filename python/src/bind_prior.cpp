// python/src/bind_prior.cpp: bindings of prior/ (sampling into numpy arrays, dumps, parameters).
#include <nanobind/ndarray.h>
#include <nanobind/stl/map.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <algorithm>

#include "bindings.hpp"
#include "scmforge/core/error.hpp"
#include "scmforge/core/parallel.hpp"
#include "scmforge/io/prior_h5.hpp"
#include "scmforge/prior/config.hpp"
#include "scmforge/prior/dump.hpp"
#include "scmforge/prior/generator.hpp"

namespace nb = nanobind;

namespace scmforge::python {
namespace {

using Overrides = std::map<std::string, std::string>;

prior::PriorConfig make_config(const std::string& preset, const Overrides& overrides) {
  prior::PriorConfig config = prior::preset(preset);
  for (const auto& [key, value] : overrides) prior::set_parameter(config, key, value);
  prior::validate(config);
  return config;
}

// Padded batch of datasets [first, first + n) as numpy arrays (X is n x T x F row-major).
nb::dict sample_padded(std::int64_t n, const std::string& preset, std::uint64_t seed, int threads,
                       std::uint64_t first_id, const Overrides& overrides) {
  if (n < 0) throw InvalidInput(fmt::format("n must be >= 0, got {}", n));
  const prior::PriorConfig config = make_config(preset, overrides);
  const auto t = static_cast<std::size_t>(config.n_rows);
  const auto f = static_cast<std::size_t>(config.max_features);
  const auto count = static_cast<std::size_t>(n);
  std::vector<float> x(count * t * f, 0.0F);
  std::vector<std::int64_t> y(count * t, -100);
  std::vector<std::int32_t> nf(count), nr(count), nc(count), pos(count), cat(count * f, 0);
  std::vector<std::uint64_t> ids(count);
  std::vector<std::uint8_t> type(count);
  prior::GenerationStats stats;
  {
    nb::gil_scoped_release release;
    const prior::PriorGenerator generator(config, seed);
    // Generate in slices so memory stays at one padded copy plus a slice of datasets.
    const std::int64_t slice = 1024;
    for (std::int64_t start = 0; start < n; start += slice) {
      const std::int64_t m = std::min(slice, n - start);
      const auto batch = generator.generate_range(first_id + static_cast<std::uint64_t>(start), m,
                                                  threads, &stats);
      parallel_for(m, threads, [&](std::int64_t bi) {
        const auto b = static_cast<std::size_t>(start + bi);
        const PriorDataset& ds = batch[static_cast<std::size_t>(bi)];
        copy_rows_padded(ds, f, x.data() + b * t * f);
        std::copy(ds.y.begin(), ds.y.end(), y.begin() + static_cast<std::ptrdiff_t>(b * t));
        for (std::int32_t j = 0; j < ds.d; ++j)
          cat[b * f + static_cast<std::size_t>(j)] = ds.categorical[static_cast<std::size_t>(j)];
        nf[b] = ds.d;
        nr[b] = ds.n;
        nc[b] = ds.k;
        pos[b] = ds.single_eval_pos;
        ids[b] = ds.id;
        type[b] = ds.prior_type == "mlp" ? 0 : ds.prior_type == "tree" ? 1 : 2;
      });
    }
  }
  nb::dict out;
  out["X"] = owned(std::move(x), {count, t, f});
  out["y"] = owned(std::move(y), {count, t});
  out["num_features"] = owned(std::move(nf), {count});
  out["num_rows"] = owned(std::move(nr), {count});
  out["num_classes"] = owned(std::move(nc), {count});
  out["single_eval_pos"] = owned(std::move(pos), {count});
  out["categorical"] = owned(std::move(cat), {count, f});
  out["dataset_id"] = owned(std::move(ids), {count});
  out["prior_type"] = owned(std::move(type), {count});
  std::vector<std::int64_t> rejections(stats.rejections.begin(), stats.rejections.end());
  out["rejections"] = rejections;
  out["config"] = prior::to_json(config);
  return out;
}

void write_dump(const std::string& path, std::int64_t n, const std::string& preset,
                std::uint64_t seed, int threads, std::uint64_t first_id, const Overrides& overrides,
                int compression, std::int64_t batch) {
  const prior::PriorConfig config = make_config(preset, overrides);
  nb::gil_scoped_release release;
  const prior::PriorGenerator generator(config, seed);
  prior::write_dump(generator, path, prior::DumpOptions{first_id, n, threads, batch, compression});
}

}  // namespace

void bind_prior(nb::module_& m) {
  m.def("prior_sample", &sample_padded, nb::arg("n"), nb::arg("preset"), nb::arg("seed"),
        nb::arg("threads"), nb::arg("first_id"), nb::arg("overrides"),
        "Datasets [first_id, first_id + n) of a prior as padded numpy arrays.");
  m.def("prior_write_dump", &write_dump, nb::arg("path"), nb::arg("n"), nb::arg("preset"),
        nb::arg("seed"), nb::arg("threads"), nb::arg("first_id"), nb::arg("overrides"),
        nb::arg("compression"), nb::arg("batch"),
        "Writes datasets to an HDF5 prior dump (the CLI's `prior sample`).");
  m.def("prior_presets", &prior::preset_names);
  m.def("prior_preset", [](const std::string& name, const Overrides& overrides) {
    const prior::PriorConfig config = make_config(name, overrides);
    std::map<std::string, std::string> values;
    for (const auto& spec : prior::prior_parameters())
      values[std::string(spec.name)] = prior::get_parameter(config, spec.name);
    return values;
  });
  m.def("prior_parameters", [] {
    nb::list rows;
    for (const auto& spec : prior::prior_parameters()) {
      nb::dict row;
      row["name"] = std::string(spec.name);
      row["type"] = spec.type == prior::ParamType::kInt      ? "int"
                    : spec.type == prior::ParamType::kDouble ? "float"
                    : spec.type == prior::ParamType::kBool   ? "bool"
                                                             : "str";
      row["doc"] = std::string(spec.doc);
      row["min"] = spec.min;
      row["max"] = spec.max;
      std::vector<std::string> choices(spec.choices.begin(), spec.choices.end());
      row["choices"] = choices;
      rows.append(row);
    }
    return rows;
  });
  m.def("prior_summarize_dump", [](const std::string& path) {
    io::PriorDumpSummary s;
    {
      nb::gil_scoped_release release;
      s = io::summarize_prior_dump(path);
    }
    nb::dict out;
    out["count"] = s.count;
    out["max_rows"] = s.max_rows;
    out["max_features"] = s.max_features;
    out["rows"] = s.rows;
    out["features"] = s.features;
    out["classes"] = s.classes;
    out["single_eval_pos"] = s.single_eval_pos;
    out["majority_share"] = s.majority_share;
    out["categorical_share"] = s.categorical_share;
    out["prior_type"] = std::vector<int>(s.prior_type.begin(), s.prior_type.end());
    out["config"] = s.config_json;
    return out;
  });
}

}  // namespace scmforge::python
