// src/io/prior_h5.cpp: HDF5 prior dump writer and reader (C API).
#include "scmforge/io/prior_h5.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <map>

#include "io/hdf5_handles.hpp"
#include "scmforge/core/error.hpp"

namespace scmforge::io {

struct PriorH5Writer::Handles {
  Hid file;
  std::map<std::string, Hid> sets;
};

PriorH5Writer::PriorH5Writer(std::string path, PriorDumpInfo info)
    : path_(std::move(path)), partial_(path_ + ".partial"), info_(std::move(info)) {
  quiet_hdf5();
  SCMFORGE_CHECK(info_.max_rows > 0 && info_.max_features > 0, InvalidInput,
                 "prior dump '{}': max_rows and max_features must be positive", path_);
  h_ = new Handles();
  Hid fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
  H5Pset_obj_track_times(fcpl, 0);
  const hid_t file = H5Fcreate(partial_.c_str(), H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
  if (file < 0) {
    delete h_;
    h_ = nullptr;
    SCMFORGE_THROW(Io, "cannot create '{}': check that the folder exists and is writable",
                   partial_);
  }
  h_->file = Hid(file, H5Fclose);
  const hsize_t t = static_cast<hsize_t>(info_.max_rows);
  const hsize_t f = static_cast<hsize_t>(info_.max_features);
  const hsize_t per_dataset = t * f * 4;
  const hsize_t chunk_n = std::max<hsize_t>(1, std::min<hsize_t>(256, (1u << 20) / per_dataset));
  chunk_n_ = static_cast<std::size_t>(chunk_n);
  auto create = [&](const char* name, hid_t type, const std::vector<hsize_t>& dims_tail) {
    std::vector<hsize_t> dims = {0}, maxdims = {H5S_UNLIMITED}, chunk = {chunk_n};
    for (hsize_t d : dims_tail) {
      dims.push_back(d);
      maxdims.push_back(d);
      chunk.push_back(d);
    }
    Hid space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), maxdims.data()),
              H5Sclose);
    Hid dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    H5Pset_obj_track_times(dcpl, 0);
    H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data());
    if (info_.compression > 0) {
      H5Pset_shuffle(dcpl);
      H5Pset_deflate(dcpl, static_cast<unsigned>(info_.compression));
    }
    h_->sets[name] =
        Hid(check(H5Dcreate2(h_->file, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                  fmt::format("creating dataset {}", name), partial_),
            H5Dclose);
  };
  create("X", H5T_IEEE_F32LE, {t, f});
  create("y", H5T_IEEE_F32LE, {t});
  create("num_features", H5T_STD_I32LE, {});
  create("num_datapoints", H5T_STD_I32LE, {});
  create("single_eval_pos", H5T_STD_I32LE, {});
  create("num_classes", H5T_STD_I32LE, {});
  create("categorical", H5T_STD_I32LE, {f});
  create("prior_type", H5T_STD_U8LE, {});
  create("dataset_id", H5T_STD_U64LE, {});
  // Scalars and attributes.
  auto scalar_i64 = [&](const char* name, std::int64_t value) {
    hsize_t one = 1;
    Hid space(H5Screate_simple(1, &one, nullptr), H5Sclose);
    Hid dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    H5Pset_obj_track_times(dcpl, 0);
    Hid set(check(H5Dcreate2(h_->file, name, H5T_STD_I64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                  name, partial_),
            H5Dclose);
    check_status(H5Dwrite(set, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value), name,
                 partial_);
  };
  scalar_i64("max_num_classes", info_.max_classes);
  scalar_i64("original_batch_size", info_.batch_size);
  auto string_value = [&](const char* name, const std::string& value, bool attribute) {
    Hid type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    Hid space(H5Screate(H5S_SCALAR), H5Sclose);
    const char* data = value.c_str();
    if (attribute) {
      Hid attr(
          check(H5Acreate2(h_->file, name, type, space, H5P_DEFAULT, H5P_DEFAULT), name, partial_),
          H5Aclose);
      check_status(H5Awrite(attr, type, &data), name, partial_);
    } else {
      Hid dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
      H5Pset_obj_track_times(dcpl, 0);
      Hid set(check(H5Dcreate2(h_->file, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), name,
                    partial_),
              H5Dclose);
      check_status(H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, &data), name, partial_);
    }
  };
  string_value("problem_type", "classification", false);
  string_value("scmforge_version", SCMFORGE_VERSION, true);
  string_value("config", info_.config_json, true);
  auto attr_u64 = [&](const char* name, std::uint64_t value) {
    Hid space(H5Screate(H5S_SCALAR), H5Sclose);
    Hid attr(check(H5Acreate2(h_->file, name, H5T_STD_U64LE, space, H5P_DEFAULT, H5P_DEFAULT), name,
                   partial_),
             H5Aclose);
    check_status(H5Awrite(attr, H5T_NATIVE_UINT64, &value), name, partial_);
  };
  attr_u64("seed", info_.seed);
  attr_u64("first_id", info_.first_id);
}

PriorH5Writer::~PriorH5Writer() {
  if (h_ != nullptr) {
    delete h_;
    h_ = nullptr;
  }
  if (!committed_) std::remove(partial_.c_str());
}

void PriorH5Writer::append(std::span<const PriorDataset> datasets) {
  SCMFORGE_ASSERT(h_ != nullptr && !committed_);
  for (const PriorDataset& ds : datasets) {
    SCMFORGE_CHECK(
        ds.n <= info_.max_rows && ds.d <= info_.max_features, InvalidInput,
        "prior dump '{}': dataset {} has {} rows x {} features, more than the file's {} x {}",
        path_, ds.id, ds.n, ds.d, info_.max_rows, info_.max_features);
    pending_.push_back(ds);
    if (pending_.size() == chunk_n_) {
      write_rows(pending_);
      pending_.clear();
    }
  }
}

void PriorH5Writer::write_rows(std::span<const PriorDataset> datasets) {
  SCMFORGE_ASSERT(h_ != nullptr && !committed_);
  if (datasets.empty()) return;
  const auto m = static_cast<hsize_t>(datasets.size());
  const auto t = static_cast<std::size_t>(info_.max_rows);
  const auto f = static_cast<std::size_t>(info_.max_features);
  std::vector<float> x(datasets.size() * t * f, 0.0F);
  std::vector<float> y(datasets.size() * t, 0.0F);
  std::vector<std::int32_t> nf, nd, pos, nc, cat(datasets.size() * f, 0);
  std::vector<std::uint8_t> type;
  std::vector<std::uint64_t> ids;
  for (std::size_t b = 0; b < datasets.size(); ++b) {
    const PriorDataset& ds = datasets[b];
    copy_rows_padded(ds, f, x.data() + b * t * f);
    for (std::int32_t i = 0; i < ds.n; ++i)
      y[b * t + static_cast<std::size_t>(i)] =
          static_cast<float>(ds.y[static_cast<std::size_t>(i)]);
    for (std::int32_t j = 0; j < ds.d; ++j)
      cat[b * f + static_cast<std::size_t>(j)] = ds.categorical[static_cast<std::size_t>(j)];
    nf.push_back(ds.d);
    nd.push_back(ds.n);
    pos.push_back(ds.single_eval_pos);
    nc.push_back(ds.k);
    type.push_back(ds.prior_type == "mlp" ? 0 : ds.prior_type == "tree" ? 1 : 2);
    ids.push_back(ds.id);
  }
  const auto old = static_cast<hsize_t>(count_);
  auto write = [&](const char* name, hid_t mem_type, const void* data) {
    const hid_t set = h_->sets.at(name);
    Hid file_space(H5Dget_space(set), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(file_space);
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    H5Sget_simple_extent_dims(file_space, dims.data(), nullptr);
    dims[0] = old + m;
    check_status(H5Dset_extent(set, dims.data()), fmt::format("extending {}", name), partial_);
    Hid space(H5Dget_space(set), H5Sclose);
    std::vector<hsize_t> start(static_cast<std::size_t>(rank), 0), count = dims;
    start[0] = old;
    count[0] = m;
    H5Sselect_hyperslab(space, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr);
    Hid mem(H5Screate_simple(rank, count.data(), nullptr), H5Sclose);
    check_status(H5Dwrite(set, mem_type, mem, space, H5P_DEFAULT, data),
                 fmt::format("writing {}", name), partial_);
  };
  write("X", H5T_NATIVE_FLOAT, x.data());
  write("y", H5T_NATIVE_FLOAT, y.data());
  write("num_features", H5T_NATIVE_INT32, nf.data());
  write("num_datapoints", H5T_NATIVE_INT32, nd.data());
  write("single_eval_pos", H5T_NATIVE_INT32, pos.data());
  write("num_classes", H5T_NATIVE_INT32, nc.data());
  write("categorical", H5T_NATIVE_INT32, cat.data());
  write("prior_type", H5T_NATIVE_UINT8, type.data());
  write("dataset_id", H5T_NATIVE_UINT64, ids.data());
  count_ += static_cast<std::int64_t>(m);
}

void PriorH5Writer::commit() {
  SCMFORGE_ASSERT(h_ != nullptr && !committed_);
  write_rows(pending_);
  pending_.clear();
  check_status(H5Fflush(h_->file, H5F_SCOPE_GLOBAL), "flushing", partial_);
  delete h_;
  h_ = nullptr;
  std::error_code ec;
  std::filesystem::rename(partial_, path_, ec);
  if (ec) SCMFORGE_THROW(Io, "cannot rename '{}' to '{}': {}", partial_, path_, ec.message());
  committed_ = true;
}

namespace {

struct Reader {
  std::string path;
  Hid file;

  explicit Reader(const std::string& p) : path(p) {
    quiet_hdf5();
    if (!std::filesystem::exists(p)) SCMFORGE_THROW(Io, "'{}' does not exist: check the path", p);
    const hid_t id = H5Fopen(p.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (id < 0) SCMFORGE_THROW(InvalidInput, "'{}' is not an HDF5 file (or it is damaged)", p);
    file = Hid(id, H5Fclose);
  }
  [[nodiscard]] bool has(const char* name) const { return H5Lexists(file, name, H5P_DEFAULT) > 0; }
  Hid open(const char* name) const {
    if (!has(name))
      SCMFORGE_THROW(InvalidInput, "'{}' is not a prior dump: it has no '{}' dataset", path, name);
    return Hid(check(H5Dopen2(file, name, H5P_DEFAULT), name, path), H5Dclose);
  }
  std::vector<hsize_t> dims(const char* name) const {
    Hid set = open(name);
    Hid space(H5Dget_space(set), H5Sclose);
    std::vector<hsize_t> d(static_cast<std::size_t>(H5Sget_simple_extent_ndims(space)));
    H5Sget_simple_extent_dims(space, d.data(), nullptr);
    return d;
  }
  // Reads rows [first, first + count) of `name` (all trailing dims) as `mem_type`.
  template <typename T>
  std::vector<T> rows(const char* name, hid_t mem_type, hsize_t first, hsize_t count) const {
    Hid set = open(name);
    Hid space(H5Dget_space(set), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(space);
    std::vector<hsize_t> d(static_cast<std::size_t>(rank));
    H5Sget_simple_extent_dims(space, d.data(), nullptr);
    std::vector<hsize_t> start(d.size(), 0), cnt = d;
    start[0] = first;
    cnt[0] = count;
    std::size_t total = 1;
    for (hsize_t c : cnt) total *= c;
    std::vector<T> out(total);
    if (total == 0) return out;
    H5Sselect_hyperslab(space, H5S_SELECT_SET, start.data(), nullptr, cnt.data(), nullptr);
    Hid mem(H5Screate_simple(rank, cnt.data(), nullptr), H5Sclose);
    check_status(H5Dread(set, mem_type, mem, space, H5P_DEFAULT, out.data()),
                 fmt::format("reading {}", name), path);
    return out;
  }
  std::string string_attribute(const char* name) const {
    if (H5Aexists(file, name) <= 0) return {};
    Hid attr(H5Aopen(file, name, H5P_DEFAULT), H5Aclose);
    Hid type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    char* data = nullptr;
    if (H5Aread(attr, type, &data) < 0 || data == nullptr) return {};
    std::string out(data);
    H5free_memory(data);
    return out;
  }
};

}  // namespace

PriorDumpSummary summarize_prior_dump(const std::string& path) {
  const Reader r(path);
  const std::vector<hsize_t> xdims = r.dims("X");
  SCMFORGE_CHECK(xdims.size() == 3, InvalidInput, "'{}': X must have 3 dimensions, not {}", path,
                 xdims.size());
  PriorDumpSummary s;
  s.count = static_cast<std::int64_t>(xdims[0]);
  s.max_rows = static_cast<std::int32_t>(xdims[1]);
  s.max_features = static_cast<std::int32_t>(xdims[2]);
  s.config_json = r.string_attribute("config");
  const bool has_categorical = r.has("categorical");
  const bool has_type = r.has("prior_type");
  const hsize_t chunk = 4096;
  for (hsize_t first = 0; first < xdims[0]; first += chunk) {
    const hsize_t count = std::min<hsize_t>(chunk, xdims[0] - first);
    const auto nf = r.rows<std::int32_t>("num_features", H5T_NATIVE_INT32, first, count);
    const auto nd = r.rows<std::int32_t>("num_datapoints", H5T_NATIVE_INT32, first, count);
    const auto pos = r.rows<std::int32_t>("single_eval_pos", H5T_NATIVE_INT32, first, count);
    const auto y = r.rows<float>("y", H5T_NATIVE_FLOAT, first, count);
    std::vector<std::int32_t> cat;
    if (has_categorical) cat = r.rows<std::int32_t>("categorical", H5T_NATIVE_INT32, first, count);
    if (has_type) {
      const auto t = r.rows<std::uint8_t>("prior_type", H5T_NATIVE_UINT8, first, count);
      s.prior_type.insert(s.prior_type.end(), t.begin(), t.end());
    }
    for (hsize_t b = 0; b < count; ++b) {
      std::map<float, std::int64_t> freq;
      const std::size_t base = b * xdims[1];
      for (std::int32_t i = 0; i < nd[b]; ++i) freq[y[base + static_cast<std::size_t>(i)]] += 1;
      std::int64_t top = 0;
      for (const auto& [label, c] : freq) top = std::max(top, c);
      s.rows.push_back(nd[b]);
      s.features.push_back(nf[b]);
      s.single_eval_pos.push_back(pos[b]);
      s.classes.push_back(static_cast<std::int32_t>(freq.size()));
      s.majority_share.push_back(nd[b] > 0 ? static_cast<double>(top) / nd[b] : 0.0);
      double n_cat = 0;
      if (has_categorical) {
        for (std::int32_t j = 0; j < nf[b]; ++j)
          n_cat += cat[b * xdims[2] + static_cast<std::size_t>(j)] > 0 ? 1 : 0;
      }
      s.categorical_share.push_back(nf[b] > 0 ? n_cat / nf[b] : 0.0);
    }
  }
  return s;
}

std::vector<PriorDataset> read_prior_dump(const std::string& path, std::int64_t first,
                                          std::int64_t count) {
  const Reader r(path);
  const std::vector<hsize_t> xdims = r.dims("X");
  SCMFORGE_CHECK(first >= 0 && count >= 0 && static_cast<hsize_t>(first + count) <= xdims[0],
                 InvalidInput, "'{}' holds {} datasets; cannot read [{}, {})", path, xdims[0],
                 first, first + count);
  const auto f0 = static_cast<hsize_t>(first);
  const auto c0 = static_cast<hsize_t>(count);
  const auto x = r.rows<float>("X", H5T_NATIVE_FLOAT, f0, c0);
  const auto y = r.rows<float>("y", H5T_NATIVE_FLOAT, f0, c0);
  const auto nf = r.rows<std::int32_t>("num_features", H5T_NATIVE_INT32, f0, c0);
  const auto nd = r.rows<std::int32_t>("num_datapoints", H5T_NATIVE_INT32, f0, c0);
  const auto pos = r.rows<std::int32_t>("single_eval_pos", H5T_NATIVE_INT32, f0, c0);
  const auto cat = r.rows<std::int32_t>("categorical", H5T_NATIVE_INT32, f0, c0);
  const auto nc = r.rows<std::int32_t>("num_classes", H5T_NATIVE_INT32, f0, c0);
  const auto type = r.rows<std::uint8_t>("prior_type", H5T_NATIVE_UINT8, f0, c0);
  const auto ids = r.rows<std::uint64_t>("dataset_id", H5T_NATIVE_UINT64, f0, c0);
  const std::size_t t = xdims[1], f = xdims[2];
  std::vector<PriorDataset> out(static_cast<std::size_t>(count));
  static constexpr const char* kTypes[] = {"mlp", "tree", "gp"};
  for (std::size_t b = 0; b < out.size(); ++b) {
    PriorDataset& ds = out[b];
    ds.id = ids[b];
    ds.n = nd[b];
    ds.d = nf[b];
    ds.k = nc[b];
    ds.single_eval_pos = pos[b];
    ds.prior_type = kTypes[std::min<std::uint8_t>(type[b], 2)];
    ds.x.resize(static_cast<std::size_t>(ds.n) * static_cast<std::size_t>(ds.d));
    for (std::int32_t j = 0; j < ds.d; ++j)
      for (std::int32_t i = 0; i < ds.n; ++i)
        ds.x[static_cast<std::size_t>(j) * static_cast<std::size_t>(ds.n) +
             static_cast<std::size_t>(i)] =
            x[(b * t + static_cast<std::size_t>(i)) * f + static_cast<std::size_t>(j)];
    ds.y.resize(static_cast<std::size_t>(ds.n));
    for (std::int32_t i = 0; i < ds.n; ++i)
      ds.y[static_cast<std::size_t>(i)] =
          static_cast<std::int32_t>(y[b * t + static_cast<std::size_t>(i)]);
    ds.categorical.assign(
        cat.begin() + static_cast<std::ptrdiff_t>(b * f),
        cat.begin() + static_cast<std::ptrdiff_t>(b * f + static_cast<std::size_t>(ds.d)));
  }
  return out;
}

}  // namespace scmforge::io
