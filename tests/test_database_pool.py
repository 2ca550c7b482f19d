"""PostgreSQL connections are pooled (config/settings.py): whatever borrows one, a request, a
websocket consumer's database call or a sender thread, gives it back when it is done, so a
process holds at most its pool's connections however many threads it has run."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import HttpCommunicator
from django.core.handlers.asgi import ASGIHandler
from django.db import connection
from django.test import Client

from notifications.dispatch import _in_thread, senders_wait
from partnership.auth import token_issue
from partnership.models import Member
from tests.database import connection_settings

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


@pytest.fixture
def pool_all_lent() -> Iterator[None]:
    """A pool of one connection with a one-second wait, its one connection lent to another
    thread for the duration of the test."""
    if _pool() is None:
        pytest.skip("the connection pool is off")
    lent, done = threading.Event(), threading.Event()

    def borrow() -> None:
        connection.ensure_connection()
        lent.set()
        done.wait(30)
        connection.close()

    with connection_settings(pool={"min_size": 1, "max_size": 1, "timeout": 1}):
        holder = threading.Thread(target=borrow)
        holder.start()
        assert lent.wait(10)
        try:
            yield
        finally:
            done.set()
            holder.join(10)


BUSY = "The service cannot take your request just now and nothing was done: try again in a moment."


def test_a_request_that_finds_every_connection_lent_is_answered_503_and_told_to_retry(
    demo: dict[str, Member], request: pytest.FixtureRequest
) -> None:
    """Past max_size a request waits for the pool's timeout, then is answered 503 with a sentence
    a person understands and when to retry: a page (whose session is the first thing read) and
    the API (whose token is), not a 500 error."""
    # As a server answers: the test client would otherwise raise what the middleware met.
    page, api = Client(raise_request_exception=False), Client()
    page.force_login(demo["coordinator"])
    key = token_issue(member=demo["coordinator"]).key
    request.getfixturevalue("pool_all_lent")

    began = time.monotonic()
    answered = page.get("/")
    assert time.monotonic() - began >= 1  # it waited for the pool, then gave up
    assert answered.status_code == 503
    assert answered["Retry-After"] == "5"
    assert BUSY in answered.content.decode()

    answered = api.get("/api/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert answered.status_code == 503
    assert answered["Retry-After"] == "5"
    assert answered.json() == {"detail": BUSY}
