from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from partnership.models import Member
from tests.processes import OwnRedis
from tests.world import ClientFor, demo_partnership


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # The demo partnership has fifteen members: hashing them with PBKDF2 would dominate the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    # Login throttles live in the cache; every test starts with none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def senders_drained(db: None) -> Iterator[None]:
    # Notifications are sent on threads after commit: let them finish inside the test that
    # caused them, while its database is still there (set up after ``db``, so torn down first).
    yield
    from notifications.dispatch import senders_wait

    assert senders_wait(timeout=30), "notification senders still busy after 30 s"


@pytest.fixture
def demo(db: None, senders_drained: None) -> dict[str, Member]:
    """The demo partnership, by username (``tests/world.py``)."""
    return demo_partnership()


@pytest.fixture
def client_for(demo: dict[str, Member]) -> ClientFor:
    """A logged-in test client for a demo username."""

    def make(username: str) -> Client:
        client = Client()
        client.force_login(demo[username])
        return client

    return make


@pytest.fixture(scope="session", autouse=True)
def _stray_connections_closed(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    # Threads that served websocket consumers in async tests keep their own connections; close
    # them at the end so the test database can be dropped.
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    """A redis-server of the test's own on a spare port, which it may stop and start."""
    server = OwnRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def marks_shared() -> None:
    """Skips a test of the marks (``partnership.marks``) where the cache is not shared (Redis)."""
    from partnership import marks

    if not marks.shared():
        pytest.skip("the marks need the shared cache (Redis)")
