// src/tree/tree_io.cpp: tree exports (JSON, DOT, text) and JSON loading.
#include "scmforge/core/error.hpp"
#include "scmforge/tree/tree.hpp"

namespace scmforge::tree {

std::string to_json(const Tree& /*tree*/) { SCMFORGE_THROW(NotImplemented, "to_json pending"); }
Tree from_json(const std::string& /*text*/) { SCMFORGE_THROW(NotImplemented, "from_json pending"); }
std::string to_dot(const Tree& /*tree*/) { SCMFORGE_THROW(NotImplemented, "to_dot pending"); }
std::string to_text(const Tree& /*tree*/, int /*decimals*/) {
  SCMFORGE_THROW(NotImplemented, "to_text pending");
}

}  // namespace scmforge::tree
