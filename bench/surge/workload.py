"""What the partnerships do during ``bench.surge``: one chain of requests per declaration.

Each declaration starts on its schedule (``--declarations`` spread evenly over ``--seconds``, the
partnerships in turn), as that partnership's people:

- the senior police officer reports an incident and declares it major (which alerts the
  co-ordinators and refers it to the CRRO, and changes the board);
- the CRRO reads its duties, reads their unread notifications and acknowledges the referral,
  then completes "Inform the Racial Equality Council", "Inform the CSP Co-ordinator" and "Tell
  the REC and the Council of the safeguarding steps", each a message to that step's audience;
- meanwhile the CSP Co-ordinator reads their unread notifications and acknowledges the notice of
  the declaration;
- once the REC has been told, its director reads their unread notifications and replies
  ("confirms it is accurate") to the CRRO's message, which alerts the CRRO;
- once the CRRO is done, a gold group member reads the incident's timeline.

Every request goes to the next Daphne process in turn, on a fresh loopback connection. Each
response that causes alerts or board pushes is remembered as a *trigger*, so that each alert can
be timed from the response of the request that caused it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.live_alerts import Answer, _http

REQUEST_TIMEOUT = 60.0
ENDPOINTS = {
    "report": "POST /api/incidents/",
    "declare": "POST /api/incidents/<id>/determination/",
    "duties": "GET /api/incidents/<id>/duties/",
    "inbox": "GET /api/notifications/?unread=true",
    "acknowledge": "POST /api/notifications/<id>/acknowledge/",
    "complete": "POST /api/duties/<id>/complete/",
    "reply": "POST /api/notifications/<id>/reply/",
    "timeline": "GET /api/incidents/<id>/timeline/",
}
# Members by their place in each partnership (bench._support.SURGE_NAMED).
OFFICER, CRRO, COORDINATOR, GOLD, REC_DIRECTOR = 0, 1, 3, 6, 9
CRRO_STEPS = ("inform-rec", "inform-csp-coordinator", "tell-safeguarding-steps")
BOARD_ROLES = {"senior_police_officer", "crro", "csp_coordinator", "ppc", "gold_group"}


@dataclass(frozen=True)
class Call:
    endpoint: str
    status: int  # 0: no answer
    seconds: float
    server: int


@dataclass(frozen=True)
class Partnership:
    area_id: int
    tokens: list[str]  # by member place
    member_ids: list[int]
    roles: list[list[str]]


@dataclass
class Trigger:
    """A response after which alerts (and board pushes) were sent."""

    number: int
    at: float  # perf_counter when the response was read
    partnership: int
    board: bool  # it changed the board (a push to the partnership's watchers)


@dataclass
class Workload:
    partnerships: list[Partnership]
    ports: list[int]
    declarations: int
    seconds: float
    calls: list[Call] = field(default_factory=list)
    problems: Counter[str] = field(default_factory=Counter)
    triggers: list[Trigger] = field(default_factory=list)
    # What the database's notifications name as their cause ("incident:12", "duty:40",
    # "notification:7") -> the trigger that caused them.
    causes: dict[str, int] = field(default_factory=dict)
    board: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))  # incident
    incidents: dict[int, int] = field(default_factory=dict)  # incident id -> partnership
    declared: int = 0
    chains: int = 0
    started: float = 0.0
    ended: float = 0.0
    turns: itertools.count[int] = field(default_factory=itertools.count)

    def trigger(self, at: float, partnership: int, *, board: bool, causes: list[str]) -> int:
        number = len(self.triggers)
        self.triggers.append(Trigger(number, at, partnership, board))
        for cause in causes:
            self.causes[cause] = number
        return number

    async def call(
        self, endpoint: str, method: str, path: str, token: str, body: Any = None
    ) -> Answer | None:
        server = next(self.turns) % len(self.ports)
        started = time.perf_counter()
        try:
            answer = await asyncio.wait_for(
                _http(self.ports[server], method, path, body, token), REQUEST_TIMEOUT
            )
        except (OSError, TimeoutError, EOFError, ValueError, IndexError) as exc:
            self.calls.append(Call(endpoint, 0, time.perf_counter() - started, server))
            self.problems[f"{ENDPOINTS[endpoint]}: no answer ({type(exc).__name__})"] += 1
            return None
        self.calls.append(Call(endpoint, answer.status, answer.received - started, server))
        return answer

    def refused(self, endpoint: str, answer: Answer | None, wanted: int) -> bool:
        if answer is None:
            return True
        if answer.status != wanted:
            detail = json.dumps(answer.body)[:160] if answer.body is not None else ""
            self.problems[f"{ENDPOINTS[endpoint]}: {answer.status} {detail}"] += 1
            return True
        return False

    async def unread(self, token: str, wanted: Any) -> dict[str, Any] | None:
        """The first unread notification ``wanted`` accepts, from the member's inbox."""
        inbox = await self.call("inbox", "GET", "/api/notifications/?unread=true", token)
        if self.refused("inbox", inbox, 200):
            return None
        assert inbox is not None
        return next((n for n in inbox.body if isinstance(n, dict) and wanted(n)), None)

    async def acknowledge(self, token: str, wanted: Any, what: str) -> None:
        found = await self.unread(token, wanted)
        if found is None:
            self.problems[f"no unread {what}"] += 1
            return
        answer = await self.call(
            "acknowledge", "POST", f"/api/notifications/{found['id']}/acknowledge/", token
        )
        self.refused("acknowledge", answer, 200)

    async def run(self) -> None:
        self.started = time.perf_counter()
        gap = self.seconds / max(1, self.declarations)
        chains = []
        for number in range(self.declarations):
            delay = self.started + number * gap - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            chains.append(asyncio.create_task(self.chain(number)))
        await asyncio.gather(*chains)
        self.ended = time.perf_counter()

    async def chain(self, number: int) -> None:
        index = number % len(self.partnerships)
        people = self.partnerships[index]
        officer = people.tokens[OFFICER]
        occurred = datetime.now(UTC) - timedelta(hours=1)
        report = await self.call(
            "report",
            "POST",
            "/api/incidents/",
            officer,
            {
                "title": f"Surge incident {number + 1}",
                "description": "Benchmark incident during a national surge.",
                "occurred_at": occurred.isoformat(),
                "area_id": people.area_id,
                "strands": ["race", "religion"],
                "tension_level": "high",
            },
        )
        if self.refused("report", report, 201):
            return
        assert report is not None
        incident_id, reference = int(report.body["id"]), str(report.body["reference"])
        self.incidents[incident_id] = index
        self.board[incident_id].append(self.trigger(report.received, index, board=True, causes=[]))
        declared = await self.call(
            "declare",
            "POST",
            f"/api/incidents/{incident_id}/determination/",
            officer,
            {"is_major": True, "rationale": "Part of a national wave of targeted incidents."},
        )
        if self.refused("declare", declared, 201):
            return
        assert declared is not None
        self.declared += 1
        declaring = self.trigger(
            declared.received, index, board=True, causes=[f"incident:{incident_id}"]
        )
        self.board[incident_id].append(declaring)
        crro = people.tokens[CRRO]
        duties = await self.call("duties", "GET", f"/api/incidents/{incident_id}/duties/", crro)
        if self.refused("duties", duties, 200):
            return
        assert duties is not None
        by_step = {d["step"]: d["id"] for d in duties.body if isinstance(d, dict)}
        if "refer-to-crro" in by_step:
            # The engine's referral to the CRRO is sent by the declaring request.
            self.causes[f"duty:{by_step['refer-to-crro']}"] = declaring
        missing = [step for step in CRRO_STEPS if step not in by_step]
        if missing:
            self.problems[f"{reference} has no duty {', '.join(missing)}"] += 1
            return
        done = await asyncio.gather(
            self.crro_work(people, index, incident_id, reference, by_step),
            self.acknowledge(
                people.tokens[COORDINATOR],
                lambda n: f"({reference}): for your information" in str(n.get("title")),
                "notice of the declaration for the co-ordinator",
            ),
        )
        if done[0]:
            self.chains += 1

    async def crro_work(
        self,
        people: Partnership,
        index: int,
        incident_id: int,
        reference: str,
        by_step: dict[str, int],
    ) -> bool:
        crro = people.tokens[CRRO]
        # The engine's referral is the CRRO's first message about the incident (no sender).
        await self.acknowledge(
            crro,
            lambda n: n.get("scope") == f"incident:{incident_id}" and n.get("sender") is None,
            "referral",
        )
        replies = []
        for step in CRRO_STEPS:
            duty_id = by_step[step]
            completed = await self.call(
                "complete",
                "POST",
                f"/api/duties/{duty_id}/complete/",
                crro,
                {"message": f"{reference}: what the police did, and what happens next."},
            )
            if self.refused("complete", completed, 200):
                return False
            assert completed is not None
            number = self.trigger(completed.received, index, board=True, causes=[f"duty:{duty_id}"])
            self.board[incident_id].append(number)
            if step == "inform-rec":
                replies.append(asyncio.create_task(self.rec_reply(people, index, incident_id)))
        await asyncio.gather(*replies)
        timeline = await self.call(
            "timeline", "GET", f"/api/incidents/{incident_id}/timeline/", people.tokens[GOLD]
        )
        return not self.refused("timeline", timeline, 200)

    async def rec_reply(self, people: Partnership, index: int, incident_id: int) -> None:
        director = people.tokens[REC_DIRECTOR]
        found = await self.unread(director, lambda n: n.get("scope") == f"incident:{incident_id}")
        if found is None:
            self.problems["no unread message from the CRRO for the REC director"] += 1
            return
        answer = await self.call(
            "reply",
            "POST",
            f"/api/notifications/{found['id']}/reply/",
            director,
            {"kind": "confirm", "reply": "Received; our caseworkers are in touch."},
        )
        if not self.refused("reply", answer, 200):
            assert answer is not None
            self.trigger(
                answer.received, index, board=False, causes=[f"notification:{found['id']}"]
            )
