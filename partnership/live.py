"""Live pushes to websocket groups, after commit only.

The database is the truth and the push is a hint: a client that misses one (Redis down, a full
channel, a dropped connection) catches up from the database. So a failed push is logged, never
raised into the request that caused it.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
import weakref
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import structlog
from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from partnership.access_marks import access_marks_move_on_commit

log = structlog.get_logger(__name__)

PUSH_TIMEOUT_SECONDS = 2.0

# The server's event loop, noted by ``remember_server_loop`` on each connection. The in-memory
# channel layer (``make run`` without Redis) keeps asyncio queues that belong to that loop, so
# pushes from other threads must run there; Redis needs no such care.
_server_loop: asyncio.AbstractEventLoop | None = None


def remember_server_loop() -> None:
    global _server_loop
    _server_loop = asyncio.get_running_loop()


T = TypeVar("T")

# Pushes made by synchronous code (a request's after-commit hook, a sender thread, a worker's job)
# run on one event loop of the process's own, kept for its life. ``async_to_sync`` made a loop for
# each push, and the Redis layers keep their connections per loop, so each push opened and closed
# a connection to Redis: 2 to 4 ms a push, against 0.2 to 0.7 ms on a loop that is kept (measured
# on this machine, pub/sub layer; docs/decisions/0028-one-loop-for-pushes.md).
_push_loop: asyncio.AbstractEventLoop | None = None
_push_loop_lock = threading.Lock()


def _push_loop_get() -> asyncio.AbstractEventLoop:
    global _push_loop
    with _push_loop_lock:
        if _push_loop is None or _push_loop.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="live-push", daemon=True).start()
            _push_loop = loop
        return _push_loop


def _push_loop_forget() -> None:
    # A forked child has the parent's loop object but not its thread.
    global _push_loop
    _push_loop = None


os.register_at_fork(after_in_child=_push_loop_forget)


def _run_pushes(work: Callable[[], Coroutine[Any, Any, T]], timeout: float) -> T:
    """Run ``work()`` where the channel layer can serve it, and wait for it: the process's push
    loop for Redis; for the in-memory layer the server's loop (its queues belong there), or a loop
    of the moment in a process that serves no connection."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:  # waiting here would stop the caller's own loop
        raise RuntimeError("a push from async code awaits the channel layer itself")
    if isinstance(get_channel_layer(), InMemoryChannelLayer):
        loop = _server_loop
        if loop is None or not loop.is_running():
            return async_to_sync(work)()
    else:
        loop = _push_loop_get()  # not running yet just after it is made: the push waits for it
    return asyncio.run_coroutine_threadsafe(work(), loop).result(timeout=timeout)


# Pushes in flight at once on one event loop, whichever thread asked for them. The Redis layers'
# pools hold at most 100 connections a loop (redis-py's default) and refuse one more at once
# (MaxConnectionsError) rather than wait: with every sender thread's batch on the one push loop,
# eight batches of 64 failed three pushes in four (bench.load, core layer) until they shared this.
PUSHES_IN_FLIGHT = 64
_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def _gate() -> asyncio.Semaphore:
    # Only ever called on the loop itself: no other thread touches its entry.
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = asyncio.Semaphore(PUSHES_IN_FLIGHT)
    return gate


async def _group_send(group: str, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    async with _gate():
        await asyncio.wait_for(layer.group_send(group, event), timeout=PUSH_TIMEOUT_SECONDS)


def group_send_now(group: str, event: dict[str, Any]) -> bool:
    """Push immediately (dangerous inside a transaction: prefer ``group_send_on_commit``)."""
    try:
        _run_pushes(lambda: _group_send(group, event), PUSH_TIMEOUT_SECONDS)
    except Exception as exc:  # Redis down or slow: the client will catch up from the database
        log.warning(
            "live.push_failed", group=group, event_type=event.get("type"), error=type(exc).__name__
        )
        return False
    return True


def group_send_many_now(sends: list[tuple[str, dict[str, Any]]]) -> list[bool]:
    """Push many messages on one event loop (one connection pool), a bounded number at a time.
    Returns, for each, whether the channel layer took it."""

    async def send_all() -> list[bool]:
        async def one(group: str, event: dict[str, Any]) -> bool:
            try:
                await _group_send(group, event)
            except Exception as exc:  # Redis down or slow: replayed from the database
                log.warning("live.push_failed", group=group, error=type(exc).__name__)
                return False
            return True

        return list(await asyncio.gather(*(one(g, e) for g, e in sends)))

    try:
        return _run_pushes(send_all, PUSH_TIMEOUT_SECONDS * (1 + len(sends) // PUSHES_IN_FLIGHT))
    except Exception as exc:  # the loop did not answer in time: the pages replay them
        log.warning("live.pushes_failed", pushes=len(sends), error=type(exc).__name__)
        return [False] * len(sends)


def group_send_on_commit(group: str, event: dict[str, Any]) -> None:
    transaction.on_commit(lambda: group_send_now(group, event))


# --- Each member's control group: every websocket a member holds listens to it -----------------
def member_control_group(member_id: int) -> str:
    return f"member-control.{member_id}"


def session_digest(session_key: str) -> str:
    """How a session is named in control messages (the key itself is a credential)."""
    return hashlib.sha256(session_key.encode()).hexdigest()[:32]


def member_sockets_check_on_commit(member_id: int, *, session_key: str | None = None) -> None:
    """Once the change commits, every open websocket of the member checks its credentials again
    and closes if they no longer hold (deactivated, password changed, token revoked); with
    ``session_key``, the sockets opened with that session (now signed out) close at once."""
    # The mark first (on-commit hooks run in order): a socket that misses the control message
    # still finds the mark moved at its next message, and checks.
    access_marks_move_on_commit([member_id])
    event: dict[str, Any] = {"type": "member.credentials"}
    if session_key:
        event["session"] = session_digest(session_key)
    group_send_on_commit(member_control_group(member_id), event)


@receiver(pre_save, sender="partnership.Agency")
def _agency_before_save(
    sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any
) -> None:
    # A signal rather than a call in each writer: an administrator withdraws an agency in Django
    # admin. Its members' sockets must stop serving them at once, not at their next heartbeat.
    if instance._state.adding or instance.is_active:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return
    if sender.objects.filter(pk=instance.pk, is_active=True).exists():
        instance.__dict__["_access_withdrawn"] = True


@receiver(post_save, sender="partnership.Agency")
def _agency_after_save(sender: Any, instance: Any, **kwargs: Any) -> None:
    if instance.__dict__.pop("_access_withdrawn", False):
        for member_id in instance.members.values_list("pk", flat=True):
            member_sockets_check_on_commit(member_id)
