"""``make eval``: run every capability's evaluation and print its precision/recall/F1 table."""

from __future__ import annotations

import importlib
import sys
import time

# One module per capability; each exposes run() -> dict and prints its own table.
EVALUATIONS = (
    "clean_eval",
    "entities_eval",
    "cast_eval",
    "quotes_eval",
    "timeline_eval",
    "stories_eval",
    "claims_eval",
    "kinds_eval",
    "sentiment_eval",
    "brief_eval",
)


def main(argv: list[str]) -> int:
    selected = [a for a in argv if not a.startswith("-")] or list(EVALUATIONS)
    failed = []
    for name in selected:
        module_name = name if name.endswith("_eval") else f"{name}_eval"
        try:
            module = importlib.import_module(f"newsprism.evaluation.{module_name}")
        except ModuleNotFoundError:
            print(f"== {module_name}: not available\n")
            continue
        started = time.perf_counter()
        try:
            module.run()
        except Exception as exc:  # one broken evaluation must not hide the others
            failed.append(module_name)
            print(f"== {module_name} failed: {type(exc).__name__}: {exc}\n")
        print(f"({module_name}: {time.perf_counter() - started:.0f}s)\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
