from __future__ import annotations

import pytest
from django.test import Client

from partnership.models import AuditEvent, Member

pytestmark = pytest.mark.django_db


def test_token_is_issued_for_the_right_password_and_works(demo: dict[str, Member]) -> None:
    client = Client()
    response = client.post(
        "/api/auth/token/",
        {"username": "coordinator", "password": "demo-pass"},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    me = Client().get("/api/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert me.status_code == 200
    assert me.json()["username"] == "coordinator"
    assert AuditEvent.objects.filter(verb="token.issued", actor=demo["coordinator"]).count() == 1


def test_wrong_password_gets_a_clear_401(demo: dict[str, Member]) -> None:
    response = Client().post(
        "/api/auth/token/",
        {"username": "coordinator", "password": "nope"},
        content_type="application/json",
    )
    assert response.status_code == 401
    # One answer for a wrong username, password or authenticator code (issue 13 item 3).
    assert response.json()["detail"] == (
        "Wrong username or password (or authenticator code, if you use one)."
    )


def test_missing_fields_get_a_400_naming_them(demo: dict[str, Member]) -> None:
    response = Client().post("/api/auth/token/", {}, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"username", "password"}


def test_token_sign_in_is_throttled_after_repeated_failures(
    demo: dict[str, Member], settings: object
) -> None:
    client = Client()
    for _ in range(5):
        assert (
            client.post(
                "/api/auth/token/",
                {"username": "officer", "password": "guess"},
                content_type="application/json",
            ).status_code
            == 401
        )
    # Now even the right password is refused until the window passes.
    response = client.post(
        "/api/auth/token/",
        {"username": "officer", "password": "demo-pass"},
        content_type="application/json",
    )
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.json()["detail"]


def test_web_sign_in_works_and_is_throttled(demo: dict[str, Member]) -> None:
    client = Client()
    ok = client.post("/accounts/login/", {"username": "chair", "password": "demo-pass"})
    assert ok.status_code == 302
    assert client.get("/").status_code == 200

    other = Client()
    for _ in range(5):
        bad = other.post("/accounts/login/", {"username": "gold", "password": "guess"})
        assert bad.status_code == 400
        assert "Please enter a correct username and password" in bad.content.decode()
    blocked = other.post("/accounts/login/", {"username": "gold", "password": "demo-pass"})
    assert blocked.status_code == 429
    assert "Too many failed sign-in attempts" in blocked.content.decode()


def test_login_page_is_served_to_anonymous_people(db: None) -> None:
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    assert b'<label class="govuk-label" for="id_username">Username</label>' in response.content
