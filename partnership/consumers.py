"""The bases of every websocket consumer: whatever a client sends, the consumer survives it
(``SafeJsonConsumer``); a member's socket lives only as long as their credentials
(``MemberConsumer``)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

import structlog
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone

from partnership import marks
from partnership.access_marks import ACCESS
from partnership.live import member_control_group, session_digest
from partnership.models import Member
from partnership.permissions import can
from partnership.worklist import worklist_group
from partnership.ws_auth import scope_member_now

log = structlog.get_logger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

# The sockets' own reads (each message's credential check, the alerts' and the board's resumes,
# the board's per-push visibility) run on a few threads of their own, not on the process's one
# thread-sensitive thread: there they queued behind every request, 100 resumes a second at 2,000
# open pages (bench.surge), and a board push waited long enough for Redis to expire it. Nothing
# they do shares a transaction or a thread-bound object with a request: each call opens (or
# reuses) its thread's own connection, reads, and returns.
SOCKET_DB_THREADS = 4
_socket_db_executor = ThreadPoolExecutor(
    max_workers=SOCKET_DB_THREADS, thread_name_prefix="socket-db"
)


def socket_db(func: Callable[P, R]) -> Callable[P, Coroutine[Any, Any, R]]:
    """``func`` as a coroutine function, run on the sockets' database threads (and Django's
    connections tidied around it, as ``database_sync_to_async`` does)."""
    wrapped: Callable[P, Coroutine[Any, Any, R]] = database_sync_to_async(
        func, thread_sensitive=False, executor=_socket_db_executor
    )
    return wrapped


# Clients send short commands (a resume, an acknowledge); nothing legitimate comes near this.
# Daphne itself refuses frames over 1 MB.
MAX_FRAME_CHARS = 64 * 1024


class SafeJsonConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """A JSON consumer whose ``receive_json`` is only ever given a JSON object.

    channels' own raises on a binary or empty frame and on text that is not JSON, which kills the
    connection with a server error and a traceback. Here such a frame, an oversized one or JSON
    that is not an object is answered with ``{"type": "error", "detail": …}`` and the socket stays
    open, so a faulty client learns what it did wrong and everyone else carries on.
    """

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        if text_data is None:
            await self.send_error("Send text frames holding a JSON object, not binary frames.")
            return
        if len(text_data) > MAX_FRAME_CHARS:
            await self.send_error(f"Message too large: at most {MAX_FRAME_CHARS} characters.")
            return
        try:
            content = await self.decode_json(text_data)
        except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
            await self.send_error('Not JSON: send an object such as {"type": "resume"}.')
            return
        if not isinstance(content, dict):
            await self.send_error('Send a JSON object such as {"type": "resume"}.')
            return
        await self.receive_json(content, **kwargs)

    async def send_error(self, detail: str) -> None:
        await self.send_json({"type": "error", "detail": detail})


# The socket's member was deactivated or signed out, their password changed, or the token it was
# opened with was revoked: the client should not reconnect with the same credentials.
CLOSE_SIGNED_OUT = 4401
# The websocket counterparts of a page's answers: 4404 for a record the member may not see
# (whether or not it exists), 4403 for one they see but may not use, or a door their role does not
# open.
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


@dataclass(frozen=True)
class _Trusted:
    """A check that let the member through, the access mark read just before it, when it was
    made and when the socket's token expires (``time.monotonic()``)."""

    mark: str
    at: float
    expires: float  # the token's expiry, or infinity


class MemberConsumer(SafeJsonConsumer):
    """A websocket held by a signed-in member: it joins the member's control group as it is
    accepted, and checks the member's credentials again before each message the client sends
    (every ``resume`` included) and whenever the control group says they changed
    (``partnership.live.member_sockets_check_on_commit``). When they no longer hold, the socket
    closes with ``CLOSE_SIGNED_OUT`` and sends nothing more, even what was already queued.

    A client's message is checked against the database when anything the door depends on
    changed since the last check (the member's access mark moved: ``partnership.access_marks``),
    and at least every ``TRUST_SECONDS``; otherwise the last check stands. The credential checks
    were a fifth of the servers' time in the surge (``bench.surge --profile``), each open page
    asking every 20 seconds. A control message, and a room's recheck, always ask the database.

    Whether the member may still use the socket's object (the conference they were removed from,
    the agency whose access was withdrawn) is each subclass's ``still_allowed``, asked at the same
    moments; when it refuses, the socket sends ``{"type": "refused"}``, closes with the subclass's
    code and sends nothing more.

    Subclasses keep their own ``connect`` (authorise, join groups, ``accept``) and their handlers;
    pushes from the server are not re-checked one by one (the control group closes the socket
    instead, and a subclass may re-ask ``still_allowed`` every ``RECHECK_SECONDS``), so a busy
    room costs no query per entry.
    """

    signed_out = False  # closed by a check: nothing more is sent
    trusted: _Trusted | None = None  # what the last check of the database found, and until when

    async def accept(self, subprotocol: str | None = None, headers: Any = None) -> None:
        member_id = self._member_id()
        if member_id is not None:
            # Joined before accepting, so a change made while the socket opens is not missed.
            try:
                await self.channel_layer.group_add(
                    member_control_group(member_id), self.channel_name
                )
            except Exception as exc:  # Redis away: each message is still checked
                log.warning("socket.control_join_failed", error=type(exc).__name__)
        await super().accept(subprotocol, headers)

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        member_id = self._member_id()
        if member_id is not None:
            try:
                await self.channel_layer.group_discard(
                    member_control_group(member_id), self.channel_name
                )
            except Exception as exc:
                log.warning("socket.control_leave_failed", error=type(exc).__name__)
        await super().websocket_disconnect(message)

    def _member_id(self) -> int | None:
        user = self.scope.get("user")
        return user.pk if isinstance(user, Member) else None

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        if self.signed_out:
            return
        if not await self.checks_hold(trusting=True):
            return
        await super().receive(text_data, bytes_data, **kwargs)

    def allowed_now(self, member: Member) -> int | None:
        """``None`` while ``member`` (read afresh, with their agency) may still use what this
        socket serves, or the code to close with. Runs in the same database call as the
        credential check, so a socket whose rule needs only the member (the alerts' socket, asked
        on each of its pages' resumes) costs one trip to the database thread, not two."""
        return None

    async def still_allowed(self) -> int | None:
        """As ``allowed_now``, for a rule that needs more than the member (a room's own door):
        asked after it, from the database, with the member as they are now, never as they were
        when the socket opened."""
        return None

    def _checks_now(self, trusting: bool) -> int | None:
        """``allowed_now`` of the member read afresh, or ``CLOSE_SIGNED_OUT``. ``trusting``: as
        the last check found, without the database, while the member's access mark is the one
        read just before that check, the check is under ``TRUST_SECONDS`` old and the token the
        socket was opened with has not expired (``partnership.access_marks``)."""
        member_id = self._member_id()
        mark = ACCESS.read(member_id) if member_id is not None else None
        trusted = self.trusted
        if (
            trusting
            and trusted is not None
            and mark == trusted.mark
            and time.monotonic() - trusted.at < marks.TRUST_SECONDS
            and time.monotonic() < trusted.expires
        ):
            return None
        self.trusted = None
        member = scope_member_now(self.scope)
        if member is None:
            return CLOSE_SIGNED_OUT
        refused = self.allowed_now(member)
        if refused is None and mark is not None:
            now, expires = time.monotonic(), math.inf
            expiry = self.scope.get("api_token_expiry")
            if isinstance(expiry, datetime):
                expires = now + (expiry - timezone.now()).total_seconds()
            self.trusted = _Trusted(mark, now, expires)
        return refused

    async def checks_hold(self, *, trusting: bool = False) -> bool:
        """Credentials, then access to the socket's object; closes the socket when either fails.
        ``trusting`` (a client's message): the credentials as last found while nothing moved the
        member's access mark (``_checks_now``); a control message or a recheck always asks."""
        refused = await socket_db(self._checks_now)(trusting)
        if refused == CLOSE_SIGNED_OUT:
            await self.sign_out()
            return False
        if refused is None:
            refused = await self.still_allowed()
        if refused is not None:
            await self.refuse(refused)
            return False
        return True

    async def refuse(self, code: int) -> None:
        self.signed_out = True
        await super().send_json({"type": "refused", "detail": "This is no longer shared with you."})
        await self.close(code=code)

    async def member_credentials(self, event: dict[str, Any]) -> None:
        """From the member's control group: their credentials changed."""
        if self.signed_out:
            return
        session = event.get("session")
        if session is not None:
            own = getattr(self.scope.get("session"), "session_key", None)
            if own and session == session_digest(own):
                await self.sign_out()
            return
        await self.checks_hold()

    async def sign_out(self) -> None:
        self.signed_out = True
        await super().send_json(
            {"type": "signed_out", "detail": "Signed out: sign in again to continue."}
        )
        await self.close(code=CLOSE_SIGNED_OUT)

    async def send_json(self, content: Any, close: bool = False) -> None:
        if self.signed_out:
            return
        await super().send_json(content, close)


def _worklist_of(user: object) -> str | None:
    """The work list group of the partnership ``user`` works in, if they have a work list."""
    if not isinstance(user, Member) or not can(user, "worklist.view"):
        return None
    partnership = user.partnership
    return worklist_group(partnership.pk) if partnership is not None else None


class WorklistConsumer(MemberConsumer):
    """``/ws/worklist/``: a hint whenever something on the partnership's work lists may have
    changed (``partnership.worklist.worklist_changed_on_commit``). It carries nothing: the home
    page fetches the member's own list again, so a missed hint costs a moment (the page also
    refreshes when it reconnects)."""

    group: str = ""

    async def connect(self) -> None:
        user = self.scope.get("user")
        group = await database_sync_to_async(_worklist_of)(user)
        if group is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group = group
        await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def still_allowed(self) -> int | None:
        group = await database_sync_to_async(_worklist_of)(self.scope.get("user"))
        return None if group == self.group else CLOSE_FORBIDDEN

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # It only listens; anything a client sends is ignored.
        return

    async def worklist_changed(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "worklist.changed"})


class LiveRoomConsumer(MemberConsumer):
    """The live room's mechanism, one for every room (a risk conference's, a gold group's).

    On joining, the member receives the room's state as they may see it (``room_state``, a JSON
    object with ``"type": "state"``). Entries arrive the moment they are saved, pushed to the
    room's group after commit as ``{"type": "room.event", "event": {...}}``; an event of
    ``"type": "entry"`` is passed on only when ``entry_visible`` allows it for this connection's
    member (no query: what the member may see is worked out by ``room_enter`` when they join, and
    again on every state change, resume and recheck), any other event sends the fresh state, the
    room's door asked again first. A client that reconnects sends
    ``{"type": "resume", "last_entry_id": N}`` and receives the state and the entries after N
    from the database (``"type": "resumed"``).

    Subclasses say how to find the room and what is in it; the hooks below run in a thread with
    the database (``room_join``, ``room_enter``, ``room_state``, ``room_entries_after``) or
    without it (``room_group``, ``entry_visible``)."""

    member: Member
    room: Any
    checked_at: float

    # --- What a room says about itself -----------------------------------------------------------
    def room_join(self, user: object, pk: int) -> Any:
        """The room this user may join, or the close code that refuses them (the same lookup as
        the room's page and API, so the socket cannot tell apart what they do not)."""
        raise NotImplementedError

    def room_group(self) -> str:
        raise NotImplementedError

    def room_enter(self) -> None:
        """Work out (and keep on ``self``) what this connection's member may see of the room."""

    def room_state(self) -> dict[str, Any]:
        raise NotImplementedError

    def room_entries_after(self, last: int) -> list[dict[str, Any]]:
        raise NotImplementedError

    def entry_visible(self, event: dict[str, Any]) -> bool:
        return True

    def recheck_seconds(self) -> float:
        """How long a pushed entry is trusted to what the connection last asked the database:
        a member removed from the room stops receiving within this many seconds."""
        return 5.0

    # --- The mechanism ---------------------------------------------------------------------------
    async def connect(self) -> None:
        user = self.scope.get("user")
        joined = await database_sync_to_async(self.room_join)(
            user, int(self.scope["url_route"]["kwargs"]["pk"])
        )
        if isinstance(joined, int):
            await self.close(code=joined)
            return
        assert isinstance(user, Member)  # noqa: S101 (room_join refuses anyone else)
        self.member, self.room = user, joined
        await database_sync_to_async(self.room_enter)()
        self.checked_at = time.monotonic()
        await self.channel_layer.group_add(self.room_group(), self.channel_name)
        await self.accept()
        await self.send_json(await database_sync_to_async(self.room_state)())

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "room"):
            await self.channel_layer.group_discard(self.room_group(), self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or content.get("type") != "resume":
            await self.send_json(
                {"type": "error", "detail": "Send a resume; entries are made through the page."}
            )
            return
        last = content.get("last_entry_id", 0)
        if not isinstance(last, int) or isinstance(last, bool) or last < 0:
            await self.send_json(
                {"type": "error", "detail": "last_entry_id must be a whole number."}
            )
            return
        await self.send_json(await database_sync_to_async(self._resume)(last))

    def _resume(self, last: int) -> dict[str, Any]:
        self.room.refresh_from_db()
        self.room_enter()
        state = self.room_state()
        state["entries"] = self.room_entries_after(last)
        state["type"] = "resumed"
        return state

    def _rejoin(self) -> int | None:
        member = Member.objects.select_related("agency").filter(pk=self.member.pk).first()
        joined = self.room_join(member, self.room.pk)
        if isinstance(joined, int):
            return int(joined)
        assert member is not None  # noqa: S101 (room_join refuses anyone else)
        self.member, self.room = member, joined
        self.room_enter()
        return None

    async def still_allowed(self) -> int | None:
        """The room's own door again, with the member as they are now (removed from it, or
        their agency's access withdrawn: refused as on joining)."""
        refused: int | None = await database_sync_to_async(self._rejoin)()
        self.checked_at = time.monotonic()
        return refused

    def _fresh_state(self) -> dict[str, Any]:
        self.room.refresh_from_db()
        self.room_enter()
        state = self.room_state()
        state["type"] = "state"
        return state

    async def room_event(self, message: dict[str, Any]) -> None:
        if self.signed_out:
            return
        event = message["event"]
        if event["type"] == "entry":
            stale = time.monotonic() - self.checked_at > self.recheck_seconds()
            if stale and not await self.checks_hold():
                return
            if self.entry_visible(event):
                await self.send_json(event)
            return
        # Any other change sends the state, read from the database anyway: the credentials and
        # the room's door are asked again first, every time, so a member who lost the room (a
        # seat gone, a role or an agency withdrawn) is refused instead of sent it.
        if not await self.checks_hold():
            return
        await self.send_json(await database_sync_to_async(self._fresh_state)())
