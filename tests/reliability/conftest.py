from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from partnership.auth import token_issue
from partnership.models import Member
from tests.processes import Stack, suite_database_url


@pytest.fixture
def tokens(demo: dict[str, Member]) -> dict[str, str]:
    return {username: token_issue(member=member).key for username, member in demo.items()}


@pytest.fixture
def stack() -> Iterator[Stack]:
    """Processes sharing the test database and the machine's Redis (the test's own db number)."""
    running = Stack(database_url=suite_database_url(), redis_url=os.environ["REDIS_URL"])
    yield running
    running.stop()
