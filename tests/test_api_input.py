"""Issue 13 item 7: input that used to answer 500. A body nested two kilobytes deep, sent to
every API endpoint that takes a POST (enumerated from the project, as the permission matrix
does), is refused with a 400 that says why and changes nothing; endpoints that read no body
(revoking a token, concluding a conference) ignore it. None answers 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from partnership.models import AuditEvent
from partnership.parsers import MAX_DEPTH, json_depth
from tests.permission_matrix_rules import RULES
from tests.test_permission_matrix import HTTP_ROUTES, _url
from tests.world import matrix_world

pytestmark = pytest.mark.django_db

NESTED = "[" * 1024 + "]" * 1024  # two kilobytes


def test_json_depth_skips_strings() -> None:
    assert json_depth(b'{"a": [1, {"b": "[[[[{{{{"}]}') == 3
    assert json_depth(NESTED.encode()) == 1024
    assert json_depth(b'"\\"[["') == 0


def test_a_deeply_nested_body_to_any_api_post_is_a_400_with_a_message(
    settings: Any,
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    world = matrix_world()
    answered: dict[str, int] = {}
    wrong = []
    for key, route in sorted(HTTP_ROUTES.items()):
        rule = RULES[key]
        door = rule.doors.get("POST")
        if not route.is_api or door is None or not door.allowed:
            continue
        member = world.members.get(sorted(door.allowed)[0])
        client = Client()
        if member is not None:
            client.force_login(member)
        events = AuditEvent.objects.count()
        response = client.post(
            _url(route, rule.kwargs(world)), NESTED, content_type="application/json"
        )
        answered[key] = response.status_code
        if response.status_code >= 500:
            wrong.append(f"{key}: {response.status_code}")
        elif response.status_code == 400:
            if "nested too deeply" not in response.json().get("detail", ""):
                wrong.append(f"{key}: 400 without the reason: {response.content[:200]!r}")
            elif AuditEvent.objects.count() != events:
                wrong.append(f"{key}: refused the body but changed the timeline")
    assert not wrong, "\n".join(wrong)
    # Every endpoint that reads a body said why it refused it (those that read none, such as
    # revoking a token, do not care what is sent).
    assert sum(1 for status in answered.values() if status == 400) >= 20, answered
    assert MAX_DEPTH < 1024
