// src/io/file.cpp: whole-file reads and atomic whole-file writes.
#include "scmforge/io/file.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "scmforge/core/error.hpp"

namespace scmforge::io {

std::string read_file(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    SCMFORGE_THROW(Io, "{}: cannot open the file ({}); check the path and its permissions", path,
                   std::strerror(errno));
  }
  std::string bytes;
  char buffer[1 << 16];
  std::size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof buffer, file)) > 0) {
    bytes.append(buffer, got);
  }
  const bool failed = std::ferror(file) != 0;
  const int error = errno;
  std::fclose(file);
  if (failed) {
    SCMFORGE_THROW(Io, "{}: cannot read the file ({}); check that it is a readable file", path,
                   std::strerror(error));
  }
  return bytes;
}

void write_file_atomically(const std::string& path, std::string_view bytes) {
  // The process id and a counter make the name unique among writers in this and other processes.
  static std::atomic<std::uint64_t> counter{0};
  const std::string temp = fmt::format("{}.tmp-{}-{}", path, ::getpid(), counter++);
  std::FILE* file = std::fopen(temp.c_str(), "wb");
  if (file == nullptr) {
    SCMFORGE_THROW(Io,
                   "{}: cannot create the temporary file '{}' ({}); check that the folder exists "
                   "and is writable",
                   path, temp, std::strerror(errno));
  }
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
  int error = errno;
  if (std::fclose(file) != 0 && ok) {
    ok = false;
    error = errno;
  }
  if (ok && std::rename(temp.c_str(), path.c_str()) != 0) {
    ok = false;
    error = errno;
  }
  if (!ok) {
    std::remove(temp.c_str());
    SCMFORGE_THROW(Io, "{}: cannot write the file ({}); check the free disk space and permissions",
                   path, std::strerror(error));
  }
}

}  // namespace scmforge::io
