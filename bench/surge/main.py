"""``python -m bench.surge``: options, the header and the exit status."""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import sys
import time
from collections.abc import Sequence
from importlib.metadata import version

from bench.live_alerts import (
    BenchError,
    _database_name,
    _open_files_raise,
    _postgres_version,
    _redis_check,
)
from bench.load import _counts, _own_redis
from bench.surge.postgres import own_postgres

DATABASE = "coordinator_bench_surge"
# --quick: a smoke run of the whole path in a minute or two, not a measurement.
QUICK = {"partnerships": 3, "members": 15, "declarations": 6, "seconds": 5.0}


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main(argv: Sequence[str] | None = None) -> int:
    from bench.surge import __doc__ as doc
    from bench.surge.report import details, endpoints, summary
    from bench.surge.run import run_all

    parser = argparse.ArgumentParser(
        prog="python -m bench.surge", description=(doc or "").splitlines()[0]
    )
    parser.add_argument("--partnerships", type=int, default=50)
    parser.add_argument("--members", type=int, default=40, help="members per partnership")
    parser.add_argument("--declarations", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0, help="declarations spread over")
    parser.add_argument(
        "--listeners", type=int, default=0, help="pages held open (default: every member)"
    )
    parser.add_argument("--servers", type=_counts, default=_counts("2,1"))
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="sender workers (manage.py runsenders) beside the servers, as production runs them "
        "(default 1, for two cores); 0: each Daphne process sends with its own threads, as before",
    )
    parser.add_argument(
        "--layer",
        choices=("pubsub", "core"),
        default="pubsub",
        help="the product's channel layer (CHANNEL_LAYER): production's pubsub (default) or core, "
        "the one before decision 0026; the floor stays on core",
    )
    parser.add_argument("--heartbeat", type=float, default=20.0, help="seconds between resumes")
    parser.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="seconds after the last response to wait, at most, for every delivery",
    )
    parser.add_argument("--quick", action="store_true", help="a small smoke run: " + str(QUICK))
    parser.add_argument(
        "--database-url",
        default="",
        help="a database on a server others use (default: a PostgreSQL server of its own)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database and the logs")
    parser.add_argument(
        "--profile",
        default="",
        metavar="DIR",
        help="sample each Daphne process and the scheduler with py-spy (every thread) during the "
        "product's run and write their collapsed stacks to DIR (inflates the CPU figures)",
    )
    options = parser.parse_args(argv)
    if options.quick:
        for key, value in QUICK.items():
            setattr(options, key, value)
    if min(options.partnerships, options.members, options.declarations) < 1:
        parser.error("--partnerships, --members and --declarations must be at least 1")
    if options.workers < 0:
        parser.error("--workers must be 0 or more")
    everyone = options.partnerships * options.members
    options.listeners = min(options.listeners or everyone, everyone)
    started = time.monotonic()
    header = [
        f"Surge: {options.declarations} declarations over {options.seconds:g} s across "
        f"{options.partnerships} partnerships of {options.members} members; "
        f"{options.listeners:,} pages open; Daphne processes: "
        + ", ".join(map(str, options.servers))
        + f"; sender workers: {options.workers}"
        + ("" if options.workers else " (each Daphne process sends with its threads)")
        + f"; channel layer: {options.layer}",
        f"machine: {os.cpu_count()} CPUs, {platform.machine()}, Python "
        f"{platform.python_version()}; Daphne {version('daphne')}, Channels "
        f"{version('channels')}, channels-redis {version('channels-redis')}, websockets "
        f"{version('websockets')}; load average at start {_load()}",
    ]
    try:
        _open_files_raise(everyone * 2)
        with contextlib.ExitStack() as stack:
            if not options.database_url:
                options.database_url = stack.enter_context(own_postgres(DATABASE))
            _database_name(options.database_url)
            postgres = _postgres_version(options.database_url)
            redis_url = stack.enter_context(_own_redis())
            floor_redis_url = redis_url.rsplit("/", 1)[0] + "/3"
            redis_version = _redis_check(redis_url)
            header.append(
                f"PostgreSQL {postgres} at {options.database_url}; Redis {redis_version} of its "
                f"own at {redis_url} (floor: {floor_redis_url})"
            )
            phases = run_all(options, redis_url, floor_redis_url)
    except BenchError as exc:
        print(f"surge: {exc}", file=sys.stderr)
        return 2
    lines = [*header, f"built in {getattr(options, 'built_seconds', 0):.1f} s", ""]
    for phase in phases:
        lines += [*details(phase, options), ""]
    lines += [*summary(phases), "", *endpoints(phases)]
    lost = sum(p.checked.lost for p in phases if p.checked)
    doubled = sum(p.checked.doubled for p in phases if p.checked)
    lines += [
        "",
        f"load average at the end {_load()}; took {time.monotonic() - started:.0f} s",
        "=" * 40,
        f"LOST: {lost}  DOUBLED: {doubled}",
        "=" * 40,
    ]
    print("\n".join(lines))
    unfinished = any(p.error or (p.checked and p.checked.unsent) for p in phases)
    return 1 if lost or doubled or unfinished else 0
