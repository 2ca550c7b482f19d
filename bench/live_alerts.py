"""How long after a major incident is declared its alert reaches every connected co-ordinator.

A benchmark, not a test: it prints figures beside the floor they compare to. For N connected
websocket clients (``--clients``, default 1, 100 and 1,000) it measures, on real PostgreSQL and
Redis, the time from the moment the declaring request's response is received to the moment the
co-ordinators' notice of the declaration ("… declared 14:02 (HC-00012): for your information")
arrives at each client, and reports the median, the 99th percentile and the maximum, pooled over
``--rounds`` declarations (a new incident each).

The product: one Daphne process serving ``config.asgi:application`` with the product's settings,
a database of its own (``coordinator_bench_live``, dropped and migrated at the start, dropped at
the end unless ``--keep``) and a Redis database number of its own for the channel layer. The demo
partnership is loaded and N extra council members hold the CSP Co-ordinator role, so each
declaration alerts exactly the N members whose clients are connected (plus the demo partnership's
own co-ordinator and Police Partnership Co-ordinator, who are not connected). Each client connects
to ``/ws/alerts/`` with its member's ``Authorization: Token`` header; the senior police officer
reports an incident (``POST /api/incidents/``) and declares it major
(``POST /api/incidents/<id>/determination/``). The clock starts when that response has been read.
What follows it is the product's whole live path: the outbox rows committed by the request are
handed to a sender thread, which claims each delivery, numbers the live event in PostgreSQL, pushes
it through Redis to the member's group, and records the attempt, one member after another.

The floor: ``bench.floor_asgi``, a bare Channels application with no database, served by another
Daphne on another Redis database number in the same run. Its consumer joins one group per client
and forwards what the group receives; ``POST /fire`` answers, then ``group_send``s an alert-shaped
payload to each of the N groups one after another, the fan-out the product does with none of the
product's work around it. It is the floor because every alert of the product must also make that
trip (Daphne, ``channels_redis``, Redis, the consumer, the socket) after the response, and nothing
in the floor can be removed while still fanning out N alerts through Channels. The ratio
product/floor is what the product adds.

Both are measured by the same client process, on the same machine, the same way: arrival is read
when the client's event loop gets the frame, so the client's own work is in both figures.
Latencies can be negative when an alert beats the response to the client (the push starts when
the transaction commits, before the response is written): they are reported as they are. An
alert a client has not received ``--timeout`` seconds after the response counts as lost, as do
the alerts of a client that could not connect or whose connection the server closed (the notes
under the table say how many, and with which close code: the product's clients would reconnect
and replay what they missed, which this benchmark does not). Only loopback addresses are used::

    .venv/bin/python -m bench.live_alerts [--clients 1,100,1000] [--rounds 3] [--keep]

PostgreSQL (``--database-url``, default below, trust authentication) and Redis (``--redis-url``
and ``--floor-redis-url``) must answer; the benchmark says so and exits non-zero otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DAPHNE = Path(sys.executable).with_name("daphne")
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/coordinator_bench_live"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"
DEFAULT_FLOOR_REDIS_URL = "redis://127.0.0.1:6379/10"
TITLE = "Major incident declared"
CONNECT_CONCURRENCY = 50  # handshakes in flight at once
CONNECT_TIMEOUT = 30.0  # per client, handshake and hello
START_TIMEOUT = 60.0  # for each Daphne to answer /healthz
SETTLE_TIMEOUT = 30.0  # for the previous round's deliveries to finish before the next
PAUSE_SECONDS = 0.5  # between rounds


class BenchError(Exception):
    """Something the benchmark cannot measure around; the message says what."""


def _say(message: str) -> None:
    """Progress goes to stderr; stdout carries only the figures."""
    print(message, file=sys.stderr, flush=True)


# --- Services -----------------------------------------------------------------------------------
def _database_name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if "bench" not in name:
        # The benchmark drops this database: never one that may hold anything else.
        raise BenchError(f"The database name must contain 'bench' (it is dropped): {name!r}")
    return name


def _maintenance_url(url: str) -> str:
    return urlsplit(url)._replace(path="/postgres").geturl()


def _postgres_version(url: str) -> str:
    import psycopg

    try:
        with psycopg.connect(_maintenance_url(url), connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
    except psycopg.Error as exc:
        raise BenchError(
            f"PostgreSQL did not answer at {_maintenance_url(url)} ({type(exc).__name__}: "
            f"{str(exc).strip()}). Start it, or name another with --database-url."
        ) from exc
    return str(row[0]) if row else "?"


def _database_recreate(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = _database_name(url)
    with psycopg.connect(_maintenance_url(url), autocommit=True, connect_timeout=3) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _database_drop(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = _database_name(url)
    with psycopg.connect(_maintenance_url(url), autocommit=True, connect_timeout=3) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _redis_check(url: str) -> str:
    """Ping, empty the benchmark's own database number, and return the server's version."""
    import redis

    db = urlsplit(url).path.lstrip("/") or "0"
    if db in {"0", "1"}:
        raise BenchError(
            f"Redis database {db} is used by `make run` or the tests; the benchmark empties its "
            f"own, so give it another number ({url})."
        )
    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=5)
    try:
        info = client.info("server")
        client.flushdb()
    except redis.RedisError as exc:
        raise BenchError(
            f"Redis did not answer at {url} ({type(exc).__name__}). Start it, or name another "
            "with --redis-url / --floor-redis-url."
        ) from exc
    finally:
        client.close()
    return str(info.get("redis_version", "?"))


def _redis_flush(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=5)
    try:
        client.flushdb()
    except redis.RedisError:
        pass
    finally:
        client.close()


@dataclass
class Pending:
    """Deliveries the product still has to make, read straight from its database."""

    url: str
    conn: Any = None

    def count(self) -> int:
        import psycopg

        if self.conn is None:
            self.conn = psycopg.connect(self.url, autocommit=True, connect_timeout=3)
        row = self.conn.execute(
            "SELECT count(*) FROM notifications_delivery WHERE state = 'pending' "
            "AND (next_attempt_at IS NULL OR next_attempt_at <= now())"
        ).fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


# --- Processes ----------------------------------------------------------------------------------
def _product_env(database_url: str, redis_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_ENV="development",
        DJANGO_DEBUG="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
        SCHEDULER_IN_PROCESS="false",
    )
    return env


def _floor_env(redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(FLOOR_REDIS_URL=redis_url, REDIS_URL="")
    return env


def _run(args: Sequence[str], env: dict[str, str], what: str) -> str:
    done = subprocess.run(
        list(args), cwd=BASE_DIR, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BenchError(f"{what} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


def _support(env: dict[str, str], *args: str) -> dict[str, Any]:
    out = _run([sys.executable, "-m", "bench._support", *args], env, f"bench._support {args[0]}")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Served:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Any  # the open log file

    def log_tail(self, chars: int = 3000) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-chars:]


def _serve(name: str, app: str, env: dict[str, str]) -> Served:
    port = _free_port()
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed by _stop)
        "w", prefix=f"bench-live-{name}-", suffix=".log", delete=False
    )
    process = subprocess.Popen(
        [str(DAPHNE), "-b", "127.0.0.1", "-p", str(port), app],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    served = Served(name, process, port, log)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise BenchError(f"Daphne ({name}) exited at start:\n{served.log_tail()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
                if answer.status == 200:
                    return served
        except (OSError, urllib.error.URLError):
            pass
        if time.monotonic() > deadline:
            raise BenchError(f"Daphne ({name}) did not answer /healthz:\n{served.log_tail()}")
        time.sleep(0.2)


def _stop(served: Served, keep_log: bool) -> None:
    if served.process.poll() is None:
        served.process.terminate()
        try:
            served.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            served.process.kill()
            served.process.wait(timeout=5)
    served.log.close()
    if keep_log:
        _say(f"Daphne ({served.name}) log: {served.log.name}")
    else:
        Path(served.log.name).unlink(missing_ok=True)


def _open_files_raise(clients: int) -> None:
    """Each client holds a socket here and one in Daphne; Daphne inherits this limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 2 * clients + 1024
    target = wanted if hard == resource.RLIM_INFINITY else min(max(soft, wanted), hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    if target < wanted:
        _say(f"Open-file limit is {target} (hard limit); {clients} clients may not all connect.")


# --- HTTP and websocket clients -----------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    sent: float  # perf_counter before the request was written
    received: float  # perf_counter once the whole response was read


async def _http(port: int, method: str, path: str, body: Any = None, token: str = "") -> Answer:
    """One HTTP/1.1 request on a fresh connection, without leaving the event loop (the websocket
    clients keep reading meanwhile)."""
    data = json.dumps(body).encode() if body is not None else b""
    head = [
        f"{method} {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Connection: close",
        "Accept: application/json",
        f"Content-Length: {len(data)}",
    ]
    if body is not None:
        head.append("Content-Type: application/json")
    if token:
        head.append(f"Authorization: Token {token}")
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        sent = time.perf_counter()
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        await writer.drain()
        status = int((await reader.readline()).split()[1])
        headers: dict[str, str] = {}
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            key, _, value = line.decode("latin-1").partition(":")
            headers[key.strip().lower()] = value.strip()
        if "content-length" in headers:
            raw = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            raw = b""
            while size := int((await reader.readline()).strip() or b"0", 16):
                raw += await reader.readexactly(size)
                await reader.readline()
        else:
            raw = await reader.read()
        received = time.perf_counter()
    finally:
        writer.close()
    try:
        parsed: Any = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode(errors="replace")[:500]
    return Answer(status, parsed, sent, received)


@dataclass
class Round:
    """One declaration: which title to look for, who is still waiting, and when each client saw
    it."""

    marker: str
    waiting: set[int]
    arrivals: dict[int, float] = field(default_factory=dict)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def check(self) -> None:
        if not self.waiting:
            self.done.set()


@dataclass
class Board:
    """Where the clients' readers record arrivals for the round in progress."""

    open: set[int] = field(default_factory=set)
    current: Round | None = None
    closed: Counter[str] = field(default_factory=Counter)

    def start(self, marker: str) -> Round:
        self.current = Round(marker, set(self.open))
        self.current.check()
        return self.current

    def seen(self, number: int, message: Any, at: float) -> None:
        current = self.current
        if current is None or not isinstance(message, dict):
            return
        if message.get("type") != "notification" or number in current.arrivals:
            return
        title = message.get("title")
        if isinstance(title, str) and current.marker in title:
            current.arrivals[number] = at
            current.waiting.discard(number)
            current.check()

    def gone(self, number: int, why: str) -> None:
        """A connection the server closed can receive nothing more: nobody waits for it."""
        self.open.discard(number)
        self.closed[why] += 1
        if self.current is not None:
            self.current.waiting.discard(number)
            self.current.check()


async def _connect(url: str, headers: list[tuple[str, str]], gate: asyncio.Semaphore) -> Any:
    from websockets.asyncio.client import connect

    async with gate:
        ws = await connect(
            url,
            additional_headers=headers,
            open_timeout=CONNECT_TIMEOUT,
            ping_interval=None,  # no keepalive traffic inside the measurements
            close_timeout=2,
            compression=None,
            max_size=2**20,
        )
        try:
            hello = json.loads(await asyncio.wait_for(ws.recv(), CONNECT_TIMEOUT))
        except BaseException:
            await ws.close()
            raise
        if not isinstance(hello, dict) or hello.get("type") != "hello":
            await ws.close()
            raise BenchError(f"expected hello first, got {hello!r}"[:200])
        return ws


async def _read(ws: Any, number: int, board: Board) -> None:
    from websockets.exceptions import ConnectionClosed

    try:
        async for raw in ws:
            at = time.perf_counter()
            board.seen(number, json.loads(raw), at)
    except ConnectionClosed:
        pass
    board.gone(number, f"{ws.close_code} {ws.close_reason}".strip())


# --- Measuring ----------------------------------------------------------------------------------
@dataclass
class RoundResult:
    latencies: list[float]  # seconds from the response to each arrival
    lost: int
    request: float  # seconds the triggering request took


@dataclass
class SideResult:
    clients: int
    connected: int = 0
    connect_seconds: float = 0.0
    connect_error: str = ""
    rounds: list[RoundResult] = field(default_factory=list)
    closed_early: Counter[str] = field(default_factory=Counter)

    @property
    def latencies(self) -> list[float]:
        return [value for r in self.rounds for value in r.latencies]

    @property
    def lost(self) -> int:
        return sum(r.lost for r in self.rounds)

    @property
    def expected(self) -> int:
        return self.clients * len(self.rounds)


async def _collect(
    current: Round, clients: int, t0: float, sent: float, timeout: float
) -> RoundResult:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(current.done.wait(), max(0.0, t0 + timeout - time.perf_counter()))
    latencies = [at - t0 for at in current.arrivals.values()]
    return RoundResult(latencies=latencies, lost=clients - len(latencies), request=t0 - sent)


Fire = Callable[[Board, int], Awaitable[RoundResult]]


async def _side(
    clients: int,
    endpoints: list[tuple[str, list[tuple[str, str]]]],
    fire: Fire,
    rounds: int,
) -> SideResult:
    result = SideResult(clients=clients)
    board = Board()
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    started = time.perf_counter()
    outcomes = await asyncio.gather(
        *(_connect(url, headers, gate) for url, headers in endpoints), return_exceptions=True
    )
    result.connect_seconds = time.perf_counter() - started
    sockets = [(n, ws) for n, ws in enumerate(outcomes, 1) if not isinstance(ws, BaseException)]
    failures = [exc for exc in outcomes if isinstance(exc, BaseException)]
    result.connected = len(sockets)
    if failures:
        result.connect_error = f"{len(failures)} failed to connect ({failures[0]!r})"[:300]
    board.open = {n for n, _ in sockets}
    readers = [asyncio.create_task(_read(ws, n, board)) for n, ws in sockets]
    try:
        for index in range(1, rounds + 1):
            await asyncio.sleep(PAUSE_SECONDS)
            result.rounds.append(await fire(board, index))
            board.current = None
        result.closed_early = Counter(board.closed)
    finally:
        await asyncio.gather(*(ws.close() for _, ws in sockets), return_exceptions=True)
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
    return result


@dataclass(frozen=True)
class Setup:
    officer_token: str
    area_id: int
    tokens: list[str]


async def _settle(pending: Pending) -> None:
    """Wait for the product to finish the previous round's deliveries (it is still numbering
    and recording them after the last client has its alert)."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while await asyncio.to_thread(pending.count) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)


async def _product_side(
    served: Served, setup: Setup, clients: int, options: argparse.Namespace, pending: Pending
) -> SideResult:
    url = f"ws://127.0.0.1:{served.port}/ws/alerts/"
    endpoints = [(url, [("Authorization", f"Token {key}")]) for key in setup.tokens[:clients]]

    async def fire(board: Board, index: int) -> RoundResult:
        await _settle(pending)
        occurred = datetime.now(UTC) - timedelta(hours=1)
        report = await _http(
            served.port,
            "POST",
            "/api/incidents/",
            {
                "title": f"Bench declaration {clients}/{index}",
                "description": "Benchmark incident.",
                "occurred_at": occurred.isoformat(),
                "area_id": setup.area_id,
                "strands": ["race"],
                "tension_level": "high",
            },
            setup.officer_token,
        )
        if report.status != 201:
            raise BenchError(f"reporting an incident answered {report.status}: {report.body}")
        incident = report.body
        # "Major incident in Woughton declared 14:02 (HC-00012): for your information. …"
        current = board.start(f"({incident['reference']}): for your information")
        declared = await _http(
            served.port,
            "POST",
            f"/api/incidents/{incident['id']}/determination/",
            {"is_major": True, "rationale": "bench"},
            setup.officer_token,
        )
        if declared.status != 201:
            raise BenchError(f"declaring answered {declared.status}: {declared.body}")
        return await _collect(current, clients, declared.received, declared.sent, options.timeout)

    return await _side(clients, endpoints, fire, options.rounds)


async def _floor_side(served: Served, clients: int, options: argparse.Namespace) -> SideResult:
    endpoints: list[tuple[str, list[tuple[str, str]]]] = [
        (f"ws://127.0.0.1:{served.port}/ws/floor/{n}/", []) for n in range(1, clients + 1)
    ]

    async def fire(board: Board, index: int) -> RoundResult:
        marker = f"{TITLE}: FLOOR-{clients}-{index} in "
        # The shape and size of the product's alert (notifications.dispatch.live_payload).
        payload = {
            "type": "notification",
            "notification_id": index,
            "title": f"{marker}Bletchley",
            "body": "x" * 320,
            "urgency": "urgent",
            "purposes": ["situation", "coordination"],
            "needs_reply": False,
            "state": "open",
            "created_at": datetime.now(UTC).isoformat(),
            "url": f"/incidents/{index}/",
            "unread": index,
        }
        current = board.start(marker)
        fired = await _http(served.port, "POST", "/fire", {"clients": clients, "payload": payload})
        if fired.status != 200:
            raise BenchError(f"the floor's /fire answered {fired.status}: {fired.body}")
        return await _collect(current, clients, fired.received, fired.sent, options.timeout)

    return await _side(clients, endpoints, fire, options.rounds)


@dataclass
class SizeResult:
    clients: int
    product: SideResult | None = None
    floor: SideResult | None = None
    error: str = ""


async def _measure(
    clients: int,
    product: Served,
    floor: Served,
    setup: Setup,
    options: argparse.Namespace,
    pending: Pending,
    result: SizeResult,
) -> None:
    _say(f"  {clients} clients: the product ...")
    result.product = await _product_side(product, setup, clients, options, pending)
    _say(f"  {clients} clients: the floor ...")
    result.floor = await _floor_side(floor, clients, options)


# --- Figures ------------------------------------------------------------------------------------
def _stats(values: list[float]) -> tuple[float, float, float] | None:
    """Median, 99th percentile (nearest rank) and maximum, in milliseconds."""
    if not values:
        return None
    ordered = sorted(values)
    p99 = ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]
    return statistics.median(ordered) * 1000, p99 * 1000, ordered[-1] * 1000


def _triple(stats: tuple[float, float, float] | None) -> str:
    if stats is None:
        return "-"
    return " / ".join(f"{value:.1f}" for value in stats)


def _ratio(product: float, floor: float) -> str:
    if floor <= 0 or product <= 0:
        return "n/a"
    return f"{product / floor:.1f}x"


def _table(results: list[SizeResult]) -> list[str]:
    header = (
        "clients",
        "product median / p99 / max (ms)",
        "floor median / p99 / max (ms)",
        "ratio median / p99",
        "lost product / floor",
    )
    rows: list[tuple[str, ...]] = []
    for size in results:
        product = _stats(size.product.latencies) if size.product else None
        floor = _stats(size.floor.latencies) if size.floor else None
        ratio = (
            f"{_ratio(product[0], floor[0])} / {_ratio(product[1], floor[1])}"
            if product and floor
            else "-"
        )
        lost = " / ".join(
            f"{side.lost}/{side.expected}" if side else "-" for side in (size.product, size.floor)
        )
        rows.append((f"{size.clients:,}", _triple(product), _triple(floor), ratio, lost))
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [" | ".join(cell.rjust(w) for cell, w in zip(header, widths, strict=True))]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [
        " | ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)) for row in rows
    ]
    return lines


def _notes(results: list[SizeResult], options: argparse.Namespace) -> list[str]:
    lines = []
    for size in results:
        if size.error:
            lines.append(f"- {size.clients:,} clients: not finished: {size.error}")
        for name, side in (("product", size.product), ("floor", size.floor)):
            if side is None:
                continue
            negative = sum(1 for value in side.latencies if value < 0)
            requests = [r.request * 1000 for r in side.rounds]
            trigger = "declaring request" if name == "product" else "/fire request"
            parts = [
                f"connected {side.connected}/{side.clients} in {side.connect_seconds:.1f} s",
                f"{trigger} median {statistics.median(requests):.1f} ms" if requests else "",
                f"{negative} arrived before the response (negative)" if negative else "",
                side.connect_error,
                (
                    "connections the server closed during the rounds: "
                    + ", ".join(f"{n} (code {code})" for code, n in side.closed_early.items())
                    + " (1011: the consumer raised; --keep keeps Daphne's log)"
                )
                if side.closed_early
                else "",
            ]
            lines.append(f"- {size.clients:,} clients, {name}: " + "; ".join(p for p in parts if p))
    lines.append(
        f"- lost: alerts not received {options.timeout:g} s after the response (counting "
        "clients that could not connect or whose connection the server closed), of clients x "
        f"rounds ({options.rounds} declarations per size, latencies pooled)."
    )
    return lines


# --- Main ---------------------------------------------------------------------------------------
def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("a comma-separated list of client counts") from None
    if not sizes or any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError("client counts must be at least 1")
    return sizes


def _run_all(options: argparse.Namespace) -> tuple[list[str], list[SizeResult]]:
    sizes: list[int] = options.clients
    _open_files_raise(max(sizes))
    postgres = _postgres_version(options.database_url)
    redis_version = _redis_check(options.redis_url)
    _redis_check(options.floor_redis_url)
    header = [
        f"Live alerts: declaration response -> alert at every client, {options.rounds} "
        f"declarations per size, timeout {options.timeout:g} s",
        f"machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}"
        f"; Daphne {version('daphne')}, Channels {version('channels')}, "
        f"channels-redis {version('channels-redis')}, websockets {version('websockets')}",
        f"PostgreSQL {postgres} at {options.database_url}",
        f"Redis {redis_version}: product {options.redis_url}, floor {options.floor_redis_url}",
    ]
    env = _product_env(options.database_url, options.redis_url)
    results: list[SizeResult] = []
    servers: list[Served] = []
    pending = Pending(options.database_url)
    try:
        _say(f"Database {_database_name(options.database_url)}: recreating and migrating ...")
        _database_recreate(options.database_url)
        _run([sys.executable, "manage.py", "migrate", "--noinput"], env, "manage.py migrate")
        started = time.monotonic()
        _say(f"Loading the demo partnership and {max(sizes):,} members with tokens ...")
        prepared = _support(env, "prepare", "--members", str(max(sizes)))
        setup = Setup(prepared["officer_token"], prepared["area_id"], prepared["tokens"])
        _say(f"  ready in {time.monotonic() - started:.1f} s")
        servers.append(product := _serve("product", "config.asgi:application", env))
        servers.append(
            floor := _serve(
                "floor", "bench.floor_asgi:application", _floor_env(options.floor_redis_url)
            )
        )
        _say(f"Daphne: product on port {product.port}, floor on port {floor.port}")
        for clients in sizes:
            _support(env, "coordinators", "--count", str(clients))
            result = SizeResult(clients)
            results.append(result)
            limit = 2 * (
                CONNECT_TIMEOUT * 2 + options.rounds * (options.timeout + SETTLE_TIMEOUT / 4 + 5)
            )
            try:
                asyncio.run(
                    asyncio.wait_for(
                        _measure(clients, product, floor, setup, options, pending, result), limit
                    )
                )
            except TimeoutError:
                result.error = f"the size took more than {limit:.0f} s and was stopped"
            except BenchError as exc:
                result.error = str(exc)
            for served in servers:
                if served.process.poll() is not None:
                    raise BenchError(f"Daphne ({served.name}) died:\n{served.log_tail()}")
    finally:
        pending.close()
        for served in servers:
            _stop(served, options.keep)
        if not options.keep:
            _say("Dropping the benchmark database.")
            try:
                _database_drop(options.database_url)
            except Exception as exc:
                _say(f"Could not drop the benchmark database: {exc!r}")
        _redis_flush(options.redis_url)
        _redis_flush(options.floor_redis_url)
    return header, results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.live_alerts", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--clients", type=_sizes, default=_sizes("1,100,1000"))
    parser.add_argument("--rounds", type=int, default=3, help="declarations per size")
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds after the response before lost"
    )
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--floor-redis-url", default=DEFAULT_FLOOR_REDIS_URL)
    parser.add_argument(
        "--keep", action="store_true", help="keep the benchmark database and Daphne's logs"
    )
    options = parser.parse_args(argv)
    if options.redis_url == options.floor_redis_url:
        parser.error("the product and the floor need Redis databases of their own")
    started = time.monotonic()
    try:
        header, results = _run_all(options)
    except BenchError as exc:
        print(f"live_alerts: {exc}", file=sys.stderr)
        return 2
    print("\n".join([*header, "", *_table(results), "", *_notes(results, options)]))
    _say(f"Done in {time.monotonic() - started:.0f} s.")
    return 1 if any(size.error for size in results) else 0


if __name__ == "__main__":
    sys.exit(main())
