"""The open pages of ``bench.surge``: members' alert sockets, the board's watchers, and the
floor's sockets that stand in for both."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.live_alerts import CONNECT_CONCURRENCY, CONNECT_TIMEOUT, BenchError


@dataclass(frozen=True)
class Sighting:
    notification_id: int
    at: float  # perf_counter when the page's event loop first got the event
    replayed: bool  # first seen in the answer to a resume, not pushed


@dataclass
class Page:
    """One member's open page, as ``partnership/static/js/alerts.js`` behaves: it resumes from
    the highest event id it has seen when it connects and every heartbeat, holds back an event
    whose predecessor it has not seen (and resumes), and shows an event once however often it
    arrives."""

    number: int  # the socket's number in the run (the floor's group number too)
    member_id: int
    server: int
    ws: Any = None
    last_event_id: int = 0
    seen: set[int] = field(default_factory=set)
    sightings: list[Sighting] = field(default_factory=list)  # every notification, first sightings
    replaying: int = 0
    resumes: int = 0
    overlaps: int = 0
    gaps: int = 0
    errors: int = 0
    closed: str = ""

    async def resume(self) -> None:
        self.replaying += 1
        self.resumes += 1
        await self.ws.send(json.dumps({"type": "resume", "last_event_id": self.last_event_id}))

    def take(self, message: dict[str, Any], at: float) -> bool:
        """Record one event; False when it must be held back (a gap: resume)."""
        kind = message.get("type")
        if kind in ("resumed", "error"):
            self.replaying = max(0, self.replaying - 1)
            self.errors += kind == "error"
            return True
        event_id = message.get("id")
        if not isinstance(event_id, int):
            return True
        previous = message.get("previous")
        if (
            isinstance(previous, int)
            and previous > self.last_event_id
            and previous not in self.seen
        ):
            self.gaps += 1
            return False
        if event_id in self.seen:
            self.overlaps += 1
            return True
        self.seen.add(event_id)
        self.last_event_id = max(self.last_event_id, event_id)
        notification_id = message.get("notification_id")
        if kind == "notification" and isinstance(notification_id, int):
            self.sightings.append(Sighting(notification_id, at, self.replaying > 0))
        return True


@dataclass(frozen=True)
class BoardSighting:
    change_id: int
    incident_id: int
    at: float  # perf_counter when the watcher's event loop first got it
    replayed: bool  # first seen in the answer to a resume, not pushed


@dataclass
class Watcher:
    """One co-ordinator's board page (``/ws/board/``), as ``escalation/static/escalation/
    board.js`` behaves: it resumes from now when it connects, then from the highest change number
    it has seen every heartbeat, and takes each change once however often it arrives."""

    number: int
    member_id: int
    partnership: int  # index of the partnership in the run
    server: int
    ws: Any = None
    start: int | None = None  # the number its first resume started from
    last_change_id: int = 0
    seen: set[int] = field(default_factory=set)
    sightings: list[BoardSighting] = field(default_factory=list)
    pushes: list[tuple[int, float]] = field(default_factory=list)  # (change id, arrival)
    replaying: int = 0
    resumes: int = 0
    closed: str = ""

    async def resume(self) -> None:
        self.replaying += 1
        self.resumes += 1
        message: dict[str, Any] = {"type": "resume"}
        if self.start is not None:
            message["last_change_id"] = self.last_change_id
        await self.ws.send(json.dumps(message))

    def take(self, message: dict[str, Any], at: float) -> None:
        kind = message.get("type")
        if kind in ("resumed", "error"):
            self.replaying = max(0, self.replaying - 1)
            last = message.get("last_change_id")
            if isinstance(last, int):
                if self.start is None:
                    self.start = last
                self.last_change_id = max(self.last_change_id, last)
            return
        change_id, incident_id = message.get("id"), message.get("incident_id")
        if kind != "board.changed" or not isinstance(change_id, int):
            return
        if self.replaying == 0:
            self.pushes.append((change_id, at))
        if change_id in self.seen or not isinstance(incident_id, int):
            return
        self.seen.add(change_id)
        self.last_change_id = max(self.last_change_id, change_id)
        self.sightings.append(BoardSighting(change_id, incident_id, at, self.replaying > 0))


async def _connect(url: str, token: str) -> Any:
    from websockets.asyncio.client import connect

    headers = [("Authorization", f"Token {token}")] if token else []
    return await connect(
        url,
        additional_headers=headers,
        open_timeout=CONNECT_TIMEOUT,
        ping_interval=None,  # no keepalive traffic inside the measurements
        close_timeout=2,
        compression=None,
        max_size=2**20,
    )


async def _hello(ws: Any) -> dict[str, Any]:
    try:
        hello = json.loads(await asyncio.wait_for(ws.recv(), CONNECT_TIMEOUT))
    except BaseException:
        await ws.close()
        raise
    if not isinstance(hello, dict) or hello.get("type") != "hello":
        await ws.close()
        raise BenchError(f"expected hello first, got {hello!r}"[:200])
    return hello


async def page_open(port: int, page: Page, token: str, gate: asyncio.Semaphore) -> None:
    async with gate:
        ws = await _connect(f"ws://127.0.0.1:{port}/ws/alerts/", token)
        hello = await _hello(ws)
        page.ws = ws
        page.last_event_id = int(hello.get("last_event_id") or 0)
        await page.resume()


async def watcher_open(port: int, watcher: Watcher, token: str, gate: asyncio.Semaphore) -> None:
    async with gate:
        watcher.ws = await _connect(f"ws://127.0.0.1:{port}/ws/board/", token)
        await watcher.resume()  # from now on: the answer names the number to start from


async def page_listen(page: Page, closing: asyncio.Event) -> None:
    from websockets.exceptions import ConnectionClosed

    try:
        async for raw in page.ws:
            at = time.perf_counter()
            message = json.loads(raw)
            if isinstance(message, dict) and not page.take(message, at):
                await page.resume()
    except ConnectionClosed:
        pass
    if not closing.is_set():
        page.closed = f"{page.ws.close_code} {page.ws.close_reason}".strip()


async def watcher_listen(watcher: Watcher, closing: asyncio.Event) -> None:
    from websockets.exceptions import ConnectionClosed

    try:
        async for raw in watcher.ws:
            at = time.perf_counter()
            message = json.loads(raw)
            if isinstance(message, dict):
                watcher.take(message, at)
    except ConnectionClosed:
        pass
    if not closing.is_set():
        watcher.closed = f"{watcher.ws.close_code} {watcher.ws.close_reason}".strip()


async def heartbeats(pages: Sequence[Page | Watcher], every: float) -> None:
    """Each page (or board) resumes every ``every`` seconds, spread evenly (pages opened at
    different moments)."""
    if every <= 0 or not pages:
        return
    gap = every / len(pages)
    for page in itertools.cycle(pages):
        await asyncio.sleep(gap)
        if page.ws is not None and not page.closed:
            with contextlib.suppress(Exception):
                await page.resume()


# --- The floor's sockets ------------------------------------------------------------------------
@dataclass
class FloorSocket:
    number: int
    server: int
    ws: Any = None
    arrivals: dict[int, float] = field(default_factory=dict)  # trigger -> first arrival
    doubled: int = 0


async def floor_open(port: int, socket: FloorSocket, gate: asyncio.Semaphore) -> None:
    async with gate:
        ws = await _connect(f"ws://127.0.0.1:{port}/ws/floor/{socket.number}/", "")
        await _hello(ws)
        socket.ws = ws


async def floor_listen(socket: FloorSocket) -> None:
    from websockets.exceptions import ConnectionClosed

    with contextlib.suppress(ConnectionClosed):
        async for raw in socket.ws:
            at = time.perf_counter()
            message = json.loads(raw)
            trigger = message.get("trigger") if isinstance(message, dict) else None
            if not isinstance(trigger, int):
                continue
            if trigger in socket.arrivals:
                socket.doubled += 1
            else:
                socket.arrivals[trigger] = at


async def open_all(openers: list[Any]) -> tuple[int, float, str]:
    """Run the openers (coroutine functions taking the gate) with at most
    ``CONNECT_CONCURRENCY`` handshakes in flight: (failures, seconds, first error)."""
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    started = time.perf_counter()
    outcomes = await asyncio.gather(*(opener(gate) for opener in openers), return_exceptions=True)
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    error = f"{len(failures)} failed to connect ({failures[0]!r})"[:300] if failures else ""
    return len(failures), time.perf_counter() - started, error
