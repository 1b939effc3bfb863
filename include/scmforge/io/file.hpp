// scmforge/io/file.hpp: whole-file reads and atomic whole-file writes.
#pragma once

#include <string>
#include <string_view>

namespace scmforge::io {

/// The bytes of the file at `path`. Throws Io naming the path and the reason when it cannot be
/// opened or read.
std::string read_file(const std::string& path);

/// Writes `bytes` to a temporary file next to `path` (unique per process and call), then renames
/// it over `path`: readers see the old file or the whole new one, and a failure (full disk,
/// permissions, missing folder) leaves no partial file and no temporary behind. Throws Io naming
/// the path, the reason and the fix.
void write_file_atomically(const std::string& path, std::string_view bytes);

}  // namespace scmforge::io
