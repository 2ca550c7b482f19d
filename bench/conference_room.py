"""How long after the chair shares something in a risk conference it reaches every attendee.

A benchmark, not a test: it prints figures beside the floor they compare to. On real PostgreSQL
and Redis, ``--attendees`` websocket clients (default 50) sit in one conference's live room
(``/ws/conferences/<id>/``) and the chair posts ``--entries`` entries (default 30) one after
another, visible to the whole panel (``POST /api/conferences/<id>/entries/``,
``{"text": …, "visibility": "panel"}``). The clock starts when the chair's response has been read;
each attendee notes when the entry with that text reaches its client's event loop. Each entry is
posted once the previous one has reached everybody (or timed out) and ``--pause`` has passed; one
entry before them (``--warmup``) opens the servers' connections and is not counted. It reports the
median, the 99th percentile and the maximum over every (entry, attendee) pair, and how many of
the attendees x entries expected arrived: lost should be 0.

The product: ``--servers`` Daphne processes (default 1) serving ``config.asgi:application`` with
the product's settings, a database of its own (``coordinator_bench_room``, dropped and migrated at
the start, dropped at the end unless ``--keep``) and a Redis database number of its own. The set-up
(``python -m bench._support room``) loads the demo partnership and a few extra agencies, creates
the attendees as new bench members holding the panel member role, spread over ten agencies, and an
emergency conference chaired by the demo ``chair`` with a person's referral on its agenda; the CSP
Co-ordinator invites the attendees, the chair records them present and opens the conference. Each
client connects with its member's ``Authorization: Token`` header (round-robin over the servers)
and receives the room's state first. An entry the chair posts is saved with its timeline row and,
as the transaction commits (before the response is written), sent once to the conference's
group; each attendee's consumer then asks the database whether its member may see it and, if so,
forwards it.

The floors, in the same run, on another Redis database number, served by the same Daphne and
measured by the same client the same way:

- ``one group`` (``bench.floor_room_asgi``): every client's consumer in one group, one
  ``group_send`` per entry, sent before the response as the product does. The same shape as the
  room with nothing else: the floor this benchmark's ratio is taken against.
- ``one group per client`` (``bench.floor_asgi``, the floor of ``bench.live_alerts``): one
  ``group_send`` per client, one after another, started as the response goes out. Shown for
  comparison with the alerts' figures; it is not the room's shape.

Latencies can be negative: the product's and the first floor's push leaves before the response,
so an entry can beat the response to the client. They are reported as they are. An entry a client
has not received ``--timeout`` seconds after the response counts as lost (and as late if it comes
afterwards), as do the entries of a client the server disconnected. Only loopback addresses are
used::

    .venv/bin/python -m bench.conference_room [--attendees 50] [--entries 30] [--servers 1] [--keep]

PostgreSQL (``--database-url``, trust authentication) and Redis (``--redis-url``,
``--floor-redis-url``: database numbers of the benchmark's own, emptied) must answer; the
benchmark says so and exits 2 otherwise. It refuses a Redis database holding keys that are not its
own, and marks a side not valid when another process emptied its database meanwhile (every group
membership goes with it). It exits 1 when anything was lost or a side did not finish.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import secrets
import statistics
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from importlib.metadata import version
from typing import Any

from bench.live_alerts import (
    CONNECT_CONCURRENCY,
    CONNECT_TIMEOUT,
    Answer,
    BenchError,
    Served,
    _database_drop,
    _database_name,
    _database_recreate,
    _floor_env,
    _http,
    _open_files_raise,
    _postgres_version,
    _product_env,
    _redis_check,
    _redis_flush,
    _run,
    _say,
    _serve,
    _stop,
    _support,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/coordinator_bench_room"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
DEFAULT_FLOOR_REDIS_URL = "redis://127.0.0.1:6379/15"
# Marks a Redis database as this benchmark's while it runs: channels_redis only uses "asgi" keys.
SENTINEL = "bench:conference_room"
# What a panel member might share: the length of a real contribution, not of a marker.
SAID = (
    "Housing confirms the family moved to temporary accommodation on Friday; police patrols "
    "continue nightly and the school has been told who may collect the children."
)
PER_MESSAGE = [
    "What the product does per entry that the floors do not:",
    "- before t0, in the chair's request (so in none of the figures, only in its duration): "
    "token authentication, DRF, the conference row locked, the RoomEntry and its timeline row "
    "(hash-chained) written, commit, then the entry group_sent to the conference's group "
    "(on commit, before the response is written: the one-group floor sends before answering too).",
    "- after the group_send, in every attendee's consumer (in the figures): "
    "database_sync_to_async(conference.rules.visible_to): for a panel entry from the chair, "
    "one SELECT on the conference's invitees (is this member invited?) per connection per entry. "
    "Channels runs those calls in one thread per Daphne process (thread-sensitive, no "
    "per-connection executor), so an entry's checks queue one behind another; the floors "
    "forward the event without asking anything.",
]


# --- Redis ------------------------------------------------------------------------------------
def _redis_client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=5)


def _redis_claim(url: str) -> tuple[str, str]:
    """Refuse a database number something else is using (anything in it but a previous run of
    ours), then empty it, mark it ours and return (Redis version, mark)."""
    import redis

    client = _redis_client(url)
    try:
        if client.dbsize() and client.get(SENTINEL) is None:
            raise BenchError(
                f"Redis database {url} holds {client.dbsize()} keys that are not this "
                "benchmark's: something else uses it. Name a free one with --redis-url / "
                "--floor-redis-url."
            )
    except redis.RedisError:
        pass  # _redis_check says it does not answer
    finally:
        client.close()
    version = _redis_check(url)
    mark = secrets.token_hex(8)
    client = _redis_client(url)
    try:
        client.set(SENTINEL, mark)
    finally:
        client.close()
    return version, mark


def _redis_still_ours(url: str, mark: str) -> bool:
    """False when another process emptied the database during the run (every group membership
    went with it, so nothing more could arrive)."""
    client = _redis_client(url)
    try:
        value = client.get(SENTINEL)
    finally:
        client.close()
    return value is not None and bytes(value).decode() == mark


# --- Clients ------------------------------------------------------------------------------------
@dataclass
class Entry:
    """One entry: who is still waiting for it and when each client saw it."""

    text: str
    waiting: set[int]
    arrivals: dict[int, float] = field(default_factory=dict)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False  # collected: anything arriving now is late

    def check(self) -> None:
        if not self.waiting:
            self.done.set()


@dataclass
class Room:
    """Where the clients' readers record arrivals, by the entry's text."""

    open: set[int] = field(default_factory=set)
    entries: dict[str, Entry] = field(default_factory=dict)
    closed: Counter[str] = field(default_factory=Counter)
    doubled: int = 0
    late: int = 0

    def start(self, text: str) -> Entry:
        entry = Entry(text, set(self.open))
        self.entries[text] = entry
        entry.check()
        return entry

    def seen(self, number: int, message: Any, at: float) -> None:
        if not isinstance(message, dict) or message.get("type") != "entry":
            return
        entry = self.entries.get(str(message.get("text")))
        if entry is None:
            return
        if number in entry.arrivals:
            self.doubled += 1
        elif entry.closed:
            self.late += 1
        else:
            entry.arrivals[number] = at
            entry.waiting.discard(number)
            entry.check()

    def gone(self, number: int, why: str) -> None:
        """A connection the server closed receives nothing more: nobody waits for it."""
        self.open.discard(number)
        self.closed[why] += 1
        for entry in self.entries.values():
            if not entry.closed:
                entry.waiting.discard(number)
                entry.check()


async def _connect(url: str, headers: list[tuple[str, str]], first: str, gate: Any) -> Any:
    """Connect and read the first message: ``state`` from the product, ``hello`` from a floor."""
    from websockets.asyncio.client import connect

    async with gate:
        ws = await connect(
            url,
            additional_headers=headers,
            open_timeout=CONNECT_TIMEOUT,
            ping_interval=None,  # no keepalive traffic inside the measurements
            close_timeout=2,
            compression=None,
            max_size=2**22,
        )
        try:
            message = json.loads(await asyncio.wait_for(ws.recv(), CONNECT_TIMEOUT))
        except BaseException:
            await ws.close()
            raise
        if not isinstance(message, dict) or message.get("type") != first:
            await ws.close()
            raise BenchError(f"expected {first} first, got {message!r}"[:200])
        return ws


async def _read(ws: Any, number: int, room: Room) -> None:
    from websockets.exceptions import ConnectionClosed

    try:
        async for raw in ws:
            at = time.perf_counter()
            room.seen(number, json.loads(raw), at)
    except ConnectionClosed:
        pass
    room.gone(number, f"{ws.close_code} {ws.close_reason}".strip())


# --- Measuring ----------------------------------------------------------------------------------
@dataclass
class Side:
    name: str
    clients: int
    entries: int
    connected: int = 0
    connect_seconds: float = 0.0
    connect_error: str = ""
    latencies: list[float] = field(default_factory=list)  # seconds from t0, every pair
    spreads: list[float] = field(default_factory=list)  # last arrival - first, per entry
    medians: list[float] = field(default_factory=list)  # each entry's own median latency
    warmup: list[float] = field(default_factory=list)  # the uncounted entries' latencies
    requests: list[float] = field(default_factory=list)  # seconds each triggering request took
    doubled: int = 0
    late: int = 0
    closed_early: Counter[str] = field(default_factory=Counter)
    error: str = ""

    @property
    def expected(self) -> int:
        return self.clients * self.entries

    @property
    def received(self) -> int:
        return len(self.latencies)

    @property
    def lost(self) -> int:
        return self.expected - self.received


Fire = Callable[[int, str], Awaitable[Answer]]


async def _measure(
    side: Side,
    endpoints: list[tuple[str, list[tuple[str, str]]]],
    first: str,
    fire: Fire,
    options: argparse.Namespace,
) -> None:
    """Connect every client, fire the entries one after another (each once the previous one has
    reached everybody, or timed out), and record the arrivals into ``side``."""
    room = Room()
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    started = time.perf_counter()
    outcomes = await asyncio.gather(
        *(_connect(url, headers, first, gate) for url, headers in endpoints),
        return_exceptions=True,
    )
    side.connect_seconds = time.perf_counter() - started
    sockets = [(n, ws) for n, ws in enumerate(outcomes, 1) if not isinstance(ws, BaseException)]
    failures = [exc for exc in outcomes if isinstance(exc, BaseException)]
    side.connected = len(sockets)
    if failures:
        side.connect_error = f"{len(failures)} failed to connect ({failures[0]!r})"[:300]
    room.open = {n for n, _ in sockets}
    readers = [asyncio.create_task(_read(ws, n, room)) for n, ws in sockets]
    run = secrets.token_hex(3)
    try:
        for index in range(1 - options.warmup, options.entries + 1):
            await asyncio.sleep(options.pause)
            text = f"[{side.name} {run} {index}/{options.entries}] {SAID}"
            entry = room.start(text)
            answer = await fire(index, text)
            t0 = answer.received
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    entry.done.wait(), max(0.0, t0 + options.timeout - time.perf_counter())
                )
            entry.closed = True
            times = list(entry.arrivals.values())
            if index < 1:
                side.warmup += [at - t0 for at in times]
                continue
            side.latencies += [at - t0 for at in times]
            if times:
                side.spreads.append(max(times) - min(times))
                side.medians.append(statistics.median(times) - t0)
            side.requests.append(answer.received - answer.sent)
        await asyncio.sleep(options.pause)  # a doubled or late entry may still come
    finally:
        side.doubled, side.late = room.doubled, room.late
        side.closed_early = Counter(room.closed)
        await asyncio.gather(*(ws.close() for _, ws in sockets), return_exceptions=True)
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)


def _entry_like(index: int, text: str) -> dict[str, Any]:
    """The shape and size of the product's entry event (conference.selectors.entry_payload)."""
    return {
        "type": "entry",
        "id": index,
        "kind": "information",
        "kind_label": "Information shared",
        "item_id": 1,
        "author": "Chair of the panel",
        "author_id": 1,
        "text": text,
        "visibility": "panel",
        "agency_ids": [],
        "action_id": None,
        "created_at": datetime.now(UTC).isoformat(),
    }


def _product(servers: list[Served], setup: dict[str, Any], options: argparse.Namespace) -> Side:
    pk = setup["conference_id"]
    tokens: list[str] = setup["tokens"]
    side = Side("product", len(tokens), options.entries)
    endpoints = [
        (
            f"ws://127.0.0.1:{servers[n % len(servers)].port}/ws/conferences/{pk}/",
            [("Authorization", f"Token {key}")],
        )
        for n, key in enumerate(tokens)
    ]

    async def fire(index: int, text: str) -> Answer:
        answer = await _http(
            servers[index % len(servers)].port,
            "POST",
            f"/api/conferences/{pk}/entries/",
            {"text": text, "visibility": "panel"},
            setup["chair_token"],
        )
        if answer.status != 201 or not isinstance(answer.body, dict):
            raise BenchError(f"the chair's entry answered {answer.status}: {answer.body}"[:500])
        return answer

    _run_side(side, endpoints, "state", fire, options)
    return side


def _floor_room(servers: list[Served], options: argparse.Namespace) -> Side:
    side = Side("floor-one-group", options.attendees, options.entries)
    endpoints: list[tuple[str, list[tuple[str, str]]]] = [
        (f"ws://127.0.0.1:{servers[n % len(servers)].port}/ws/room/", [])
        for n in range(options.attendees)
    ]

    async def fire(index: int, text: str) -> Answer:
        answer = await _http(
            servers[index % len(servers)].port,
            "POST",
            "/fire",
            {"payload": _entry_like(index, text)},
        )
        if answer.status != 200:
            raise BenchError(f"the floor's /fire answered {answer.status}: {answer.body}")
        return answer

    _run_side(side, endpoints, "hello", fire, options)
    return side


def _floor_groups(servers: list[Served], options: argparse.Namespace) -> Side:
    side = Side("floor-group-each", options.attendees, options.entries)
    endpoints: list[tuple[str, list[tuple[str, str]]]] = [
        (f"ws://127.0.0.1:{servers[(n - 1) % len(servers)].port}/ws/floor/{n}/", [])
        for n in range(1, options.attendees + 1)
    ]

    async def fire(index: int, text: str) -> Answer:
        answer = await _http(
            servers[index % len(servers)].port,
            "POST",
            "/fire",
            {"clients": options.attendees, "payload": _entry_like(index, text)},
        )
        if answer.status != 200:
            raise BenchError(f"the floor's /fire answered {answer.status}: {answer.body}")
        return answer

    _run_side(side, endpoints, "hello", fire, options)
    return side


def _run_side(
    side: Side,
    endpoints: list[tuple[str, list[tuple[str, str]]]],
    first: str,
    fire: Fire,
    options: argparse.Namespace,
) -> None:
    _say(f"  {side.name}: {side.clients} clients, {side.entries} entries ...")
    limit = 2 * CONNECT_TIMEOUT + options.entries * (options.timeout + options.pause + 5)
    try:
        asyncio.run(asyncio.wait_for(_measure(side, endpoints, first, fire, options), limit))
    except TimeoutError:
        side.error = f"took more than {limit:.0f} s and was stopped"
    except BenchError as exc:
        side.error = str(exc)


# --- Figures ------------------------------------------------------------------------------------
def _stats(values: list[float]) -> tuple[float, float, float] | None:
    """Median, 99th percentile (nearest rank) and maximum, in milliseconds."""
    if not values:
        return None
    ordered = sorted(values)
    p99 = ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]
    return statistics.median(ordered) * 1000, p99 * 1000, ordered[-1] * 1000


def _ratio(product: float, floor: float) -> str:
    if floor <= 0 or product <= 0:
        return "n/a"
    return f"{product / floor:.1f}x"


LABELS = {
    "product": "product (room + visibility check)",
    "floor-one-group": "floor: one group, one group_send",
    "floor-group-each": "floor_asgi: a group per client",
}


def _table(sides: list[Side]) -> list[str]:
    header = (
        "",
        "median ms",
        "p99 ms",
        "max ms",
        "received / expected",
        "lost",
        "product / this (median, p99)",
    )
    product = next((s for s in sides if s.name == "product"), None)
    ours = _stats(product.latencies) if product else None
    rows: list[tuple[str, ...]] = []
    for side in sides:
        figures = _stats(side.latencies)
        cells = [f"{value:.1f}" for value in figures] if figures else ["-", "-", "-"]
        ratio = "-"
        if side is not product and figures and ours:
            ratio = f"{_ratio(ours[0], figures[0])}, {_ratio(ours[1], figures[1])}"
        rows.append(
            (
                LABELS[side.name],
                *cells,
                f"{side.received:,} / {side.expected:,}",
                str(side.lost),
                ratio,
            )
        )
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        first = row[0].ljust(widths[0])
        rest = (cell.rjust(w) for cell, w in zip(row[1:], widths[1:], strict=True))
        return " | ".join([first, *rest])

    return [line(header), "-+-".join("-" * w for w in widths), *(line(row) for row in rows)]


def _notes(sides: list[Side], options: argparse.Namespace) -> list[str]:
    lines = []
    for side in sides:
        negative = sum(1 for value in side.latencies if value < 0)
        trigger = "chair's POST" if side.name == "product" else "/fire"
        parts = [
            f"connected {side.connected}/{side.clients} in {side.connect_seconds:.1f} s",
            f"{trigger} took median {statistics.median(side.requests) * 1000:.1f} ms"
            if side.requests
            else "",
            f"an entry's first to last arrival median {statistics.median(side.spreads) * 1000:.1f}"
            f" ms, max {max(side.spreads) * 1000:.1f} ms"
            if side.spreads
            else "",
            f"entries' own medians from {min(side.medians) * 1000:.1f} to "
            f"{max(side.medians) * 1000:.1f} ms"
            if side.medians
            else "",
            f"warm-up median {statistics.median(side.warmup) * 1000:.1f} ms (not counted)"
            if side.warmup
            else "",
            f"{negative} arrived before the response (negative)" if negative else "",
            f"{side.late} late" if side.late else "",
            f"{side.doubled} doubled" if side.doubled else "",
            side.connect_error,
            "connections the server closed: "
            + ", ".join(f"{n} (code {code})" for code, n in side.closed_early.items())
            if side.closed_early
            else "",
            f"NOT FINISHED: {side.error}" if side.error else "",
        ]
        lines.append(f"- {LABELS[side.name]}: " + "; ".join(p for p in parts if p))
    lines.append(
        f"- pooled over {options.entries} entries x {options.attendees} attendees; lost: not "
        f"received {options.timeout:g} s after the response (counting clients that could not "
        "connect or were disconnected). Ratios are the product's figure over the floor's."
    )
    return lines


# --- Main ---------------------------------------------------------------------------------------
def _run_all(options: argparse.Namespace) -> tuple[list[str], list[Side]]:
    _database_name(options.database_url)  # refuses a name without "bench" before anything else
    _open_files_raise(options.attendees)
    postgres = _postgres_version(options.database_url)
    redis_version, product_mark = _redis_claim(options.redis_url)
    _, floor_mark = _redis_claim(options.floor_redis_url)
    env = _product_env(options.database_url, options.redis_url)
    floor_env = _floor_env(options.floor_redis_url)
    load_before = os.getloadavg()[0]
    sides: list[Side] = []
    servers: list[Served] = []
    try:
        _say(f"Database {_database_name(options.database_url)}: recreating and migrating ...")
        _database_recreate(options.database_url)
        _run([sys.executable, "manage.py", "migrate", "--noinput"], env, "manage.py migrate")
        started = time.monotonic()
        _say(f"Setting up the conference and {options.attendees} attendees ...")
        setup = _support(env, "room", "--attendees", str(options.attendees))
        _say(f"  ready in {time.monotonic() - started:.1f} s")
        count = options.servers
        product = [_serve(f"product-{n}", "config.asgi:application", env) for n in range(count)]
        one_group = [
            _serve(f"floor-room-{n}", "bench.floor_room_asgi:application", floor_env)
            for n in range(count)
        ]
        group_each = [
            _serve(f"floor-{n}", "bench.floor_asgi:application", floor_env) for n in range(count)
        ]
        servers += [*product, *one_group, *group_each]
        measures: list[tuple[Callable[[], Side], str, str]] = [
            (partial(_product, product, setup, options), options.redis_url, product_mark),
            (partial(_floor_room, one_group, options), options.floor_redis_url, floor_mark),
            (partial(_floor_groups, group_each, options), options.floor_redis_url, floor_mark),
        ]
        for measure, url, mark in measures:
            side = measure()
            sides.append(side)
            if not _redis_still_ours(url, mark):
                side.error = (
                    f"another process emptied Redis {url} during this side (group memberships "
                    "with it): its figures are not valid; name a free database number"
                )
        for served in servers:
            if served.process.poll() is not None:
                raise BenchError(f"Daphne ({served.name}) died:\n{served.log_tail()}")
    finally:
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
    header = [
        f"Conference room: chair's entry response -> entry at each of {options.attendees} "
        f"attendees, {options.entries} entries (visibility panel), {options.servers} Daphne "
        f"process{'es' if options.servers > 1 else ''} each side",
        f"machine: {os.cpu_count()} CPUs, {platform.machine()}, Python "
        f"{platform.python_version()}; Daphne {version('daphne')}, Channels "
        f"{version('channels')}, channels-redis {version('channels-redis')}, websockets "
        f"{version('websockets')}; one client process for all the clients",
        f"load average (1 min) {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the "
        "end: everything else running on these CPUs is in the figures too",
        f"PostgreSQL {postgres} at {options.database_url}; Redis {redis_version}: product "
        f"{options.redis_url}, floors {options.floor_redis_url}",
        f"conference {setup['conference_id']} chaired by the demo chair; attendees: bench panel "
        f"members from {setup['agencies']} agencies, all invited and present",
    ]
    return header, sides


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.conference_room", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--attendees", type=int, default=50)
    parser.add_argument("--entries", type=int, default=30)
    parser.add_argument(
        "--servers", type=int, choices=(1, 2), default=1, help="Daphne processes per side"
    )
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds after the response before lost"
    )
    parser.add_argument(
        "--warmup", type=int, default=1, help="entries sent first on each side, not counted"
    )
    parser.add_argument(
        "--pause", type=float, default=0.1, help="seconds between one entry's end and the next"
    )
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--floor-redis-url", default=DEFAULT_FLOOR_REDIS_URL)
    parser.add_argument(
        "--keep", action="store_true", help="keep the benchmark database and Daphne's logs"
    )
    options = parser.parse_args(argv)
    if options.attendees < 1 or options.entries < 1 or options.warmup < 0:
        parser.error("--attendees and --entries must be at least 1, --warmup at least 0")
    if options.redis_url == options.floor_redis_url:
        parser.error("the product and the floors need Redis databases of their own")
    started = time.monotonic()
    try:
        header, sides = _run_all(options)
    except BenchError as exc:
        print(f"conference_room: {exc}", file=sys.stderr)
        return 2
    print("\n".join([*header, "", *_table(sides), "", *PER_MESSAGE, "", *_notes(sides, options)]))
    _say(f"Done in {time.monotonic() - started:.0f} s.")
    return 1 if any(side.lost or side.error for side in sides) else 0


if __name__ == "__main__":
    sys.exit(main())
