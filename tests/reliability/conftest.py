from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from partnership.auth import token_issue
from partnership.models import Area, Member
from tests.reliability.harness import OwnRedis, Stack


def test_database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def tokens(demo: dict[str, Member]) -> dict[str, str]:
    return {username: token_issue(member=member).key for username, member in demo.items()}


@pytest.fixture
def stack() -> Iterator[Stack]:
    """Processes sharing the test database and the machine's Redis (the test's own db number)."""
    running = Stack(database_url=test_database_url(), redis_url=os.environ["REDIS_URL"])
    yield running
    running.stop()


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    server = OwnRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def report_body() -> Any:
    def make(title: str = "Attack on shop") -> dict[str, Any]:
        return {
            "title": title,
            "description": "Windows smashed; abuse shouted at the owner.",
            "occurred_at": (timezone.now() - timedelta(hours=1)).isoformat(),
            "area_id": Area.objects.get(name="Bletchley").pk,
            "strands": ["race"],
            "tension_level": "high",
        }

    return make
