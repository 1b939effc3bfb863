// cli/python_module.hpp: run a module of the scmforge Python package (plots, statistics).
#pragma once

#include <string>
#include <vector>

namespace scmforge::cli {

/// Runs `python -m module args...` with the Python beside the scmforge executable (a venv's
/// bin/python), or $SCMFORGE_PYTHON, or python3; its output goes to this process's stdout and
/// stderr. Exit status 2 (the module rejected its arguments and said why) throws InvalidInput;
/// any other failure throws Io naming the command and `install_hint` (how to get the package
/// with what the module needs).
void run_python_module(const std::string& module, const std::vector<std::string>& args,
                       const std::string& install_hint =
                           "install the Python package with matplotlib (pip install "
                           "'scmforge[plot]')");

}  // namespace scmforge::cli
