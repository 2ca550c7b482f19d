"""Processes and phases of ``bench.surge``: build, then for each server count the product's run
and the floor's replay of it."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.live_alerts import (
    BenchError,
    Pending,
    Served,
    _database_drop,
    _database_name,
    _database_recreate,
    _floor_env,
    _product_env,
    _redis_flush,
    _run,
    _say,
    _serve,
    _stop,
)
from bench.load import _scheduler, manage_process
from bench.surge.cpu import Meter
from bench.surge.floor import FloorResult, replay
from bench.surge.sockets import (
    Page,
    Watcher,
    heartbeats,
    open_all,
    page_listen,
    page_open,
    watcher_listen,
    watcher_open,
)
from bench.surge.verify import Checked, check
from bench.surge.workload import BOARD_ROLES, Call, Partnership, Workload

GRACE_SECONDS = 2.0  # listened for after the last alert: a doubled one may come later


@dataclass
class Phase:
    servers: int
    workers: int = 0  # sender workers beside the servers (0: each server sends with its threads)
    connected: int = 0
    sockets: int = 0
    connect_seconds: float = 0.0
    connect_error: str = ""
    closed: int = 0  # sockets the server closed during the run
    workload_seconds: float = 0.0
    drained_seconds: float | None = None  # last response -> every delivery made
    calls: list[Call] = field(default_factory=list)
    problems: dict[str, int] = field(default_factory=dict)
    declared: int = 0
    chains: int = 0
    resumes: int = 0
    gaps: int = 0
    board_resumes: int = 0
    checked: Checked | None = None
    floor: FloorResult | None = None
    cpu: dict[str, float] = field(default_factory=dict)
    process_cpu: dict[str, float] = field(default_factory=dict)  # each server, by name
    floor_cpu: dict[str, float] = field(default_factory=dict)
    client_cpu: float = 0.0  # the benchmark's own process, not in the figures per alert
    floor_client_cpu: float = 0.0
    error: str = ""


def _senders(env: dict[str, str], number: int) -> Served:
    """A sender worker (``manage.py runsenders``), as production runs beside Daphne."""
    return manage_process(env, "runsenders", f"senders.{number}")


def product_env(env: dict[str, str], workers: int, layer: str) -> dict[str, str]:
    """The product's environment: sending in worker processes, or (``--workers 0``) in each
    Daphne process's own threads, as before the workers; the channel layer production uses
    (``pubsub``) or the one it used before (``core``, decision 0026)."""
    return dict(env, NOTIFICATION_WORKERS="true" if workers else "false", CHANNEL_LAYER=layer)


def _senders_ready(database_url: str, count: int, since: datetime, timeout: float = 60.0) -> None:
    """Wait until ``count`` workers have registered (procrastinate writes a worker's row when it
    starts listening): a worker still importing Django took every job of the first seconds late,
    and a short run's alerts measured its start-up."""
    import psycopg

    deadline = time.monotonic() + timeout
    with psycopg.connect(database_url, autocommit=True, connect_timeout=3) as conn:
        while True:
            row = conn.execute(
                "SELECT count(*) FROM procrastinate_workers WHERE last_heartbeat >= %s", [since]
            ).fetchone()
            if row is not None and row[0] >= count:
                return
            if time.monotonic() > deadline:
                raise BenchError(f"the sender workers did not start within {timeout:.0f} s")
            time.sleep(0.2)


def build(env: dict[str, str], options: argparse.Namespace) -> list[Partnership]:
    out = _run(
        [
            sys.executable,
            "-m",
            "bench._support",
            "surge",
            "--partnerships",
            str(options.partnerships),
            "--members",
            str(options.members),
        ],
        env,
        "bench._support surge",
    )
    built: list[dict[str, Any]] = json.loads(out.strip().splitlines()[-1])["partnerships"]
    return [
        Partnership(
            area_id=int(p["area_id"]),
            tokens=[m["token"] for m in p["members"]],
            member_ids=[int(m["id"]) for m in p["members"]],
            roles=[list(m["roles"]) for m in p["members"]],
        )
        for p in built
    ]


def _now(database_url: str) -> datetime:
    import psycopg

    with psycopg.connect(database_url, autocommit=True, connect_timeout=3) as conn:
        row = conn.execute("SELECT now()").fetchone()
    assert row is not None
    value: datetime = row[0]
    return value


def _redis_pid(url: str) -> int | None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=5)
    try:
        return int(client.info("server")["process_id"])
    except (redis.RedisError, KeyError, ValueError):
        return None
    finally:
        client.close()


async def _drain(
    pages: list[Page], watchers: list[Watcher], pending: Pending, timeout: float, phase: Phase
) -> None:
    """Wait until the product has made every delivery (so the database holds every event); then
    every page and board resumes once more, as its next heartbeat would, and takes what that
    brings."""
    last = time.perf_counter()
    deadline = last + timeout
    while time.perf_counter() < deadline and await asyncio.to_thread(pending.count) > 0:
        await asyncio.sleep(0.2)
    if time.perf_counter() < deadline:
        phase.drained_seconds = time.perf_counter() - last
    everyone: list[Page | Watcher] = [*pages, *watchers]
    for page in everyone:
        if not page.closed:
            with contextlib.suppress(Exception):
                await page.resume()
    while time.perf_counter() < deadline and any(p.replaying for p in everyone if not p.closed):
        await asyncio.sleep(0.1)
    await asyncio.sleep(GRACE_SECONDS)


async def _product(
    phase: Phase,
    ports: list[int],
    partnerships: list[Partnership],
    options: argparse.Namespace,
    pending: Pending,
    meter: Meter,
) -> tuple[Workload, list[Page], list[Watcher]]:
    pages: list[Page] = []
    watchers: list[Watcher] = []
    tokens: dict[int, str] = {}
    for index, people in enumerate(partnerships):
        for place, member_id in enumerate(people.member_ids):
            tokens[member_id] = people.tokens[place]
            if len(pages) < options.listeners:
                pages.append(Page(len(pages) + 1, member_id, len(pages) % len(ports)))
            if BOARD_ROLES & set(people.roles[place]):
                watchers.append(Watcher(0, member_id, index, 0))
    for offset, watcher in enumerate(watchers):
        watcher.number = len(pages) + offset + 1
        watcher.server = (watcher.number - 1) % len(ports)
    phase.sockets = len(pages) + len(watchers)
    failures, phase.connect_seconds, phase.connect_error = await open_all(
        [lambda gate, p=p: page_open(ports[p.server], p, tokens[p.member_id], gate) for p in pages]
        + [
            lambda gate, w=w: watcher_open(ports[w.server], w, tokens[w.member_id], gate)
            for w in watchers
        ]
    )
    phase.connected = phase.sockets - failures
    _say(f"  {phase.connected:,}/{phase.sockets:,} sockets open in {phase.connect_seconds:.1f} s")
    closing = asyncio.Event()
    open_pages = [p for p in pages if p.ws is not None]
    open_watchers = [w for w in watchers if w.ws is not None]
    readers = [asyncio.create_task(page_listen(p, closing)) for p in open_pages]
    readers += [asyncio.create_task(watcher_listen(w, closing)) for w in open_watchers]
    beat = asyncio.create_task(heartbeats(open_pages, options.heartbeat))
    board_beat = asyncio.create_task(heartbeats(open_watchers, options.heartbeat))
    workload = Workload(partnerships, ports, options.declarations, options.seconds)
    try:
        meter.start()
        await workload.run()
        phase.workload_seconds = workload.ended - workload.started
        _say(
            f"  {workload.declared} declared, {len(workload.calls):,} requests in "
            f"{phase.workload_seconds:.1f} s; waiting for the deliveries ..."
        )
        await _drain(open_pages, open_watchers, pending, options.timeout, phase)
        meter.stop()
    finally:
        closing.set()
        beat.cancel()
        board_beat.cancel()
        await asyncio.gather(beat, board_beat, return_exceptions=True)
        await asyncio.gather(
            *(p.ws.close() for p in open_pages),
            *(w.ws.close() for w in open_watchers),
            return_exceptions=True,
        )
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
    phase.closed = sum(1 for p in open_pages if p.closed) + sum(
        1 for w in open_watchers if w.closed
    )
    return workload, pages, watchers


def _profilers(directory: str, processes: list[Served]) -> list[subprocess.Popen[bytes]]:
    """py-spy sampling every thread of each process (Django's views and consumers' database work
    run on a thread of their own, the senders on others: a profiler of the main thread alone
    would miss them), in collapsed stacks that ``bench.surge.profile`` sums up. Each stops when
    its process does."""
    binary = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(binary).exists():
        raise BenchError("--profile needs py-spy (pip install -r requirements-dev.txt)")
    Path(directory).mkdir(parents=True, exist_ok=True)
    return [
        subprocess.Popen(
            [
                binary,
                "record",
                "--pid",
                str(served.process.pid),
                "--rate",
                "50",
                "--format",
                "raw",
                "--nonblocking",
                # Only the thread holding the interpreter lock: where the CPU goes, not where
                # threads wait (every sender thread waiting on PostgreSQL would count otherwise).
                "--gil",
                "--output",
                str(Path(directory) / f"{served.name}-{len(processes) - 1}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for served in processes
    ]


def phase_run(
    servers: int,
    partnerships: list[Partnership],
    env: dict[str, str],
    floor_redis_url: str,
    options: argparse.Namespace,
) -> Phase:
    phase = Phase(servers, workers=options.workers)
    processes: list[Served] = []
    profilers: list[subprocess.Popen[bytes]] = []
    pending = Pending(options.database_url)
    limit = 120.0 + options.seconds * 2 + options.timeout
    redis_pid = _redis_pid(env["REDIS_URL"])
    try:
        for number in range(1, servers + 1):
            processes.append(_serve(f"surge-{servers}.{number}", "config.asgi:application", env))
        processes.append(_scheduler(env))
        started = _now(options.database_url)
        processes.extend(_senders(env, number) for number in range(1, options.workers + 1))
        if options.workers:
            # Each process runs two procrastinate workers: the live queue's and the other's.
            _senders_ready(options.database_url, 2 * options.workers, started)
        ports = [served.port for served in processes if served.port]
        _say(
            f"{servers} Daphne process(es) on ports {', '.join(map(str, ports))}, one scheduler, "
            + (f"{options.workers} sender worker(s)" if options.workers else "no sender workers")
        )
        meter = Meter({s.name: s.process.pid for s in processes}, redis_pid, options.database_url)
        if options.profile:
            # Sampled over the same window as the CPU figures (the workload and its drain), not
            # the start-up and the sockets' connecting.
            measured = meter.start

            def start_all() -> None:
                profilers.extend(_profilers(options.profile, processes))
                measured()

            meter.start = start_all  # type: ignore[method-assign]
        since = _now(options.database_url)
        workload, pages, watchers = asyncio.run(
            asyncio.wait_for(_product(phase, ports, partnerships, options, pending, meter), limit)
        )
        for served in processes:
            if served.process.poll() is not None:
                phase.error = f"{served.name} died:\n{served.log_tail()}"
    except TimeoutError:
        phase.error = f"the product's run took more than {limit:.0f} s and was stopped"
        return phase
    except BenchError as exc:
        phase.error = str(exc)
        return phase
    finally:
        pending.close()
        for profiler in profilers:
            profiler.send_signal(signal.SIGINT)  # py-spy writes what it has and exits
        for served in processes:
            _stop(served, options.keep)
        for profiler in profilers:
            with contextlib.suppress(subprocess.TimeoutExpired):
                profiler.wait(timeout=30)
    phase.calls, phase.problems = workload.calls, dict(workload.problems)
    phase.declared, phase.chains = workload.declared, workload.chains
    phase.resumes = sum(p.resumes for p in pages)
    phase.gaps = sum(p.gaps for p in pages)
    phase.board_resumes = sum(w.resumes for w in watchers)
    if meter.failed:
        phase.problems[f"PostgreSQL's CPU not read to the end ({meter.failed})"] = 1
    phase.cpu = {
        "servers": meter.servers_seconds,
        "postgres": meter.postgres_seconds,
        "redis": meter.redis_seconds,
    }
    phase.process_cpu = {name: meter.used(name) for name in meter.servers}
    phase.client_cpu = meter.client_seconds
    _say("  checking with the database ...")
    phase.checked = check(options.database_url, since, workload, pages, watchers)
    _say("  the floor: the same messages through bare Channels ...")
    floors: list[Served] = []
    try:
        for number in range(1, servers + 1):
            floors.append(
                _serve(
                    f"surge-floor-{servers}.{number}",
                    "bench.floor_asgi:application",
                    _floor_env(floor_redis_url),
                )
            )
        floor_meter = Meter({s.name: s.process.pid for s in floors}, redis_pid, "")
        floor_meter.start()
        phase.floor = asyncio.run(
            asyncio.wait_for(
                replay([s.port for s in floors], phase.sockets, workload, phase.checked), limit
            )
        )
        floor_meter.stop()
        phase.floor_cpu = {
            "servers": floor_meter.servers_seconds,
            "redis": floor_meter.redis_seconds,
        }
        phase.floor_client_cpu = floor_meter.client_seconds
    except (TimeoutError, BenchError) as exc:
        phase.error = f"the floor did not finish: {exc!r}"
    finally:
        for served in floors:
            _stop(served, options.keep)
        _redis_flush(floor_redis_url)
    return phase


def run_all(options: argparse.Namespace, redis_url: str, floor_redis_url: str) -> list[Phase]:
    env = product_env(_product_env(options.database_url, redis_url), options.workers, options.layer)
    phases: list[Phase] = []
    try:
        _say(f"Database {_database_name(options.database_url)}: recreating and migrating ...")
        _database_recreate(options.database_url)
        _run([sys.executable, "manage.py", "migrate", "--noinput"], env, "manage.py migrate")
        started = time.monotonic()
        _say(
            f"Building {options.partnerships} partnerships of {options.members} members "
            "through the services ..."
        )
        # Built with the senders in the building process: what building notifies is made there,
        # not left as jobs for the phase's workers to make inside the measured window.
        partnerships = build(product_env(env, 0, options.layer), options)
        options.built_seconds = time.monotonic() - started
        _say(f"  built in {options.built_seconds:.1f} s")
        for servers in options.servers:
            phases.append(phase_run(servers, partnerships, env, floor_redis_url, options))
            _redis_flush(redis_url)
    finally:
        if not options.keep:
            _say("Dropping the benchmark database.")
            try:
                _database_drop(options.database_url)
            except Exception as exc:
                _say(f"Could not drop the benchmark database: {exc!r}")
    return phases
