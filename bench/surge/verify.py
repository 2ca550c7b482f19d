"""What the database says was sent in a ``bench.surge`` run, against what the pages received.

Every live notification the database holds for a listening member since the run started must
have reached that member's page exactly once (by ``notification_id``, over distinct events): the
rest are lost (or, while the product was still sending when the wait ended, unsent) or doubled.
Each is timed from the response of the request that caused it, read from its idempotency key
(``incident:12:declared:…``, ``duty:40:done:…``, ``notification:7:reply:…``).

Board changes are numbered in the database too (``escalation_boardchange``): every change of a
watcher's partnership after the number its first resume started from must have reached its page
once, pushed or brought by a resume (the watchers' roles see every incident of their
partnership, so every change is theirs to see); the rest are lost. Each incident's changes are
paired, in number order, with its board-changing requests (one chain makes them one after
another) to time them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from bench.surge.sockets import Page, Watcher
from bench.surge.workload import Workload


@dataclass
class Checked:
    expected: int = 0  # live notifications to listeners, as the database has them
    received: int = 0
    lost: int = 0
    doubled: int = 0
    unsent: int = 0  # still pending when the wait ended: neither lost nor counted
    replayed: int = 0  # of the received, first seen while a resume was answered
    unattributed: int = 0  # caused by no request of the workload (ladders, sweeps): not timed
    strays: int = 0  # received by a page that was not its recipient's
    db_doubled: int = 0  # notifications numbered as two live events or more
    deliveries: Counter[str] = field(default_factory=Counter)  # every channel, by state
    latencies: list[float] = field(default_factory=list)  # seconds, trigger response -> page
    by_kind: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    board_expected: int = 0
    board_received: int = 0
    board_lost: int = 0
    board_extra: int = 0  # changes a watcher received that were not its partnership's
    board_replayed: int = 0  # of the received, first seen while a resume was answered
    board_unattributed: int = 0  # changes no request of the workload made (not timed)
    board_latencies: list[float] = field(default_factory=list)  # first sighting, either way
    board_push_latencies: list[float] = field(default_factory=list)  # pushes alone
    # The floor's plan: trigger number -> the socket numbers its alerts went to (and, apart,
    # its board pushes), in order.
    plan: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    board_plan: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))


def _cause(key: str) -> str:
    parts = key.split(":")
    return ":".join(parts[:2])


def _kind(cause: str, declaring: bool) -> str:
    if declaring:
        return "declaration (notice, referral)"
    return {"duty": "duty completed (its message)", "notification": "reply (to the sender)"}.get(
        cause.split(":")[0], "other"
    )


def check(
    database_url: str,
    since: datetime,
    workload: Workload,
    pages: list[Page],
    watchers: list[Watcher],
) -> Checked:
    import psycopg

    result = Checked()
    by_member = {page.member_id: page for page in pages}
    with psycopg.connect(database_url, autocommit=True, connect_timeout=3) as conn:
        rows = conn.execute(
            "SELECT n.id, n.recipient_id, n.idempotency_key, d.state "
            "FROM notifications_notification n JOIN notifications_delivery d "
            "ON d.notification_id = n.id AND d.channel = 'live' "
            "WHERE n.created_at >= %s AND n.recipient_id = ANY(%s)",
            [since, list(by_member)],
        ).fetchall()
        numbered: dict[int, int] = dict(
            conn.execute(
                "SELECT e.notification_id, count(*) FROM notifications_liveevent e "
                "JOIN notifications_notification n ON n.id = e.notification_id "
                "WHERE n.created_at >= %s GROUP BY 1",
                [since],
            ).fetchall()
        )
        changes = conn.execute(
            "SELECT id, partnership_id, incident_id FROM escalation_boardchange "
            "WHERE changed_at >= %s ORDER BY id",
            [since],
        ).fetchall()
        for state, channel, count in conn.execute(
            "SELECT d.state, d.channel, count(*) FROM notifications_delivery d "
            "JOIN notifications_notification n ON n.id = d.notification_id "
            "WHERE n.created_at >= %s GROUP BY 1, 2",
            [since],
        ).fetchall():
            result.deliveries[f"{channel} {state}"] += int(count)
    result.db_doubled = sum(count - 1 for count in numbered.values() if count > 1)
    wanted: dict[int, dict[int, str]] = defaultdict(dict)  # member -> notification -> cause
    unsent: set[int] = set()
    for notification_id, member_id, key, state in rows:
        wanted[member_id][notification_id] = _cause(key)
        if state not in ("delivered", "failed"):
            unsent.add(notification_id)
    declaring = {
        number for numbers in workload.board.values() for number in numbers[1:2]
    }  # each incident's second board change is its declaration
    for page in pages:
        mine = wanted.get(page.member_id, {})
        got = Counter(s.notification_id for s in page.sightings)
        first: dict[int, float] = {}
        for sighting in page.sightings:
            first.setdefault(sighting.notification_id, sighting.at)
            result.replayed += sighting.replayed and sighting.notification_id in mine
        result.expected += len(mine)
        result.received += len(mine.keys() & got.keys())
        missing = mine.keys() - got.keys()
        result.unsent += len(missing & unsent)
        result.lost += len(missing - unsent)
        result.doubled += sum(count - 1 for count in got.values())
        result.strays += len(got.keys() - mine.keys())
        for notification_id, cause in mine.items():
            trigger = workload.causes.get(cause)
            if trigger is None:
                result.unattributed += 1
                continue
            result.plan[trigger].append(page.number)
            if notification_id in first:
                latency = first[notification_id] - workload.triggers[trigger].at
                result.latencies.append(latency)
                result.by_kind[_kind(cause, trigger in declaring)].append(latency)
    _board(workload, watchers, changes, result)
    return result


def _board(
    workload: Workload,
    watchers: list[Watcher],
    changes: list[tuple[int, int, int]],
    result: Checked,
) -> None:
    # Each incident's changes in number order, each timed from its request's response.
    by_incident: dict[int, list[int]] = defaultdict(list)
    for change_id, _, incident_id in changes:
        by_incident[incident_id].append(change_id)
    trigger_of: dict[int, int] = {}
    for incident_id, numbers in by_incident.items():
        for change_id, number in zip(numbers, workload.board.get(incident_id, []), strict=False):
            trigger_of[change_id] = number
    partnership_of = workload.incidents
    for watcher in watchers:
        start = watcher.start or 0
        mine = {
            change_id
            for change_id, _, incident_id in changes
            if change_id > start and partnership_of.get(incident_id) == watcher.partnership
        }
        first = {s.change_id: s for s in watcher.sightings}
        pushed: dict[int, float] = {}
        for change_id, at in watcher.pushes:
            pushed.setdefault(change_id, at)
        result.board_expected += len(mine)
        result.board_received += len(mine & first.keys())
        result.board_lost += len(mine - first.keys())
        result.board_extra += len({c for c in first if c > start} - mine)
        for change_id in sorted(mine):
            trigger = trigger_of.get(change_id)
            if trigger is None:
                result.board_unattributed += 1
                continue
            result.board_plan[trigger].append(watcher.number)
            sighting = first.get(change_id)
            if sighting is None:
                continue
            result.board_replayed += sighting.replayed
            result.board_latencies.append(sighting.at - workload.triggers[trigger].at)
            if change_id in pushed:
                result.board_push_latencies.append(
                    pushed[change_id] - workload.triggers[trigger].at
                )
