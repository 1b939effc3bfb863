// src/io/hdf5_handles.hpp: RAII HDF5 handles and error checks shared by the HDF5 writers.
#pragma once

#include <hdf5.h>

#include <string>

#include "scmforge/core/error.hpp"

namespace scmforge::io {

// Closes an HDF5 handle with the right function when it goes out of scope.
struct Hid {
  hid_t id = -1;
  herr_t (*close)(hid_t) = nullptr;
  Hid() = default;
  Hid(hid_t i, herr_t (*c)(hid_t)) : id(i), close(c) {}
  Hid(Hid&& o) noexcept : id(o.id), close(o.close) { o.id = -1; }
  Hid& operator=(Hid&& o) noexcept {
    reset();
    id = o.id;
    close = o.close;
    o.id = -1;
    return *this;
  }
  ~Hid() { reset(); }
  void reset() {
    if (id >= 0 && close != nullptr) close(id);
    id = -1;
  }
  operator hid_t() const { return id; }  // NOLINT(google-explicit-constructor)
};

inline void quiet_hdf5() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

inline hid_t check(hid_t id, const std::string& what, const std::string& path) {
  if (id < 0)
    SCMFORGE_THROW(Io, "HDF5: {} failed for '{}' (disk full, permission or a damaged file?)", what,
                   path);
  return id;
}

inline void check_status(herr_t status, const std::string& what, const std::string& path) {
  if (status < 0)
    SCMFORGE_THROW(Io, "HDF5: {} failed for '{}' (disk full or permission?)", what, path);
}

}  // namespace scmforge::io
