"""The doors a newcomer meets first (issue 14): sign-in with nothing typed, the admin for someone
who is not an administrator, an address that does not exist, and where links in email lead."""

from __future__ import annotations

import pytest
from django.test import Client

from partnership.management.commands.serve import site_url_for
from partnership.models import Member

pytestmark = pytest.mark.django_db


def test_sign_in_with_empty_fields_says_what_is_missing() -> None:
    page = Client().post("/accounts/login/", {"username": "", "password": ""})
    assert page.status_code == 400
    html = page.content.decode()
    assert "There is a problem" in html
    assert '<a href="#id_username">Enter your username.</a>' in html
    assert '<a href="#id_password">Enter your password.</a>' in html
    # Each box says it too, tied to it for a screen reader.
    assert 'aria-describedby="id_username_error"' in html
    page = Client().post("/accounts/login/", {"username": "officer", "password": ""})
    assert "Enter your password." in page.content.decode()
    assert "Enter your username." not in page.content.decode()


def test_the_admin_refuses_a_member_who_is_not_an_administrator_once(
    client_for: object, demo: dict[str, Member]
) -> None:
    client = Client()
    client.force_login(demo["officer"])
    response = client.get("/admin/", follow=True)
    # One redirect to the admin's sign-in, which answers instead of sending them round again.
    assert [hop[0] for hop in response.redirect_chain] == ["/admin/login/?next=/admin/"]
    assert response.status_code == 403
    assert "for the service&#x27;s administrators" in response.content.decode()

    admin = Client()
    admin.force_login(demo["admin"])
    assert admin.get("/admin/").status_code == 200
    assert admin.get("/admin/login/")["Location"] == "/admin/"
    # Signed out: the one sign-in page, which brings them back.
    signed_out = Client().get("/admin/login/?next=/admin/")
    assert signed_out["Location"] == "/accounts/login/?next=/admin/"


@pytest.mark.parametrize("debug", [False, True])
def test_an_unknown_record_shows_our_not_found_page(
    demo: dict[str, Member], settings: object, debug: bool
) -> None:
    setattr(settings, "DEBUG", debug)  # noqa: B010 (pytest-django's settings fixture)
    client = Client()
    client.force_login(demo["coordinator"])
    response = client.get("/incidents/999999/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert "There is nothing at this address, or it is not shared with you." in html
    assert "URLconf" not in html
    assert "Django tried these URL patterns" not in html


def test_links_in_messages_lead_where_the_service_is_served() -> None:
    assert site_url_for("127.0.0.1", 8123) == "http://127.0.0.1:8123"
    assert site_url_for("0.0.0.0", 9000) == "http://localhost:9000"  # noqa: S104
    assert site_url_for("::1", 8000) == "http://[::1]:8000"
