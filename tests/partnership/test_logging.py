from __future__ import annotations

import json
import logging

import pytest
import structlog

from partnership.models import Member
from tests.world import ClientFor

pytestmark = pytest.mark.django_db


def test_request_logs_are_json_lines_with_request_and_user_id(
    client_for: ClientFor, demo: dict[str, Member], caplog: pytest.LogCaptureFixture
) -> None:
    formatter = logging.getLogger().handlers[0].formatter
    assert isinstance(formatter, structlog.stdlib.ProcessorFormatter)
    with caplog.at_level(logging.INFO, logger="django_structlog"):
        client_for("coordinator").get("/directory/")
    lines = [
        json.loads(formatter.format(r))
        for r in caplog.records
        if r.name.startswith("django_structlog")
    ]
    finished = [line for line in lines if line["event"] == "request_finished"]
    assert finished, lines
    assert finished[0]["user_id"] == demo["coordinator"].pk
    assert len(finished[0]["request_id"]) >= 32
