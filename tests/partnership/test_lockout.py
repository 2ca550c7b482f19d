"""Issue 13 item 4: guesses from elsewhere slow the attacker without locking the member out.

Five anonymous wrong passwords used to lock any username for 15 minutes from every address (the
senior police officer during a major incident). Now they lock the account to clients that have
never signed in to it; the member's own browser and usual addresses carry on, as do sessions
already signed in, and the administrators are told.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from notifications.models import Notification
from partnership.models import AuditEvent, Member

pytestmark = pytest.mark.django_db


def _sign_in(client: Client, username: str = "officer", password: str = "demo-pass") -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password})


def _attack(username: str = "officer", times: int = 5, start: int = 0) -> list[int]:
    return [
        _sign_in(Client(REMOTE_ADDR=f"203.0.113.{n}"), username, "guess").status_code
        for n in range(start, start + times)
    ]


def test_guesses_from_elsewhere_do_not_lock_the_member_out(
    demo: dict[str, Member], django_capture_on_commit_callbacks: Any
) -> None:
    desk = Client(REMOTE_ADDR="192.0.2.10")  # the officer's own browser, at the station
    assert _sign_in(desk).status_code == 302
    session = Client()
    session.force_login(demo["officer"])

    with django_capture_on_commit_callbacks(execute=True):
        assert _attack(times=7) == [400] * 5 + [429] * 2
    # A new client anywhere is refused, even with the right password...
    assert _sign_in(Client(REMOTE_ADDR="198.51.100.1")).status_code == 429
    # ...but the officer's browser signs in (from a hotel too), and so does any client at an
    # address they signed in from before; the session already open carries on.
    desk.post("/accounts/logout/")
    assert _sign_in(desk).status_code == 302
    desk.defaults["REMOTE_ADDR"] = "198.51.100.77"
    desk.post("/accounts/logout/")
    assert _sign_in(desk).status_code == 302
    assert _sign_in(Client(REMOTE_ADDR="192.0.2.10")).status_code == 302
    assert session.get("/").status_code == 200

    locked = AuditEvent.objects.get(verb="member.login_locked")
    assert locked.subject_id == str(demo["officer"].pk)
    assert locked.changes["reason"] == "password"
    told = Notification.objects.filter(subject_id=str(demo["officer"].pk), title__contains="paused")
    assert sorted(n.recipient.username for n in told) == ["admin"]
    assert "192.0.2.10" not in told.get().body


def test_the_members_own_mistakes_pause_only_their_own_browser(demo: dict[str, Member]) -> None:
    desk = Client(REMOTE_ADDR="192.0.2.20")
    assert _sign_in(desk, "crro").status_code == 302
    desk.post("/accounts/logout/")
    assert [_sign_in(desk, "crro", "typo").status_code for _ in range(6)] == [400] * 5 + [429]
    # The account's allowance for unknown clients is untouched: no lock-out, no alert.
    assert not AuditEvent.objects.filter(verb="member.login_locked").exists()
    assert _sign_in(Client(REMOTE_ADDR="198.51.100.2"), "crro").status_code == 302


def test_one_address_guessing_many_accounts_is_stopped(
    demo: dict[str, Member], settings: Any
) -> None:
    settings.LOGIN_THROTTLE_ADDRESS_ATTEMPTS = 8
    sprayer = Client(REMOTE_ADDR="203.0.113.200")
    names = ["chair", "gold", "rec", "member", "chief", "staff", "ppc", "admin", "coordinator"]
    answers = [_sign_in(sprayer, name, "Password1").status_code for name in names]
    assert answers == [400] * 8 + [429]
    # Each of those accounts took one failure only: nobody is locked out.
    assert not AuditEvent.objects.filter(verb="member.login_locked").exists()
    assert _sign_in(Client(REMOTE_ADDR="198.51.100.3"), "coordinator").status_code == 302


def test_an_ipv6_attacker_cannot_rotate_through_its_own_network(
    demo: dict[str, Member], settings: Any
) -> None:
    settings.LOGIN_THROTTLE_ADDRESS_ATTEMPTS = 3
    names = ["chair", "gold", "rec", "member"]
    answers = [
        _sign_in(Client(REMOTE_ADDR=f"2001:db8:1:2::{n + 1}"), name, "x").status_code
        for n, name in enumerate(names)
    ]
    assert answers == [400, 400, 400, 429]
