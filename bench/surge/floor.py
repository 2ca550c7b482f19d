"""The floor of ``bench.surge``: the run's messages again, through bare Channels.

``bench.floor_asgi`` on as many Daphne processes as the product had, its own Redis database
number, and as many sockets (one per page and one per board watcher, spread over the servers the
same way). Each trigger of the product's run (a response after which alerts were sent) is
replayed at the same moment after the start: ``POST /fire`` names the sockets its alerts went to,
with an alert-shaped payload, and a second names its board's watchers, with a board-shaped one.
Each message is timed from that ``/fire`` response to its arrival, as the product's are from the
triggering response: nothing is written, numbered or recorded, so whatever the product takes
beyond this is its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench.live_alerts import _http
from bench.surge.sockets import FloorSocket, floor_listen, floor_open, open_all
from bench.surge.verify import Checked
from bench.surge.workload import Workload

WAIT_SECONDS = 30.0  # after the last /fire, for every message
GRACE_SECONDS = 1.0


@dataclass
class FloorResult:
    connected: int = 0
    connect_seconds: float = 0.0
    connect_error: str = ""
    fires: int = 0
    fire_errors: int = 0
    expected: int = 0
    received: int = 0
    doubled: int = 0
    latencies: list[float] = field(default_factory=list)
    board_latencies: list[float] = field(default_factory=list)


def _alert(key: int) -> dict[str, Any]:
    # The shape and size of the product's alert (notifications.dispatch.live_payload).
    return {
        "type": "notification",
        "trigger": key,
        "notification_id": key,
        "title": f"Major incident in Surge Town declared 14:02 (FLOOR-{key}): for your info.",
        "body": "x" * 320,
        "urgency": "urgent",
        "purposes": ["situation", "coordination"],
        "needs_reply": False,
        "state": "open",
        "created_at": datetime.now(UTC).isoformat(),
        "url": f"/incidents/{key}/",
        "unread": 1,
        "previous": key,
    }


def _board(key: int) -> dict[str, Any]:
    return {"type": "board.changed", "trigger": key, "incident_id": key, "state": "declared"}


async def replay(ports: list[int], total: int, workload: Workload, checked: Checked) -> FloorResult:
    result = FloorResult()
    sockets = [FloorSocket(number=n, server=(n - 1) % len(ports)) for n in range(1, total + 1)]
    failures, result.connect_seconds, result.connect_error = await open_all(
        [lambda gate, s=s: floor_open(ports[s.server], s, gate) for s in sockets]
    )
    result.connected = total - failures
    open_sockets = [s for s in sockets if s.ws is not None]
    readers = [asyncio.create_task(floor_listen(s)) for s in open_sockets]
    # key: trigger * 2 for its alerts, trigger * 2 + 1 for its board pushes
    plan: dict[int, list[int]] = {}
    for number, targets in checked.plan.items():
        plan[number * 2] = targets
    for number, targets in checked.board_plan.items():
        plan[number * 2 + 1] = targets
    fired: dict[int, float] = {}
    turns = itertools.count()

    async def fire(key: int) -> None:
        port = ports[next(turns) % len(ports)]
        payload = _board(key) if key % 2 else _alert(key)
        try:
            answer = await _http(
                port, "POST", "/fire", {"clients": 0, "numbers": plan[key], "payload": payload}
            )
        except (OSError, EOFError, ValueError, IndexError):
            result.fire_errors += 1
            return
        if answer.status != 200:
            result.fire_errors += 1
            return
        fired[key] = answer.received

    try:
        started = time.perf_counter()
        tasks = []
        for key in sorted(plan, key=lambda k: workload.triggers[k // 2].at):
            offset = workload.triggers[key // 2].at - workload.started
            delay = started + offset - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(fire(key)))
        await asyncio.gather(*tasks)
        result.fires = len(tasks)
        by_number = {s.number: s for s in sockets}

        def missing() -> int:
            return sum(
                1
                for key, targets in plan.items()
                if key in fired
                for n in set(targets)
                if key not in by_number[n].arrivals and by_number[n].ws is not None
            )

        deadline = time.perf_counter() + WAIT_SECONDS
        while missing() and time.perf_counter() < deadline:
            await asyncio.sleep(0.2)
        await asyncio.sleep(GRACE_SECONDS)
        for key, targets in plan.items():
            for n in set(targets):
                result.expected += 1
                at = by_number[n].arrivals.get(key)
                if at is None or key not in fired:
                    continue
                result.received += 1
                (result.board_latencies if key % 2 else result.latencies).append(at - fired[key])
        result.doubled = sum(s.doubled for s in sockets)
    finally:
        await asyncio.gather(*(s.ws.close() for s in open_sockets), return_exceptions=True)
        for reader in readers:
            reader.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*readers, return_exceptions=True)
    return result
