"""``load_demo`` waits for the notifications' senders before it returns: the demo's messages are
sent on threads after commit, and a process exiting under them fails their sends (seen under
``make run`` as eight "cannot schedule new futures after interpreter shutdown" tracebacks)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from notifications.dispatch import senders_wait
from partnership import demo

pytestmark = pytest.mark.django_db


def test_the_senders_are_waited_for_once_the_demo_is_loaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert senders_wait in demo.demo_finishers()
    happened: list[str] = []
    monkeypatch.setattr(
        demo, "_DEMO_EXTRAS", [*demo.demo_extras(), lambda p: happened.append("extra")]
    )
    monkeypatch.setattr(demo, "_DEMO_FINISHERS", [lambda: happened.append("finish")])
    call_command("load_demo")
    # Every extra for each of the two demo partnerships first, then the finisher, once.
    assert happened == ["extra", "extra", "finish"]
