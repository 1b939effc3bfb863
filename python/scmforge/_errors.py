"""scmforge exception classes: one root, each also a subclass of the matching builtin."""


class Error(Exception):
    """Root of every exception raised by scmforge."""


class InvalidInputError(Error, ValueError):
    """Bad input (file contents, config key, argument); the message names it and the fix."""


class IoError(Error, OSError):
    """The operating system refused a file operation (missing file, full disk, permission)."""


class NumericalError(Error, ArithmeticError):
    """A singular matrix, non-finite values or a similar numerical failure."""


class NotImplementedFeatureError(Error, NotImplementedError):
    """A documented combination that is not implemented yet."""


class InternalError(Error, RuntimeError):
    """A broken internal invariant: a bug in scmforge, please report it."""
