"""Accounts: lock-out on the timeline, the optional second factor, sessions that expire."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client

from partnership.auth import totp_enrol_start
from partnership.models import AuditEvent, Member, TotpDevice
from partnership.totp import current_step, totp_code, totp_match

pytestmark = pytest.mark.django_db


def _sign_in(client: Client, username: str, password: str = "demo-pass") -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_repeated_failures_lock_the_account_and_the_timeline_says_so(
    demo: dict[str, Member],
) -> None:
    client = Client()
    for _ in range(7):
        _sign_in(client, "coordinator", "wrong")
    locked = AuditEvent.objects.filter(
        verb="member.login_locked", subject_id=str(demo["coordinator"].pk)
    )
    assert locked.count() == 1
    assert locked.get().changes["failures"] == 5
    assert _sign_in(client, "coordinator").status_code == 429
    # Guesses at names that do not exist leave no row.
    for _ in range(6):
        _sign_in(Client(REMOTE_ADDR="10.9.9.9"), "nobody-here", "x")
    assert AuditEvent.objects.filter(verb="member.login_locked").count() == 1


def test_codes_follow_rfc_6238() -> None:
    # The RFC's SHA-1 test vector: secret "12345678901234567890", T = 59 s -> 94287082 (8 digits);
    # our six digits are the last six.
    import base64

    secret = base64.b32encode(b"12345678901234567890").decode()
    assert totp_code(secret, 59 // 30) == "287082"
    assert totp_match(secret, "287082", at=59) == 1
    assert totp_match(secret, "287082", at=59 + 30) == 1  # one step of drift allowed
    assert totp_match(secret, "287082", at=59 + 90) is None
    assert totp_match(secret, "abc") is None


def _confirmed_device(member: Member) -> TotpDevice:
    device = totp_enrol_start(member=member)
    device.confirmed_at = device.member.date_joined
    device.save()
    return device


def test_a_member_with_an_authenticator_needs_a_code_once_per_sign_in(
    demo: dict[str, Member],
) -> None:
    device = _confirmed_device(demo["staff"])
    client = Client()
    response = _sign_in(client, "staff")
    assert response["Location"] == "/accounts/second-factor/"
    assert client.get("/").status_code == 302  # not signed in yet
    wrong = client.post("/accounts/second-factor/", {"code": "000000"})
    assert wrong.status_code == 400
    code = totp_code(device.secret, current_step())
    assert client.post("/accounts/second-factor/", {"code": code})["Location"] == "/"
    assert client.get("/").status_code == 200
    # The same code cannot be used again.
    other = Client()
    _sign_in(other, "staff")
    assert other.post("/accounts/second-factor/", {"code": code}).status_code == 400


def test_privileged_roles_must_enrol_when_the_setting_is_on(
    demo: dict[str, Member], settings: Any
) -> None:
    settings.TOTP_REQUIRED_FOR_PRIVILEGED = True
    client = Client()
    assert _sign_in(client, "officer")["Location"] == "/accounts/second-factor/"
    page = client.get("/accounts/second-factor/").content.decode()
    assert "Set up your second factor" in page
    device = TotpDevice.objects.get(member=demo["officer"])
    assert device.secret in page
    assert (
        client.post(
            "/accounts/second-factor/", {"code": totp_code(device.secret, current_step())}
        ).status_code
        == 302
    )
    device.refresh_from_db()
    assert device.confirmed_at is not None
    assert AuditEvent.objects.filter(
        verb="member.second_factor_enrolled", actor=demo["officer"]
    ).exists()
    # Others still sign in with a password alone.
    assert _sign_in(Client(), "staff")["Location"] == "/"


def test_api_tokens_need_the_code_too(demo: dict[str, Member]) -> None:
    device = _confirmed_device(demo["gold"])

    def token(**extra: str) -> Any:
        return Client().post(
            "/api/auth/token/",
            {"username": "gold", "password": "demo-pass", **extra},
            content_type="application/json",
        )

    missing = token()
    assert missing.status_code == 401
    assert "authenticator" in missing.json()["detail"]
    assert token(otp="123456").status_code == 401
    assert token(otp=totp_code(device.secret, current_step())).status_code == 200


def test_sessions_expire(demo: dict[str, Member], settings: Any) -> None:
    settings.SESSION_COOKIE_AGE = 1
    client = Client()
    assert _sign_in(client, "chair").status_code == 302
    assert client.get("/").status_code == 200
    time.sleep(2.1)
    assert client.get("/").status_code == 302
