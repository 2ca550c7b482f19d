"""API tokens (issue 13 item 1): stored as digests, expiring, one per device, each revocable, all
revoked when the password changes or the member is deactivated, on the timeline."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from config.scheduler import registered_jobs
from partnership.auth import ApiTokenAuthentication, token_issue, tokens_expired_delete
from partnership.models import ApiToken, AuditEvent, Member
from tests.world import ClientFor

pytestmark = pytest.mark.django_db


def _ask(username: str = "coordinator", **extra: str) -> Any:
    return Client().post(
        "/api/auth/token/",
        {"username": username, "password": "demo-pass", **extra},
        content_type="application/json",
    )


def _me(key: str) -> Any:
    return Client().get("/api/me/", HTTP_AUTHORIZATION=f"Token {key}")


def test_a_token_is_stored_only_as_a_digest_and_expires_after_a_shift(
    demo: dict[str, Member], settings: Any
) -> None:
    answer = _ask(name="Control room laptop").json()
    key = answer["token"]
    token = ApiToken.objects.get(ref=answer["ref"])
    assert token.digest == hashlib.sha512(key.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM partnership_apitoken")
        assert not any(key in str(value) for row in cursor.fetchall() for value in row)
    lifetime = timedelta(seconds=settings.API_TOKEN_LIFETIME)
    assert lifetime == timedelta(hours=10)
    assert token.expiry is not None
    assert abs(token.expiry - (timezone.now() + lifetime)) < timedelta(minutes=1)
    assert answer["expiry"].startswith(
        str(token.expiry.astimezone(timezone.get_current_timezone()).date())
    )
    assert answer["name"] == "Control room laptop"
    assert _me(key).status_code == 200

    ApiToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    expired = _me(key)
    assert expired.status_code == 401
    assert "has expired or was revoked" in expired.json()["detail"]


def test_a_password_reset_revokes_every_token_and_a_new_one_differs(
    demo: dict[str, Member],
) -> None:
    """The tester's finding: after an administrator reset the password, the old token still
    answered 200 and asking again returned the same key."""
    first, second = _ask(name="Phone").json()["token"], _ask(name="Laptop").json()["token"]
    assert _me(first).status_code == _me(second).status_code == 200
    member = demo["coordinator"]
    member.set_password("a-new-long-password")
    member.save()
    assert _me(first).status_code == _me(second).status_code == 401
    assert not ApiToken.objects.filter(user=member).exists()
    revoked = AuditEvent.objects.filter(verb="token.revoked", subject_id=str(member.pk))
    assert {e.changes["reason"] for e in revoked} == {"password changed"}
    assert revoked.count() == 2
    again = Client().post(
        "/api/auth/token/",
        {"username": "coordinator", "password": "a-new-long-password"},
        content_type="application/json",
    )
    assert again.status_code == 200
    assert again.json()["token"] not in (first, second)


def test_deactivating_a_member_revokes_their_tokens(demo: dict[str, Member]) -> None:
    key = _ask("crro").json()["token"]
    member = demo["crro"]
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert _me(key).status_code == 401
    assert not ApiToken.objects.filter(user=member).exists()
    assert AuditEvent.objects.get(verb="token.revoked").changes["reason"] == "member deactivated"


def test_saving_a_member_for_other_reasons_keeps_their_tokens(demo: dict[str, Member]) -> None:
    key = _ask("crro").json()["token"]
    member = demo["crro"]
    member.job_title = "Community and Race Relations Officer (North)"
    member.save()
    assert _me(key).status_code == 200


def test_each_device_has_its_own_token_and_revoking_one_leaves_the_others(
    demo: dict[str, Member],
) -> None:
    phone = _ask(name="Phone").json()
    laptop = _ask(name="Laptop").json()
    listed = Client().get("/api/auth/tokens/", HTTP_AUTHORIZATION=f"Token {laptop['token']}")
    assert [t["name"] for t in listed.json()] == ["Laptop", "Phone"]
    assert all("token" not in t and "digest" not in t for t in listed.json())
    revoked = Client().post(
        f"/api/auth/tokens/{phone['ref']}/revoke/", HTTP_AUTHORIZATION=f"Token {laptop['token']}"
    )
    assert revoked.status_code == 204
    assert _me(phone["token"]).status_code == 401
    assert _me(laptop["token"]).status_code == 200
    event = AuditEvent.objects.get(verb="token.revoked")
    assert event.actor == demo["coordinator"]
    assert event.changes == {
        "token": phone["ref"],
        "name": "Phone",
        "reason": "revoked by its holder",
    }
    assert AuditEvent.objects.filter(verb="token.issued").count() == 2


def test_nobody_revokes_or_sees_another_members_token(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    theirs = _ask("chair").json()
    mine = _ask("gold").json()["token"]
    refused = Client().post(
        f"/api/auth/tokens/{theirs['ref']}/revoke/", HTTP_AUTHORIZATION=f"Token {mine}"
    )
    assert refused.status_code == 404
    assert client_for("gold").post(f"/account/tokens/{theirs['ref']}/revoke/").status_code == 404
    assert theirs["ref"] not in client_for("gold").get("/account/tokens/").content.decode()
    assert _me(theirs["token"]).status_code == 200


def test_a_member_sees_and_revokes_their_tokens_on_their_account_page(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    issued = token_issue(member=demo["chair"], name="Chair's tablet")
    client = client_for("chair")
    page = client.get("/account/tokens/").content.decode()
    assert "Chair&#x27;s tablet" in page
    assert issued.token.ref in page
    assert issued.key not in page
    done = client.post(f"/account/tokens/{issued.token.ref}/revoke/")
    assert done["Location"] == "/account/tokens/"
    assert _me(issued.key).status_code == 401
    assert "You hold no API tokens" in client.get("/account/tokens/").content.decode()


def test_past_the_limit_the_oldest_token_is_revoked(demo: dict[str, Member], settings: Any) -> None:
    settings.API_TOKEN_LIMIT = 2
    first = token_issue(member=demo["staff"], name="One")
    token_issue(member=demo["staff"], name="Two")
    token_issue(member=demo["staff"], name="Three")
    assert sorted(ApiToken.objects.filter(user=demo["staff"]).values_list("name", flat=True)) == [
        "Three",
        "Two",
    ]
    assert _me(first.key).status_code == 401
    assert AuditEvent.objects.get(verb="token.revoked").changes["reason"] == "limit"


def test_an_old_drf_token_is_refused_with_a_clear_message(demo: dict[str, Member]) -> None:
    answer = _me("9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b")
    assert answer.status_code == 401
    assert "from before tokens began to expire" in answer.json()["detail"]
    assert "POST /api/auth/token/" in answer.json()["detail"]
    garbled = Client().get("/api/me/", HTTP_AUTHORIZATION="Token \u00ff\u00fe")
    assert garbled.status_code == 401


def test_an_expired_token_is_refused_and_the_scheduled_sweep_deletes_only_expired_ones(
    demo: dict[str, Member],
) -> None:
    old = token_issue(member=demo["crro"], name="Old laptop")
    current = token_issue(member=demo["crro"], name="Phone")
    ApiToken.objects.filter(pk=old.token.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    assert _me(old.key).status_code == 401
    assert _me(current.key).status_code == 200
    tokens_expired_delete()
    assert list(ApiToken.objects.filter(user=demo["crro"]).values_list("name", flat=True)) == [
        "Phone"
    ]
    assert not AuditEvent.objects.filter(verb="token.revoked").exists()
    assert "api-tokens-expired" in {job.name for job in registered_jobs()}


def test_a_token_of_a_member_made_inactive_behind_the_services_back_is_refused(
    demo: dict[str, Member],
) -> None:
    key = token_issue(member=demo["crro"]).key
    Member.objects.filter(pk=demo["crro"].pk).update(is_active=False)  # no signal: token kept
    refused = _me(key)
    assert refused.status_code == 401
    assert "has expired or was revoked" in refused.json()["detail"]


def test_checking_a_token_is_one_query_with_its_member_and_agency(
    demo: dict[str, Member], django_assert_num_queries: Any
) -> None:
    """Asked on every API request: the token by its digest, its member and their agency in one
    query (knox's own check made two, the second reading every token of the member)."""
    for name in ("Phone", "Laptop", "Tablet"):
        token_issue(member=demo["crro"], name=name)
    key = token_issue(member=demo["crro"]).key
    ApiTokenAuthentication().authenticate_credentials(key.encode())  # notes its first use
    with django_assert_num_queries(1):
        member, token = ApiTokenAuthentication().authenticate_credentials(key.encode())
        assert member.agency is not None
    assert member == demo["crro"]
    assert token.digest == hashlib.sha512(key.encode()).hexdigest()
