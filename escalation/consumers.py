"""The co-ordinators' board, live: a push whenever an incident or one of its duties changes, or
a panel a higher app adds to the board (casework's community tension).

Pushes carry ids only; the page fetches the fresh board from the server. Each change is numbered
in the database before it is pushed (``escalation.models.BoardChange``), and the page resumes
from the last number it saw when it (re)connects and every 20 seconds
(``{"type": "resume", "last_change_id": N}``): it receives every change after N it may see, then
``{"type": "resumed", "last_change_id": M}``. A resume without a number starts from now. So a
push Redis dropped, or expired while the socket was busy, is late, never lost. Changes are kept
for ``LIVE_REPLAY_RETENTION_HOURS`` (``partnership.replay``): a page that asks from further back
than that is answered ``"refetch": true`` with a number from now on, and fetches the board
afresh, as on a reconnect.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, defaultdict
from typing import Any

import structlog
from django.db.models import Max, Min

from escalation.models import BoardChange
from escalation.rules import incidents_visible
from escalation.selectors import incident_seen_by
from escalation.services import board_group
from partnership.consumers import CLOSE_FORBIDDEN, MemberConsumer, socket_db
from partnership.models import Member, Partnership
from partnership.permissions import can

log = structlog.get_logger(__name__)

REPLAY_LIMIT = 200


def _board_of(user: object) -> str | None:
    """The board group of the partnership ``user`` works in, if they may watch its board."""
    if not can(user, "incident.board") or not isinstance(user, Member):  # type: ignore[arg-type]
        return None
    return board_group(user.partnership.pk) if user.partnership is not None else None


class _Watchers:
    """This process's board sockets by partnership, and, for each push, which of them may see
    its incident: worked out once per push for all of them (one lookup of the incident, the rule
    asked of each watcher's member as of their socket's last check), where each socket used to
    ask the database for itself."""

    KEPT = 256  # answers to recent pushes (a push reaches every socket within moments)

    def __init__(self) -> None:
        self.sockets: dict[int, set[BoardConsumer]] = defaultdict(set)
        self.answers: OrderedDict[tuple[int, int, int], asyncio.Future[dict[str, bool]]] = (
            OrderedDict()
        )

    def join(self, socket: BoardConsumer) -> None:
        self.sockets[socket.partnership_id].add(socket)

    def leave(self, socket: BoardConsumer) -> None:
        here = self.sockets.get(socket.partnership_id)
        if here is not None:
            here.discard(socket)
            if not here:
                del self.sockets[socket.partnership_id]

    async def may_see(self, socket: BoardConsumer, change_id: int, incident_id: int) -> bool:
        key = (id(asyncio.get_running_loop()), socket.partnership_id, change_id)
        answer = self.answers.get(key)
        if answer is None:
            watching = list(self.sockets.get(socket.partnership_id, ()))
            if socket not in watching:
                watching.append(socket)
            answer = asyncio.ensure_future(_seen_by(incident_id, watching))
            self.answers[key] = answer
            while len(self.answers) > self.KEPT:
                self.answers.popitem(last=False)
        seen = (await asyncio.shield(answer)).get(socket.channel_name)
        if seen is None:  # joined after the answer was worked out: asked on its own
            seen = (await _seen_by(incident_id, [socket]))[socket.channel_name]
        return seen


async def _seen_by(incident_id: int, sockets: list[BoardConsumer]) -> dict[str, bool]:
    members = [socket.member for socket in sockets]
    seen = await socket_db(incident_seen_by)(incident_id, members)
    return {socket.channel_name: ok for socket, ok in zip(sockets, seen, strict=True)}


_watchers = _Watchers()


class BoardConsumer(MemberConsumer):
    member: Member
    partnership: Partnership
    partnership_id: int = 0
    group: str = ""

    async def connect(self) -> None:
        user = self.scope.get("user")
        group = await socket_db(_board_of)(user)
        if group is None or not isinstance(user, Member) or user.partnership is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.member, self.group = user, group
        self.partnership, self.partnership_id = user.partnership, user.partnership.pk
        await self.channel_layer.group_add(group, self.channel_name)
        _watchers.join(self)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group:
            _watchers.leave(self)
            await self.channel_layer.group_discard(self.group, self.channel_name)

    def allowed_now(self, member: Member) -> int | None:
        # ``member`` was read afresh: the board of this socket's partnership, as they are now
        # (their roles there, their agency), and pushes are checked against them from now on.
        still_in = member.partnerships.filter(pk=self.partnership_id).exists()
        member.work_in(self.partnership if still_in else None)
        if _board_of(member) != self.group:
            return CLOSE_FORBIDDEN
        self.member = member
        return None

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if content.get("type") != "resume":
            return  # the board only listens otherwise: anything else is ignored
        last = content.get("last_change_id")
        if last is not None and (not isinstance(last, int) or isinstance(last, bool) or last < 0):
            await self.send_error("last_change_id must be a whole number of at least 0.")
            return
        changes, latest, refetch = await socket_db(self._changes_after)(last)
        for change in changes:
            await self.send_json(change)
        resumed: dict[str, Any] = {"type": "resumed", "last_change_id": latest}
        if refetch:
            resumed["refetch"] = True
        await self.send_json(resumed)

    def _changes_after(self, last: int | None) -> tuple[list[dict[str, Any]], int, bool]:
        """The changes after ``last`` whose incidents the member may see (the rule of the board
        page's rows, as one query), the number to resume from next time, and whether the page
        must fetch the board afresh instead: when ``last`` is None (from now on), or older than
        what is kept of the partnership's changes (some after it may have been pruned)."""
        mine = BoardChange.objects.filter(
            partnership_id=self.partnership_id, incident__in=incidents_visible(self.member)
        )
        # Everything of the partnership's before its oldest change kept has been committed (a
        # later number commits after an earlier one), so a page that fetches the board after
        # this answer has it all, and may resume from just below that change.
        oldest = BoardChange.objects.filter(partnership_id=self.partnership_id).aggregate(
            oldest=Min("pk")
        )["oldest"]
        floor = oldest - 1 if oldest is not None else 0
        if last is None or last < floor:
            latest = mine.aggregate(latest=Max("pk"))["latest"] or 0
            return [], max(latest, floor, last or 0), last is not None
        rows = list(
            mine.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "incident_id", "state")[:REPLAY_LIMIT]
        )
        changes = [
            {"type": "board.changed", "id": pk, "incident_id": incident_id, "state": state}
            for pk, incident_id, state in rows
        ]
        return changes, rows[-1][0] if rows else last, False

    async def board_panel(self, event: dict[str, Any]) -> None:
        # A panel of a higher app (casework: tension): only to a member its rule lets see it,
        # asked again on every push.
        if not await socket_db(can)(self.member, event["rule"]):
            return
        await self.send_json({"type": "board.panel", "panel": event["panel"]})

    async def board_changed(self, event: dict[str, Any]) -> None:
        # A push about an incident the member may not see is not sent, not even its id and
        # state (the rule of ``incident_for``, the board page's rows and every other door).
        if self.signed_out:
            return
        incident_id = event["incident_id"]
        change_id = event.get("id")
        try:
            if isinstance(change_id, int):
                seen = await _watchers.may_see(self, change_id, incident_id)
            else:
                seen = (await _seen_by(incident_id, [self]))[self.channel_name]
        except Exception as exc:  # the database away: the page catches up when it resumes
            log.warning("board.push_check_failed", error=type(exc).__name__)
            return
        if not seen:
            return
        message = {"type": "board.changed", "incident_id": incident_id, "state": event["state"]}
        if isinstance(change_id, int):
            message["id"] = change_id
        await self.send_json(message)
