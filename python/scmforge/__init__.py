"""scmforge: fast, reproducible synthetic tabular tasks from structural causal models.

Modules mirror the C++ engine: ``scmforge.prior`` (TabPFN / TabICL-style SCM priors),
``scmforge.io`` (CSV tables), ``scmforge.torch`` (PyTorch datasets streamed from C++).
"""

from scmforge._errors import (
    Error,
    InternalError,
    InvalidInputError,
    IoError,
    NotImplementedFeatureError,
    NumericalError,
)
from scmforge._core import __version__

__all__ = [
    "Error",
    "InternalError",
    "InvalidInputError",
    "IoError",
    "NotImplementedFeatureError",
    "NumericalError",
    "__version__",
]
