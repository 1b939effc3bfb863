// cli/python_module.cpp: run a module of the scmforge Python package from the CLI.
#include "python_module.hpp"

#include <fmt/format.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>

#include "scmforge/core/error.hpp"

namespace scmforge::cli {
namespace {

std::string python_executable() {
  if (const char* env = std::getenv("SCMFORGE_PYTHON")) return env;
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto sibling = self.parent_path() / "python";
    if (std::filesystem::exists(sibling)) return sibling.string();
  }
  return "python3";
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

void run_python_module(const std::string& module, const std::vector<std::string>& args,
                       const std::string& install_hint) {
  std::string command = fmt::format("{} -m {}", shell_quote(python_executable()), module);
  for (const auto& arg : args) {
    command += ' ';
    command += shell_quote(arg);
  }
  const int status = std::system(command.c_str());
  if (status == 0) return;
  SCMFORGE_CHECK(!WIFEXITED(status) || WEXITSTATUS(status) != 2, InvalidInput,
                 "{} rejected its arguments (see its message above)", module);
  SCMFORGE_THROW(Io, "the Python step failed (command: {}); {} or set SCMFORGE_PYTHON", command,
                 install_hint);
}

}  // namespace scmforge::cli
