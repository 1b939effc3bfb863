// scmforge/core/error.hpp: the exception hierarchy and the throw macros every module uses.
//
// One base (`Error`) and five categories a caller can act on:
//   InvalidInput    bad user input: a file, a config key, an argument. The message names the
//                   input (file, line, column, key, value) and the fix.
//   Io              the operating system refused: a missing file, a full disk, a permission.
//   Numerical       a computation met a singular matrix or non-finite values.
//   NotImplemented  a documented combination that is not supported yet.
//   Internal        a broken invariant: a bug in scmforge.
// Python maps them to ValueError, OSError, ArithmeticError, NotImplementedError and
// RuntimeError subclasses under one `scmforge.Error` root; the CLI maps InvalidInput to exit
// code 2 and everything else to 1.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace scmforge {

/// Root of every exception scmforge throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Bad input: the message names the input and how to fix it.
class InvalidInput : public Error {
 public:
  using Error::Error;
};

/// The operating system refused a file operation.
class Io : public Error {
 public:
  using Error::Error;
};

/// Singular matrices, non-finite values and similar numerical failures.
class Numerical : public Error {
 public:
  using Error::Error;
};

/// A documented feature or combination that is not implemented yet.
class NotImplemented : public Error {
 public:
  using Error::Error;
};

/// A broken internal invariant (a bug in scmforge).
class Internal : public Error {
 public:
  using Error::Error;
};

}  // namespace scmforge

/// Throws `Kind` with a fmt-formatted message: SCMFORGE_THROW(InvalidInput, "bad {}", x).
#define SCMFORGE_THROW(Kind, ...) throw ::scmforge::Kind(::fmt::format(__VA_ARGS__))

/// Throws `Kind` with the message when `cond` is false.
#define SCMFORGE_CHECK(cond, Kind, ...)  \
  do {                                   \
    if (!(cond)) {                       \
      SCMFORGE_THROW(Kind, __VA_ARGS__); \
    }                                    \
  } while (0)

/// Internal invariant: throws Internal naming the file, line and the failed condition.
#define SCMFORGE_ASSERT(cond)                                                                     \
  do {                                                                                            \
    if (!(cond)) {                                                                                \
      SCMFORGE_THROW(Internal, "internal error at {}:{}: check '{}' failed (please report this)", \
                     __FILE__, __LINE__, #cond);                                                  \
    }                                                                                             \
  } while (0)
