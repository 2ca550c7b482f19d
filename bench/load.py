"""Load: concurrent clients run the protocol's first minutes while 1,000 co-ordinators listen.

A benchmark, not a test: it prints what the product sustains and whether anything was lost. For
each server count (``--servers``, default one then two Daphne processes, each time with one
``manage.py runscheduler`` beside them, as in production), on real PostgreSQL and Redis:

- ``--listeners`` websocket clients (default 1,000) connect to ``/ws/alerts/``, spread round-robin
  over the Daphne processes. Each is a bench council member holding the CSP Co-ordinator role, so
  every declaration alerts every listener: the fan-out is one alert per listener per declaration
  (plus the demo partnership's own CSP Co-ordinator and Police Partnership Co-ordinator, who are
  not listening; the report gives the count the database holds). Each behaves as the product's
  page does (``partnership/static/js/alerts.js``): it resumes from the highest event id it has
  seen when it connects and every ``--heartbeat`` seconds (20, spread over the listeners), and
  counts an event once however often it arrives (a push and its replay).
- ``--workers`` coroutines share ``--incidents`` incidents. For each, as the demo partnership's
  people: the senior police officer reports it (``POST /api/incidents/``) and declares it major
  (``POST /api/incidents/<id>/determination/``); the Community and Race Relations Officer reads
  its duties (``GET /api/incidents/<id>/duties/``), completes "Inform the Racial Equality
  Council" (``POST /api/duties/<id>/complete/``), reads their unread notifications
  (``GET /api/notifications/?unread=true``) and acknowledges the referral this incident sent them
  (``POST /api/notifications/<id>/acknowledge/``). Requests go round-robin over the Daphne
  processes, each on a fresh loopback connection.

It reports requests, requests per second, latency percentiles per endpoint and errors by status;
for the alerts, the time from the moment the declaring response was read to the moment each
listener's event loop first got the alert (negative when it beats the response; pushed or
replayed, and how many were first seen in a replay), and how many arrived of how many the
database says were sent to listeners. When the product has made every delivery, every listener
resumes once more (its next heartbeat) before the count. Then it checks, from the database, that
every declared incident has every duty of its protocol version, and, for every listener, that it
received each declaration alert sent to it exactly once (by ``notification_id``, over distinct
events) and none sent to others. It prints ``LOST: n  DOUBLED: n`` last and exits 1 when either
is not zero (or a duty is missing, or a listener got someone else's alert), 2 when it could not
run. Pushes arriving out of event-id order are counted and shown, not failed: the page shows each
event once whatever the order, and resumes from the highest id it has seen.

One client process runs the workers and the listeners on one event loop, on the same machine as
the servers, PostgreSQL and Redis: its own work is in every figure, and on a small machine they
all share the same cores. The database (``coordinator_bench_load``, dropped and migrated at the
start, dropped at the end unless ``--keep``) is shared by the server counts in turn: the second
runs beside the first one's rows. Only loopback addresses are used::

    .venv/bin/python -m bench.load [--workers 4] [--incidents 4] [--listeners 1000] \
        [--servers 1,2] [--own-redis] [--keep]

PostgreSQL (``--database-url``, trust authentication) and Redis (``--redis-url``, a database
number of the benchmark's own, emptied) must answer; the benchmark says so and exits 2 otherwise.
On a machine whose Redis others use too, ``--own-redis`` starts a ``redis-server`` of the
benchmark's own on a free loopback port (stopped at the end): anyone flushing the shared
database number mid-run would take the listeners' groups with it, and their alerts with them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from typing import Any

from bench.live_alerts import (
    BASE_DIR,
    CONNECT_CONCURRENCY,
    CONNECT_TIMEOUT,
    Answer,
    BenchError,
    Pending,
    Served,
    _database_drop,
    _database_name,
    _database_recreate,
    _free_port,
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

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/coordinator_bench_load"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/11"
# The co-ordinators' notice of a declaration: "Major incident in Woughton declared 14:02
# (HC-00012): for your information. Please acknowledge within 15 minutes."
DECLARED = ": for your information."
DECLARED_REFERENCE = re.compile(r"\((HC-\d+)\): for your information\.")
COMPLETED_STEP = "inform-rec"
REQUEST_TIMEOUT = 60.0  # seconds for one request, connection included
GRACE_SECONDS = 2.0  # listened for after the last expected alert: a doubled one may come later
ENDPOINTS = {
    "report": "POST /api/incidents/",
    "declare": "POST /api/incidents/<id>/determination/",
    "duties": "GET /api/incidents/<id>/duties/",
    "complete": "POST /api/duties/<id>/complete/",
    "inbox": "GET /api/notifications/?unread=true",
    "acknowledge": "POST /api/notifications/<id>/acknowledge/",
}


# --- What one run records -----------------------------------------------------------------------
@dataclass(frozen=True)
class Call:
    endpoint: str  # a key of ENDPOINTS
    status: int  # 0: no answer (refused, reset or timed out)
    seconds: float
    server: int


@dataclass(frozen=True)
class Alert:
    event_id: int
    notification_id: int | None
    reference: str
    at: float  # perf_counter when the listener's loop first got the event
    replayed: bool  # first seen in the answer to a resume, not pushed


@dataclass
class Listener:
    """One co-ordinator's open page, as ``partnership/static/js/alerts.js`` behaves: it resumes
    from the highest event id it has seen when it connects and every ``--heartbeat`` seconds,
    and shows an event once however often it arrives (a push and its replay)."""

    number: int
    member_id: int
    server: int
    ws: Any = None
    last_event_id: int = 0
    seen: set[int] = field(default_factory=set)
    alerts: list[Alert] = field(default_factory=list)  # declaration alerts, first sightings
    replaying: int = 0  # resumes sent and not yet answered
    resumes: int = 0
    overlaps: int = 0  # an event seen again (push and replay of the same event): shown once
    gaps: int = 0  # events held back because the one before them had not been seen
    highest_push: int = 0
    out_of_order: int = 0  # pushed events whose id was below one pushed before
    errors: int = 0  # {"type": "error"} answers
    closed: str = ""  # close code and reason, if the server closed the connection

    async def resume(self) -> None:
        self.replaying += 1
        self.resumes += 1
        await self.ws.send(json.dumps({"type": "resume", "last_event_id": self.last_event_id}))


@dataclass(frozen=True)
class Identity:
    officer_token: str
    crro_token: str
    area_id: int
    tokens: list[str]  # the listeners'
    member_ids: list[int]  # the listeners', in the same order


@dataclass
class Verification:
    incidents: int = 0  # reported in this run, as the database has them
    declared: int = 0
    steps_expected: int = 0  # duties per declared incident (its protocol version's steps)
    incomplete: list[str] = field(default_factory=list)  # references missing a duty
    not_done: list[str] = field(default_factory=list)  # completed here, yet not done
    recipients: int = 0  # declaration alerts the database holds, listeners or not
    expected: int = 0  # declaration alerts to listeners
    received: int = 0  # of those, received at least once
    lost: int = 0
    doubled: int = 0
    unsent: int = 0  # expected, but the product had not yet sent them when the wait ended
    strays: int = 0  # declaration alerts received that were sent to someone else
    earlier: int = 0  # the listener's own alerts from an earlier run's declarations
    replayed: int = 0  # of the received, first seen while a resume was being answered
    overlaps: int = 0  # events seen twice (a push and its replay), shown once by the page
    out_of_order: int = 0  # pushed events whose id was below one pushed before
    resumes: int = 0
    errors: int = 0  # {"type": "error"} answers the listeners got
    db_events: int = 0  # live events the database numbered for the expected alerts
    db_doubled: int = 0
    db_missing: int = 0
    deliveries: Counter[str] = field(default_factory=Counter)  # live deliveries by state
    lost_by_server: Counter[int] = field(default_factory=Counter)
    groups_missing: int | None = None  # listeners' Redis groups gone at the end (None: not read)


@dataclass
class Run:
    servers: int
    tag: str  # in every incident's title, so the database can be asked for this run's incidents
    calls: list[Call] = field(default_factory=list)
    declared: dict[str, float] = field(default_factory=dict)  # reference -> response read at
    completed: set[str] = field(default_factory=set)  # references whose duty was completed
    chains: int = 0  # incidents whose six requests all succeeded
    problems: Counter[str] = field(default_factory=Counter)
    listeners: list[Listener] = field(default_factory=list)
    connected: int = 0
    connect_seconds: float = 0.0
    connect_error: str = ""
    first_sent: float = 0.0
    last_received: float = 0.0
    drained_seconds: float | None = None  # last declaration -> every alert and delivery done
    verification: Verification | None = None
    error: str = ""
    closing: bool = False  # the benchmark is closing the listeners' connections itself
    groups_missing: int | None = None

    @property
    def wall(self) -> float:
        return max(self.last_received - self.first_sent, 1e-9)


# --- The workload -------------------------------------------------------------------------------
@dataclass
class Workload:
    run: Run
    identity: Identity
    ports: list[int]
    incidents: int
    stop_at: float
    numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    turns: itertools.count[int] = field(default_factory=itertools.count)

    def take(self) -> int | None:
        """The next incident to run, or None when all are taken or time is up."""
        if time.perf_counter() >= self.stop_at:
            return None
        number = next(self.numbers)
        return number if number <= self.incidents else None

    async def call(
        self, endpoint: str, method: str, path: str, token: str, body: Any = None
    ) -> Answer | None:
        """One request to the next server in turn; recorded whatever happens. Returns the answer,
        or None when there was none."""
        server = next(self.turns) % len(self.ports)
        started = time.perf_counter()
        if not self.run.first_sent:
            self.run.first_sent = started
        try:
            answer = await asyncio.wait_for(
                _http(self.ports[server], method, path, body, token), REQUEST_TIMEOUT
            )
        except (OSError, TimeoutError, EOFError, ValueError, IndexError) as exc:
            ended = time.perf_counter()
            self.run.calls.append(Call(endpoint, 0, ended - started, server))
            self.run.problems[f"{ENDPOINTS[endpoint]}: no answer ({type(exc).__name__})"] += 1
            self.run.last_received = max(self.run.last_received, ended)
            return None
        self.run.calls.append(Call(endpoint, answer.status, answer.received - started, server))
        self.run.last_received = max(self.run.last_received, answer.received)
        return answer

    def refused(self, endpoint: str, answer: Answer | None, wanted: int) -> bool:
        if answer is None:
            return True
        if answer.status != wanted:
            detail = json.dumps(answer.body)[:160] if answer.body is not None else ""
            self.run.problems[f"{ENDPOINTS[endpoint]}: {answer.status} {detail}"] += 1
            return True
        return False

    async def chain(self, number: int) -> None:
        """One incident, from its report to the CRRO's acknowledgement; stops at the first
        refusal (what follows needs what it would have made)."""
        officer, crro = self.identity.officer_token, self.identity.crro_token
        occurred = datetime.now(UTC) - timedelta(hours=1)
        report = await self.call(
            "report",
            "POST",
            "/api/incidents/",
            officer,
            {
                "title": f"{self.run.tag} {number}",
                "description": "Benchmark incident.",
                "occurred_at": occurred.isoformat(),
                "area_id": self.identity.area_id,
                "strands": ["race"],
                "tension_level": "high",
            },
        )
        if self.refused("report", report, 201):
            return
        assert report is not None
        incident_id, reference = int(report.body["id"]), str(report.body["reference"])
        declared = await self.call(
            "declare",
            "POST",
            f"/api/incidents/{incident_id}/determination/",
            officer,
            {"is_major": True, "rationale": "Benchmark declaration."},
        )
        if self.refused("declare", declared, 201):
            return
        assert declared is not None
        self.run.declared[reference] = declared.received
        duties = await self.call("duties", "GET", f"/api/incidents/{incident_id}/duties/", crro)
        if self.refused("duties", duties, 200):
            return
        assert duties is not None
        duty = next(
            (d for d in duties.body if isinstance(d, dict) and d.get("step") == COMPLETED_STEP),
            None,
        )
        if duty is None:
            self.run.problems[f"{reference} has no {COMPLETED_STEP} duty"] += 1
            return
        completed = await self.call(
            "complete",
            "POST",
            f"/api/duties/{duty['id']}/complete/",
            crro,
            {"message": f"The Racial Equality Council has been told of {reference}."},
        )
        if self.refused("complete", completed, 200):
            return
        self.run.completed.add(reference)
        inbox = await self.call("inbox", "GET", "/api/notifications/?unread=true", crro)
        if self.refused("inbox", inbox, 200):
            return
        assert inbox is not None
        # The referral this incident sent the CRRO (the engine's message about it: no sender; the
        # titles are in the reader's words now and no longer start with the reference): each worker
        # acknowledges its own incident's, so no two workers race for the same notification.
        referral = next(
            (
                n
                for n in inbox.body
                if isinstance(n, dict)
                and n.get("scope") == f"incident:{incident_id}"
                and n.get("sender") is None
            ),
            None,
        )
        if referral is None:
            self.run.problems[f"no unread notification about {reference} for the CRRO"] += 1
            return
        acknowledged = await self.call(
            "acknowledge", "POST", f"/api/notifications/{referral['id']}/acknowledge/", crro
        )
        if not self.refused("acknowledge", acknowledged, 200):
            self.run.chains += 1

    async def worker(self) -> None:
        while (number := self.take()) is not None:
            await self.chain(number)


# --- Listeners ---------------------------------------------------------------------------------
async def _open(url: str, listener: Listener, token: str, gate: asyncio.Semaphore) -> None:
    """Connect, read the hello and resume from its last event id, as the page does on load."""
    from websockets.asyncio.client import connect

    async with gate:
        ws = await connect(
            url,
            additional_headers=[("Authorization", f"Token {token}")],
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
        if (
            not isinstance(hello, dict)
            or hello.get("type") != "hello"
            or not isinstance(hello.get("last_event_id"), int)
        ):
            await ws.close()
            raise BenchError(f"expected hello first, got {hello!r}"[:200])
        listener.ws = ws
        listener.last_event_id = hello["last_event_id"]
        await listener.resume()


async def _listen(listener: Listener, run: Run) -> None:
    from websockets.exceptions import ConnectionClosed

    try:
        async for raw in listener.ws:
            at = time.perf_counter()
            message = json.loads(raw)
            if not isinstance(message, dict):
                continue
            kind = message.get("type")
            if kind in ("resumed", "error"):
                # An error answers a resume the server refused (none should be): either way no
                # replay is on its way for it.
                listener.replaying = max(0, listener.replaying - 1)
                listener.errors += kind == "error"
                continue
            event_id = message.get("id")
            if not isinstance(event_id, int):
                continue
            previous = message.get("previous")
            if (
                isinstance(previous, int)
                and previous > listener.last_event_id
                and previous not in listener.seen
            ):
                # A gap, as the page sees it: hold this back and resume from the last seen.
                listener.gaps += 1
                await listener.resume()
                continue
            if event_id in listener.seen:
                listener.overlaps += 1
                continue
            listener.seen.add(event_id)
            listener.last_event_id = max(listener.last_event_id, event_id)
            # Pushes and replays can interleave while a resume is answered; an event first seen
            # then is counted as replayed.
            replayed = listener.replaying > 0
            if not replayed:
                if event_id < listener.highest_push:
                    listener.out_of_order += 1
                listener.highest_push = max(listener.highest_push, event_id)
            title = message.get("title")
            found = DECLARED_REFERENCE.search(title) if isinstance(title, str) else None
            if kind == "notification" and found is not None:
                notification_id = message.get("notification_id")
                listener.alerts.append(
                    Alert(
                        event_id,
                        notification_id if isinstance(notification_id, int) else None,
                        found.group(1),
                        at,
                        replayed,
                    )
                )
    except ConnectionClosed:
        pass
    if not run.closing:
        listener.closed = f"{listener.ws.close_code} {listener.ws.close_reason}".strip()


async def _heartbeats(listeners: list[Listener], every: float) -> None:
    """Each page resumes every ``every`` seconds; pages opened at different moments, so the
    resumes are spread evenly over the interval rather than sent all at once."""
    if every <= 0 or not listeners:
        return
    gap = every / len(listeners)
    for listener in itertools.cycle(listeners):
        await asyncio.sleep(gap)
        if listener.ws is not None and not listener.closed:
            with contextlib.suppress(Exception):
                await listener.resume()


def _arrived(run: Run, listeners: list[Listener]) -> bool:
    """Every listener still connected has every declaration this run knows of."""
    wanted = set(run.declared)
    return all(
        wanted <= {alert.reference for alert in listener.alerts}
        for listener in listeners
        if not listener.closed
    )


async def _drain(run: Run, listeners: list[Listener], pending: Pending, timeout: float) -> None:
    """Wait until every alert has arrived; or, once the product has made every delivery (so the
    database holds every event), have every page resume once more, as its next heartbeat would,
    and take what that brings. Then listen a little longer for an alert sent twice."""
    deadline = time.perf_counter() + timeout
    last = max(run.declared.values(), default=run.last_received)
    while time.perf_counter() < deadline:
        if _arrived(run, listeners):
            run.drained_seconds = time.perf_counter() - last
            break
        if not await asyncio.to_thread(pending.count):
            for listener in listeners:
                if not listener.closed:
                    with contextlib.suppress(Exception):
                        await listener.resume()
            while time.perf_counter() < deadline and any(
                listener.replaying for listener in listeners if not listener.closed
            ):
                await asyncio.sleep(0.1)
            run.drained_seconds = time.perf_counter() - last
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(GRACE_SECONDS)


def _groups_missing(redis_url: str, listeners: list[Listener]) -> int | None:
    """How many listeners' groups Redis no longer holds. A consumer joins its member's group when
    it connects and again on each resume; if Redis loses the groups meanwhile (restarted, or the
    database number flushed by someone else sharing it), pushes reach nobody until then. Read
    through ``channels_redis``' key layout, as a diagnosis only."""
    import redis

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=3, socket_timeout=5)
    try:
        pipe = client.pipeline(transaction=False)
        for listener in listeners:
            pipe.exists(f"asgi:group:alerts.member.{listener.member_id}")
        return sum(1 for found in pipe.execute() if not found)
    except redis.RedisError:
        return None
    finally:
        client.close()


async def _measure(
    run: Run,
    identity: Identity,
    ports: list[int],
    options: argparse.Namespace,
    pending: Pending,
) -> None:
    listeners = [
        Listener(number=n, member_id=identity.member_ids[n], server=n % len(ports))
        for n in range(options.listeners)
    ]
    run.listeners = listeners
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    started = time.perf_counter()
    outcomes = await asyncio.gather(
        *(
            _open(
                f"ws://127.0.0.1:{ports[listener.server]}/ws/alerts/",
                listener,
                identity.tokens[listener.number],
                gate,
            )
            for listener in listeners
        ),
        return_exceptions=True,
    )
    run.connect_seconds = time.perf_counter() - started
    connected = [listener for listener in listeners if listener.ws is not None]
    failures = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    run.connected = len(connected)
    if failures:
        run.connect_error = f"{len(failures)} failed to connect ({failures[0]!r})"[:300]
    readers = [asyncio.create_task(_listen(listener, run)) for listener in connected]
    heartbeat = asyncio.create_task(_heartbeats(connected, options.heartbeat))
    try:
        _say(f"  {run.connected:,} listeners connected in {run.connect_seconds:.1f} s; working ...")
        workload = Workload(
            run=run,
            identity=identity,
            ports=ports,
            incidents=options.incidents,
            stop_at=time.perf_counter() + options.duration,
        )
        await asyncio.gather(*(workload.worker() for _ in range(options.workers)))
        _say(
            f"  {len(run.declared)} declared, {run.chains} chains finished in {run.wall:.1f} s; "
            "waiting for the alerts ..."
        )
        await _drain(run, connected, pending, options.timeout)
        run.groups_missing = await asyncio.to_thread(_groups_missing, options.redis_url, connected)
    finally:
        run.closing = True
        heartbeat.cancel()
        await asyncio.gather(heartbeat, return_exceptions=True)
        await asyncio.gather(
            *(listener.ws.close() for listener in connected), return_exceptions=True
        )
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)


# --- Checking with the database -----------------------------------------------------------------
def _verify(database_url: str, run: Run) -> Verification:
    import psycopg

    result = Verification()
    with psycopg.connect(database_url, autocommit=True, connect_timeout=3) as conn:
        rows = conn.execute(
            "SELECT i.id, i.declared_at IS NOT NULL, "
            "(SELECT count(*) FROM escalation_duty d WHERE d.incident_id = i.id), "
            "(SELECT count(*) FROM escalation_protocolstep s WHERE s.version_id = i.protocol_id), "
            "(SELECT d.state FROM escalation_duty d WHERE d.incident_id = i.id "
            "AND d.step_code = %s) "
            "FROM escalation_incident i WHERE i.title LIKE %s ORDER BY i.id",
            [COMPLETED_STEP, f"{run.tag} %"],
        ).fetchall()
        result.incidents = len(rows)
        declared_ids = []
        for incident_id, declared, duties, steps, state in rows:
            if not declared:
                continue
            reference = f"HC-{incident_id:05d}"
            declared_ids.append(str(incident_id))
            result.declared += 1
            result.steps_expected = max(result.steps_expected, steps)
            if duties != steps or steps == 0:
                result.incomplete.append(f"{reference} ({duties} of {steps})")
            if reference in run.completed and state != "done":
                result.not_done.append(f"{reference} ({state})")
        result.recipients = int(
            conn.execute(
                "SELECT count(*) FROM notifications_notification WHERE subject_type = "
                "'escalation.incident' AND subject_id = ANY(%s) AND title LIKE %s",
                [declared_ids, f"%{DECLARED}%"],
            ).fetchone()[0]  # type: ignore[index]
        )
        members = [listener.member_id for listener in run.listeners]
        sent = conn.execute(
            "SELECT n.id, n.recipient_id, d.state FROM notifications_notification n "
            "LEFT JOIN notifications_delivery d ON d.notification_id = n.id "
            "AND d.channel = 'live' WHERE n.subject_type = 'escalation.incident' "
            "AND n.subject_id = ANY(%s) AND n.title LIKE %s AND n.recipient_id = ANY(%s)",
            [declared_ids, f"%{DECLARED}%", members],
        ).fetchall()
        expected: dict[int, set[int]] = defaultdict(set)
        unsent: set[int] = set()  # live delivery still pending (or none): not sent yet
        for notification_id, member_id, state in sent:
            expected[member_id].add(notification_id)
            if state not in ("delivered", "failed"):
                unsent.add(notification_id)
        notification_ids = [notification_id for notification_id, _, _ in sent]
        numbered = conn.execute(
            "SELECT notification_id, member_id, count(*) FROM notifications_liveevent "
            "WHERE notification_id = ANY(%s) GROUP BY 1, 2",
            [notification_ids],
        ).fetchall()
        result.db_events = sum(count for _, _, count in numbered)
        result.db_doubled = sum(count - 1 for _, _, count in numbered)
        result.db_missing = len(notification_ids) - len(numbered)
        for state, count in conn.execute(
            "SELECT state, count(*) FROM notifications_delivery WHERE channel = 'live' "
            "AND notification_id = ANY(%s) GROUP BY 1",
            [notification_ids],
        ).fetchall():
            result.deliveries[str(state)] = int(count)
    unexpected: dict[int, set[int]] = {}
    for listener in run.listeners:
        wanted = expected.get(listener.member_id, set())
        # Distinct events only (the page shows an event once): a notification that reaches a
        # listener as two events was numbered, and sent, twice.
        got = Counter(a.notification_id for a in listener.alerts if a.notification_id is not None)
        missing = wanted - got.keys()
        result.expected += len(wanted)
        result.received += len(wanted & got.keys())
        result.unsent += len(missing & unsent)
        result.lost += len(missing - unsent)
        result.lost_by_server[listener.server] += len(missing - unsent)
        result.doubled += sum(count - 1 for count in got.values())
        unexpected[listener.member_id] = got.keys() - wanted
        result.replayed += sum(
            1 for a in listener.alerts if a.replayed and a.notification_id in wanted
        )
        result.overlaps += listener.overlaps
        result.out_of_order += listener.out_of_order
        result.resumes += listener.resumes
        result.errors += listener.errors
    others = sorted(set().union(*unexpected.values())) if unexpected else []
    if others:
        with psycopg.connect(database_url, autocommit=True, connect_timeout=3) as conn:
            recipient: dict[int, int] = dict(
                conn.execute(
                    "SELECT id, recipient_id FROM notifications_notification WHERE id = ANY(%s)",
                    [others],
                ).fetchall()
            )
        for member_id, ids in unexpected.items():
            for notification_id in ids:
                if recipient.get(notification_id) == member_id:
                    result.earlier += 1  # theirs, from an earlier run's declarations
                else:
                    result.strays += 1
    return result


# --- Processes ----------------------------------------------------------------------------------
def manage_process(env: dict[str, str], command: str, name: str) -> Served:
    """A ``manage.py`` process of the product (scheduler, sender worker), its output in a log."""
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed by _stop)
        "w", prefix=f"bench-{name}-", suffix=".log", delete=False
    )
    process = subprocess.Popen(
        [sys.executable, "manage.py", command],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return Served(name, process, 0, log)


def _scheduler(env: dict[str, str]) -> Served:
    return manage_process(env, "runscheduler", "scheduler")


@contextlib.contextmanager
def _own_redis() -> Iterator[str]:
    """A redis-server of the benchmark's own on a free loopback port, without persistence, so no
    one else sharing the machine's Redis can flush the channel layer's groups mid-run."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise BenchError("--own-redis needs redis-server on the PATH")
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"redis-server did not start on port {port}")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/2"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _one_run(
    servers: int,
    identity: Identity,
    env: dict[str, str],
    options: argparse.Namespace,
    pending: Pending,
    label: str,
) -> Run:
    run = Run(servers=servers, tag=f"Load {label} {servers}-server")
    processes: list[Served] = []
    # Connecting, the workload, its last requests and the wait for the alerts, with room to spare:
    # whatever hangs, the run stops.
    limit = 60.0 + options.duration + REQUEST_TIMEOUT + options.timeout + 30.0
    try:
        for number in range(1, servers + 1):
            processes.append(_serve(f"load-{servers}.{number}", "config.asgi:application", env))
        processes.append(_scheduler(env))
        ports = [served.port for served in processes if served.port]
        _say(f"{servers} Daphne process(es) on ports {', '.join(map(str, ports))}, one scheduler")
        asyncio.run(asyncio.wait_for(_measure(run, identity, ports, options, pending), limit))
        for served in processes:
            if served.process.poll() is not None:
                run.error = f"{served.name} died:\n{served.log_tail()}"
    except TimeoutError:
        run.error = f"the run took more than {limit:.0f} s and was stopped"
    except BenchError as exc:
        run.error = str(exc)
    finally:
        for served in processes:
            _stop(served, options.keep)
    _say("  checking with the database ...")
    run.verification = _verify(options.database_url, run)
    run.verification.groups_missing = run.groups_missing
    return run


# --- Figures ------------------------------------------------------------------------------------
def _percentiles(values: list[float]) -> str:
    """p50 / p95 / p99 / max in milliseconds (nearest rank)."""
    if not values:
        return "-"
    ordered = sorted(values)

    def rank(share: float) -> float:
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)]

    return (
        " / ".join(f"{rank(share) * 1000:.0f}" for share in (0.50, 0.95, 0.99))
        + f" / {ordered[-1] * 1000:.0f}"
    )


def _table(header: Sequence[str], rows: list[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        return " | ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()

    return [line(header), "-+-".join("-" * w for w in widths), *(line(row) for row in rows)]


def _latencies(run: Run, *, pushed_only: bool = False) -> list[float]:
    """Declaration response -> first sighting of each alert at each listener (pushed or
    replayed; ``pushed_only`` leaves out those first seen in a replay)."""
    values = []
    for listener in run.listeners:
        seen: set[int | None] = set()
        for alert in listener.alerts:
            answered = run.declared.get(alert.reference)
            if answered is None or alert.notification_id in seen:
                continue
            seen.add(alert.notification_id)
            if not (pushed_only and alert.replayed):
                values.append(alert.at - answered)
    return values


def _fan_out_rate(run: Run) -> str:
    """Alerts per second over the fan-out: from the first declaring response read to the last
    alert's arrival."""
    arrivals = [alert.at for listener in run.listeners for alert in listener.alerts]
    if not arrivals or not run.declared:
        return "-"
    span = max(arrivals) - min(run.declared.values())
    return f"{len(arrivals) / span:.0f}" if span > 0 else "-"


def _report(run: Run, options: argparse.Namespace) -> list[str]:
    check = run.verification or Verification()
    lines = [
        f"== {run.servers} Daphne process{'es' if run.servers > 1 else ''} + 1 scheduler: "
        f"{options.workers} workers, {options.incidents} incidents, "
        f"{options.listeners:,} listeners ==",
    ]
    per_server = Counter(listener.server for listener in run.listeners)
    lines.append(
        f"listeners: {run.connected:,}/{len(run.listeners):,} connected in "
        f"{run.connect_seconds:.1f} s ("
        + ", ".join(f"server {s + 1}: {n:,}" for s, n in sorted(per_server.items()))
        + ")"
        + (f"; {run.connect_error}" if run.connect_error else "")
    )
    closed = Counter(listener.closed for listener in run.listeners if listener.closed)
    requests = len(run.calls)
    lines.append(
        f"workload: {len(run.declared)} declared, {run.chains} of {options.incidents} incidents "
        f"ran all six requests; {requests:,} requests in {run.wall:.1f} s = "
        f"{requests / run.wall:.1f} requests/s ("
        + ", ".join(
            f"server {s + 1}: {n:,}"
            for s, n in sorted(Counter(c.server for c in run.calls).items())
        )
        + ")"
    )
    rows: list[Sequence[str]] = []
    for key, name in ENDPOINTS.items():
        calls = [c for c in run.calls if c.endpoint == key]
        errors = sum(1 for c in calls if not 200 <= c.status < 300)
        rows.append(
            (name, f"{len(calls):,}", f"{errors:,}", _percentiles([c.seconds for c in calls]))
        )
    errors = sum(1 for c in run.calls if not 200 <= c.status < 300)
    rows.append(
        ("all", f"{requests:,}", f"{errors:,}", _percentiles([c.seconds for c in run.calls]))
    )
    lines += _table(("endpoint", "requests", "errors", "p50 / p95 / p99 / max (ms)"), rows)
    by_status = Counter(c.status for c in run.calls if not 200 <= c.status < 300)
    lines.append(
        "errors by status: "
        + (
            ", ".join(
                f"{'no answer' if status == 0 else status}: {n}"
                for status, n in sorted(by_status.items())
            )
            if by_status
            else "none"
        )
    )
    lines += [f"  {n} x {problem}" for problem, n in run.problems.most_common(5)]
    latencies = _latencies(run)
    negative = sum(1 for value in latencies if value < 0)
    drained = (
        f"done {run.drained_seconds:.1f} s after the last declaration"
        if run.drained_seconds is not None
        else f"NOT all alerts or deliveries done {options.timeout:g} s after the last request"
    )
    lines.append(
        f"alerts: {check.received:,} of {check.expected:,} expected received "
        f"({len(run.declared)} declarations x {len(run.listeners):,} listeners; "
        f"{check.recipients:,} recipients in all, "
        f"{check.recipients - check.expected:,} of them not listening); "
        f"{check.replayed:,} first seen while a resume was answered; {drained}; "
        f"{_fan_out_rate(run)} alerts/s over the fan-out"
    )
    lines.append(
        f"alert delivery, declaration response -> first sighting, p50 / p95 / p99 / max (ms): "
        f"{_percentiles(latencies)}"
        + (f" ({negative:,} arrived before the response: negative)" if negative else "")
    )
    lines.append(
        f"database: {check.declared - len(check.incomplete)} of {check.declared} declared "
        f"incidents have all {check.steps_expected} duties"
        + (f" (missing: {', '.join(check.incomplete[:5])})" if check.incomplete else "")
        + f"; {len(run.completed) - len(check.not_done)} of {len(run.completed)} "
        f"{COMPLETED_STEP} duties completed here are done"
        + (f" (not: {', '.join(check.not_done[:5])})" if check.not_done else "")
        + f"; {check.db_events:,} live events numbered for {check.expected:,} alerts "
        f"({check.db_doubled} doubled, {check.db_missing} missing); live deliveries: "
        + ", ".join(f"{state} {n:,}" for state, n in sorted(check.deliveries.items()))
    )
    lines.append(
        f"listeners: LOST {check.lost}, DOUBLED {check.doubled}, strays {check.strays}"
        + (f", from an earlier run {check.earlier:,}" if check.earlier else "")
        + "; "
        f"pushes out of order {check.out_of_order:,}; {check.resumes:,} resumes, "
        f"{check.overlaps:,} events seen again (push and replay, shown once)"
        + (f"; {check.errors:,} error answers" if check.errors else "")
        + (
            " (lost by the server the listener was on: "
            + ", ".join(f"server {s + 1}: {n:,}" for s, n in sorted(check.lost_by_server.items()))
            + ")"
            if check.lost
            else ""
        )
        + (
            "; closed by the server: "
            + ", ".join(f"{n} (code {code})" for code, n in closed.items())
            if closed
            else ""
        )
    )
    if check.groups_missing:
        lines.append(
            f"Redis no longer held {check.groups_missing:,} listeners' groups at the end: pushes "
            "to them reached nobody (Redis restarted, or its database number was flushed by "
            "someone sharing it: run with --own-redis)."
        )
    if check.unsent:
        lines.append(
            f"NOT FINISHED: {check.unsent:,} alerts were still waiting to be sent when the wait "
            f"ended ({options.timeout:g} s after the last request, --timeout); they are neither "
            "lost nor counted."
        )
    if run.error:
        lines.append(f"NOT FINISHED: {run.error}")
    return lines


def _summary(runs: list[Run]) -> list[str]:
    rows: list[Sequence[str]] = []
    for run in runs:
        check = run.verification or Verification()
        errors = sum(1 for c in run.calls if not 200 <= c.status < 300)
        rows.append(
            (
                str(run.servers),
                f"{len(run.calls) / run.wall:.1f}",
                _percentiles([c.seconds for c in run.calls]),
                f"{errors}",
                _percentiles(_latencies(run)),
                f"{check.received:,}/{check.expected:,}",
                f"{check.lost}",
                f"{check.doubled}",
            )
        )
    return _table(
        (
            "servers",
            "requests/s",
            "request p50/p95/p99/max ms",
            "errors",
            "alert p50/p95/p99/max ms",
            "alerts",
            "lost",
            "doubled",
        ),
        rows,
    )


# --- Main ---------------------------------------------------------------------------------------
def _counts(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("a comma-separated list of server counts") from None
    if not counts or any(n < 1 for n in counts):
        raise argparse.ArgumentTypeError("server counts must be at least 1")
    return counts


def _prepare(env: dict[str, str], options: argparse.Namespace) -> Identity:

    prepared = _support(env, "prepare", "--members", str(options.listeners))
    _support(env, "coordinators", "--count", str(options.listeners))
    crro = _support(env, "token", "--username", "crro")
    tokens: list[str] = prepared["tokens"]
    return Identity(
        officer_token=prepared["officer_token"],
        crro_token=crro["token"],
        area_id=prepared["area_id"],
        tokens=tokens,
        member_ids=[int(pk) for pk in prepared["member_ids"]],
    )


def _run_all(options: argparse.Namespace) -> tuple[list[str], list[Run]]:
    _database_name(options.database_url)  # refuses a name without "bench" before anything else
    _open_files_raise(options.listeners)
    postgres = _postgres_version(options.database_url)
    redis_version = _redis_check(options.redis_url)
    header = [
        f"Load: {options.workers} workers x {options.incidents} incidents (report, declare, "
        f"duties, complete, inbox, acknowledge) while {options.listeners:,} co-ordinators "
        f"listen on /ws/alerts/; Daphne processes: {', '.join(map(str, options.servers))}",
        f"machine: {os.cpu_count()} CPUs, {platform.machine()}, Python "
        f"{platform.python_version()}; Daphne {version('daphne')}, Channels "
        f"{version('channels')}, channels-redis {version('channels-redis')}, websockets "
        f"{version('websockets')}; load average at start "
        + " ".join(f"{x:.1f}" for x in os.getloadavg()),
        f"PostgreSQL {postgres} at {options.database_url}; Redis {redis_version} at "
        f"{options.redis_url}; one client process (workers and listeners on one event loop)",
    ]
    env = _product_env(options.database_url, options.redis_url)
    runs: list[Run] = []
    pending = Pending(options.database_url)
    label = secrets.token_hex(3)
    try:
        _say(f"Database {_database_name(options.database_url)}: recreating and migrating ...")
        _database_recreate(options.database_url)
        _run([sys.executable, "manage.py", "migrate", "--noinput"], env, "manage.py migrate")
        started = time.monotonic()
        _say(f"Loading the demo partnership and {options.listeners:,} co-ordinators ...")
        identity = _prepare(env, options)
        _say(f"  ready in {time.monotonic() - started:.1f} s")
        for servers in options.servers:
            runs.append(_one_run(servers, identity, env, options, pending, label))
            _redis_flush(options.redis_url)
    finally:
        pending.close()
        if not options.keep:
            _say("Dropping the benchmark database.")
            try:
                _database_drop(options.database_url)
            except Exception as exc:
                _say(f"Could not drop the benchmark database: {exc!r}")
        _redis_flush(options.redis_url)
    return header, runs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__.splitlines()[0]
    )
    # Sized to finish in about five minutes on a 2-core machine: each declaration fans out to
    # every listener, and the product delivers some 50 alerts a second there (docs/performance.md).
    parser.add_argument("--workers", type=int, default=4, help="concurrent clients")
    parser.add_argument("--incidents", type=int, default=4, help="incidents per server count")
    parser.add_argument("--listeners", type=int, default=1000, help="websocket clients")
    parser.add_argument("--servers", type=_counts, default=_counts("1,2"))
    parser.add_argument(
        "--duration",
        type=float,
        default=150.0,
        help="seconds after which no worker starts another incident",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="seconds after the last request to wait, at most, for every alert and delivery",
    )
    parser.add_argument(
        "--heartbeat",
        type=float,
        default=20.0,
        help="seconds between each listener's resumes, as the page's heartbeat (0: none)",
    )
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument(
        "--own-redis",
        action="store_true",
        help="start a redis-server of its own on a free loopback port instead of --redis-url",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the benchmark database and the processes' logs"
    )
    options = parser.parse_args(argv)
    if min(options.workers, options.incidents, options.listeners) < 1:
        parser.error("--workers, --incidents and --listeners must be at least 1")
    started = time.monotonic()
    try:
        with contextlib.ExitStack() as stack:
            if options.own_redis:
                options.redis_url = stack.enter_context(_own_redis())
            header, runs = _run_all(options)
    except BenchError as exc:
        print(f"load: {exc}", file=sys.stderr)
        return 2
    lines = [*header, ""]
    for run in runs:
        lines += [*_report(run, options), ""]
    lines += _summary(runs)
    lost = sum((run.verification or Verification()).lost for run in runs)
    doubled = sum((run.verification or Verification()).doubled for run in runs)
    other = sum(
        len(check.incomplete) + len(check.not_done) + check.strays
        for check in (run.verification or Verification() for run in runs)
    )
    lines += ["", "=" * 40, f"LOST: {lost}  DOUBLED: {doubled}", "=" * 40]
    print("\n".join(lines))
    _say(f"Done in {time.monotonic() - started:.0f} s.")
    unfinished = any(run.error or (run.verification and run.verification.unsent) for run in runs)
    if lost or doubled or other or unfinished:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
