"""``python -m scmforge.models train|eval ...``: the drivers behind ``scmforge train metatree`` and
``scmforge eval metatree``. Bad arguments print ``error: ...`` and exit with status 2."""

from __future__ import annotations

import importlib
import sys

from scmforge._errors import Error, InvalidInputError


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("train", "eval"):
        print("usage: python -m scmforge.models train|eval [--help]", file=sys.stderr)
        return 2
    try:
        # The submodules by name: scmforge.models.train is also the name of the train function.
        driver = importlib.import_module("scmforge.models.train" if argv[0] == "train" else "scmforge.models.evaluate")
        return driver.main(argv[1:])
    except InvalidInputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except Error as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
