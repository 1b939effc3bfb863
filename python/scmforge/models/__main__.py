"""``python -m scmforge.models VERB MODEL ...``: the drivers behind ``scmforge train metatree|tfm``,
``scmforge eval metatree|causalmixft`` and ``scmforge finetune tfm``. Bad arguments print
``error: ...`` and exit with status 2."""

from __future__ import annotations

import importlib
import sys

from scmforge._errors import Error, InvalidInputError

# (verb, model) -> (module, function)
DRIVERS = {
    ("train", "metatree"): ("scmforge.models.train", "main"),
    ("eval", "metatree"): ("scmforge.models.evaluate", "main"),
    ("train", "tfm"): ("scmforge.models.tfm_train", "main"),
    ("finetune", "tfm"): ("scmforge.models.causalmixft", "finetune_main"),
    ("eval", "causalmixft"): ("scmforge.models.causalmixft", "eval_main"),
}


def main(argv: list[str]) -> int:
    if len(argv) < 2 or tuple(argv[:2]) not in DRIVERS:
        known = ", ".join(" ".join(k) for k in DRIVERS)
        print(f"usage: python -m scmforge.models VERB MODEL [--help]; one of: {known}", file=sys.stderr)
        return 2
    try:
        module, function = DRIVERS[(argv[0], argv[1])]
        return getattr(importlib.import_module(module), function)(argv[2:])
    except InvalidInputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except Error as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
