from __future__ import annotations

import pytest

from conference.models import Person
from partnership.models import Member
from tests import factories


@pytest.fixture
def person(demo: dict[str, Member]) -> Person:
    """The victim whose case the conference tests follow (``factories.person``)."""
    return factories.person()
