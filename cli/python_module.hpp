// cli/python_module.hpp: run a module of the scmforge Python package (plots, statistics).
#pragma once

#include <string>
#include <vector>

namespace scmforge::cli {

/// Runs `python -m module args...` with the Python beside the scmforge executable (a venv's
/// bin/python), or $SCMFORGE_PYTHON, or python3; its output goes to this process's stdout and
/// stderr. Throws Io naming the command and the fix when it fails.
void run_python_module(const std::string& module, const std::vector<std::string>& args);

}  // namespace scmforge::cli
