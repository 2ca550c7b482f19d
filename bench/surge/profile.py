"""``python -m bench.surge.profile DIR``: where the samples of ``bench.surge --profile DIR`` went.

py-spy writes one collapsed stack a line (``frame;frame;frame count``). This sums, over every
file in DIR, the samples whose stack passes through each of the project's functions (inclusive)
and those spent in the function itself or below it outside the project (exclusive), and prints
the top of each, so a change can be judged by the share of the servers' time it removes.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

APPS = (
    "bench/",
    "casework/",
    "conference/",
    "config/",
    "escalation/",
    "gold/",
    "notifications/",
    "oversight/",
    "partnership/",
    "review/",
)


def _ours(frame: str) -> bool:
    where = frame[frame.rfind("(") + 1 :]
    return ".venv" not in where and "site-packages" not in where and where.startswith(APPS)


def _name(frame: str) -> str:
    return re.sub(r":\d+\)$", ")", frame.strip())


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print(__doc__)
        return 2
    top = int(args[1]) if len(args) > 1 else 40
    inclusive: Counter[str] = Counter()
    exclusive: Counter[str] = Counter()
    total = 0
    for path in sorted(Path(args[0]).glob("*.txt")):
        for line in path.read_text().splitlines():
            stack, _, count_text = line.rpartition(" ")
            if not count_text.isdigit():
                continue
            count = int(count_text)
            total += count
            frames = [_name(f) for f in stack.split(";")]
            for name in set(frames):
                if _ours(name):
                    inclusive[name] += count
            innermost = next((f for f in reversed(frames) if _ours(f)), "(outside the project)")
            exclusive[innermost] += count
    print(f"{total:,} samples")
    for title, counter in (
        ("inclusive", inclusive),
        ("exclusive (with what it calls outside)", exclusive),
    ):
        print(f"\n{title}:")
        for name, count in counter.most_common(top):
            print(f"{100 * count / max(1, total):6.1f}%  {count:7,}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
