"""Run benchmarks: ``python -m bench [name ...] [options]``.

Runs the bench modules named (every one with no names), passing the options to each module's
``main``. Each module configures Django itself, so run one per process when they disagree.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import bench


def main(argv: list[str]) -> int:
    names = []
    while argv and not argv[0].startswith("-"):
        names.append(argv.pop(0).removeprefix("bench."))
    known = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name[0] != "_")
    unknown = [name for name in names if name not in known]
    if unknown:
        print(f"No benchmark {', '.join(unknown)}; there are: {', '.join(known)}", file=sys.stderr)
        return 2
    status = 0
    for name in names or known:
        status = importlib.import_module(f"bench.{name}").main(argv) or status
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
