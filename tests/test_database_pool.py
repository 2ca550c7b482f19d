"""PostgreSQL connections are pooled (config/settings.py): whatever borrows one, a request, a
websocket consumer's database call or a sender thread, gives it back when it is done, so a
process holds at most its pool's connections however many threads it has run."""

from __future__ import annotations

import time
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import HttpCommunicator
from django.core.handlers.asgi import ASGIHandler
from django.db import connection

from notifications.dispatch import _in_thread, senders_wait
from partnership.auth import token_issue
from partnership.models import Member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _pool() -> Any:
    """The process's pool (psycopg_pool.ConnectionPool; Django's stubs do not declare it)."""
    return connection.pool  # type: ignore[attr-defined]


def _lent(at_most: int = 0) -> int:
    """Connections out of the pool now (waits out any the pool is still opening, or a thread
    is still giving back)."""
    deadline = time.monotonic() + 5
    while True:
        stats = _pool().get_stats()
        lent: int = stats["pool_size"] - stats["pool_available"]
        if lent <= at_most or time.monotonic() > deadline:
            return lent
        time.sleep(0.05)


def test_requests_socket_calls_and_senders_give_their_connections_back(
    demo: dict[str, Member],
) -> None:
    assert _pool() is not None
    connection.close()  # the test's own goes back too
    # Threads of tests run before this one (not this test's) may still hold theirs.
    before = _lent()

    key = token_issue(member=demo["coordinator"]).key
    connection.close()
    assert _lent(before) <= before

    async def me() -> int:
        # Through Django's ASGI handler, as Daphne serves it: each request on a thread of its
        # own (the test client would keep the connection for the test's transaction).
        communicator = HttpCommunicator(
            ASGIHandler(),
            "GET",
            "/api/me/",
            headers=[(b"host", b"testserver"), (b"authorization", f"Token {key}".encode())],
        )
        response = await communicator.get_response()
        await communicator.wait()  # the handler finishes: the response closed, the signal sent
        return int(response["status"])

    for _ in range(3):
        assert async_to_sync(me)() == 200
    assert _lent(before) <= before

    count = database_sync_to_async(Member.objects.count)
    for _ in range(3):
        assert async_to_sync(count)() > 0
    assert _lent(before) <= before

    for _ in range(3):
        _in_thread(Member.objects.count)
    assert senders_wait(10)
    assert _lent(before) <= before
    assert _pool().get_stats()["pool_size"] <= _pool().max_size
