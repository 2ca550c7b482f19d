"""The notification pages: the inbox, acknowledging and replying from it, the channels page, the
delivery panel and situation reports on the incident, and what every page carries for live
alerts. Each page changes things only through the services and answers 400, 403 or 409."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from escalation.models import SituationReport
from notifications.models import (
    ContactPreference,
    LiveEvent,
    Notification,
    NotificationState,
    ReplyKind,
)
from partnership.models import AuditEvent, Member
from tests import factories
from tests.world import ClientFor

pytestmark = pytest.mark.django_db


def _page(client: Client, url: str, **query: Any) -> str:
    response = client.get(url, query)
    assert response.status_code == 200
    return response.content.decode()


# --- The inbox -----------------------------------------------------------------------------------
def test_inbox_lists_the_referral_and_filters(
    client_for: ClientFor, demo: dict[str, Member]
) -> None:
    incident = factories.incident_declared()
    referral = factories.referral_alert(incident)
    client = client_for("crro")

    page = _page(client, "/inbox/")
    assert referral.title in page
    assert "Essential details of the developing situation" in page  # its purposes, in words
    assert "Not yet acknowledged" in page
    assert f'href="/incidents/{incident.pk}/"' in page
    assert f'action="/inbox/{referral.pk}/acknowledge/"' in page
    assert f'action="/inbox/{referral.pk}/reply/"' in page

    assert referral.title in _page(client, "/inbox/", show="unread")
    # The referral asks for no reply, so it is not waiting for one.
    page = _page(client, "/inbox/", show="reply")
    assert referral.title not in page
    assert "Nothing is waiting for your reply." in page
    # An unknown filter shows everything rather than failing.
    assert referral.title in _page(client, "/inbox/", show="nonsense")


def test_acknowledging_from_the_inbox_then_again_is_a_409(
    client_for: ClientFor, demo: dict[str, Member]
) -> None:
    incident = factories.incident_declared()
    referral = factories.referral_alert(incident)
    client = client_for("crro")

    response = client.post(f"/inbox/{referral.pk}/acknowledge/", {"show": "unread"})
    assert response.status_code == 302
    assert response["Location"] == f"/inbox/?show=unread#n-{referral.pk}"
    referral.refresh_from_db()
    assert referral.state == NotificationState.ACKNOWLEDGED
    assert referral.acknowledged_via == "web"
    page = _page(client, "/inbox/", show="unread")
    assert f"Acknowledged: {referral.title}." in page  # the message after the redirect
    assert f'id="n-{referral.pk}"' not in page
    page = _page(client, "/inbox/")
    assert f'id="n-{referral.pk}"' in page
    assert f'action="/inbox/{referral.pk}/acknowledge/"' not in page

    response = client.post(f"/inbox/{referral.pk}/acknowledge/")
    assert response.status_code == 409
    assert "This notification was already acknowledged at" in response.content.decode()

    response = client.post("/inbox/999999/acknowledge/")
    assert response.status_code == 400
    assert "No such notification." in response.content.decode()


def test_replying_from_the_inbox_shows_on_the_incident(
    client_for: ClientFor, demo: dict[str, Member]
) -> None:
    incident = factories.incident_declared()
    referral = factories.referral_alert(incident)
    client = client_for("crro")

    response = client.post(f"/inbox/{referral.pk}/reply/", {"kind": "answer", "text": ""})
    assert response.status_code == 400
    assert "Write your reply." in response.content.decode()
    response = client.post(f"/inbox/{referral.pk}/reply/", {"kind": "shrug", "text": "Hm"})
    assert response.status_code == 400
    referral.refresh_from_db()
    assert referral.state == NotificationState.OPEN

    response = client.post(
        f"/inbox/{referral.pk}/reply/",
        {"kind": "answer", "text": "On my way to the centre with the REC director."},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.state == NotificationState.ANSWERED
    assert referral.reply_kind == ReplyKind.ANSWER
    assert referral.reply == "On my way to the centre with the REC director."
    assert referral.acknowledged_via == "web"

    response = client.post(f"/inbox/{referral.pk}/reply/", {"kind": "answer", "text": "Again"})
    assert response.status_code == 409
    assert "You have already replied" in response.content.decode()

    page = _page(client_for("coordinator"), f"/incidents/{incident.pk}/")
    assert "Who was told" in page
    assert "On my way to the centre with the REC director." in page
    assert ReplyKind.ANSWER.label in page


def test_nobody_else_can_see_or_acknowledge_a_members_notification(
    client_for: ClientFor, demo: dict[str, Member]
) -> None:
    incident = factories.incident_declared()
    referral = factories.referral_alert(incident)
    other = client_for("panel-housing")

    assert referral.title not in _page(other, "/inbox/")
    assert other.post(f"/inbox/{referral.pk}/acknowledge/").status_code == 403
    response = other.post(f"/inbox/{referral.pk}/reply/", {"kind": "confirm", "text": "Yes"})
    assert response.status_code == 403
    referral.refresh_from_db()
    assert referral.state == NotificationState.OPEN
    assert referral.acknowledged_at is None


# --- The delivery panel --------------------------------------------------------------------------
def test_delivery_panel_shows_who_was_told_and_who_is_late(
    client_for: ClientFor, demo: dict[str, Member]
) -> None:
    incident = factories.incident_declared()
    referral = factories.referral_alert(incident)
    first_rung = int(referral.ack_ladder[0]["after_seconds"])
    Notification.objects.filter(pk=referral.pk).update(
        created_at=timezone.now() - timedelta(seconds=first_rung + 60)
    )
    told = Notification.objects.filter(scope=f"incident:{incident.pk}")
    people = told.values("recipient").distinct().count()

    page = _page(client_for("coordinator"), f"/incidents/{incident.pk}/")
    assert "Who was told" in page
    assert f"{people} people told" in page
    assert "· 0 acknowledged · 1 late ·" in page
    assert str(demo["crro"]) in page
    assert demo["crro"].agency is not None
    assert demo["crro"].agency.name in page
    assert "Community and Race Relations Officer" in page  # addressed as the role
    assert page.count('class="is-late"') == 1
    assert page.count("data-late") == 1
    assert "Live alert:" in page  # channels with their state

    # Once acknowledged it is no longer late.
    client_for("crro").post(f"/inbox/{referral.pk}/acknowledge/")
    page = _page(client_for("coordinator"), f"/incidents/{incident.pk}/")
    assert "· 1 acknowledged · 0 late ·" in page
    assert 'class="is-late"' not in page
    assert "on the website" in page  # how it was acknowledged


# --- Situation reports ---------------------------------------------------------------------------
def _sitrep(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "roles": ["role:council_chief_officer"],
        "purposes": ["accuracy"],
        "message": "Crowd dispersed by 22:00; two arrests. Please check the council's figures.",
    }
    data.update(overrides)
    return data


def test_situation_report_asks_for_a_reply_and_shows_who_has_not_answered(
    client_for: ClientFor, demo: dict[str, Member]
) -> None:
    incident = factories.incident_declared()
    crro = client_for("crro")
    chief = client_for("chief")
    incident_url = f"/incidents/{incident.pk}/"
    assert "Send a situation report" in _page(crro, incident_url)

    response = crro.post(f"/incidents/{incident.pk}/situation-reports/", _sitrep())
    assert response.status_code == 302
    report = SituationReport.objects.get(incident=incident)
    assert response["Location"] == f"{incident_url}#situation-report-{report.pk}"
    assert report.audiences == ["role:council_chief_officer"]
    assert report.purposes == ["accuracy"]
    sent = Notification.objects.get(
        subject_type="escalation.situationreport", subject_id=str(report.pk)
    )
    assert sent.recipient == demo["chief"]

    page = _page(chief, "/inbox/", show="reply")
    assert sent.title in page
    assert "Reply needed" in page
    assert "A check for accuracy" in page

    page = _page(crro, incident_url)
    assert "Situation report sent to 1 person." in page
    assert "Crowd dispersed by 22:00" in page
    assert f"Not yet answered: {demo['chief']}" in page

    response = chief.post(
        f"/inbox/{sent.pk}/reply/",
        {"kind": "correct", "text": "Three arrests, not two.", "show": "reply"},
    )
    assert response.status_code == 302
    assert f'id="n-{sent.pk}"' not in _page(chief, "/inbox/", show="reply")
    page = _page(crro, incident_url)
    assert "Not yet answered" not in page
    assert "Three arrests, not two." in page
    assert ReplyKind.CORRECT.label in page


def test_situation_report_errors_come_back_on_the_form(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = factories.incident_declared()
    url = f"/incidents/{incident.pk}/situation-reports/"
    response = client_for("crro").post(url, _sitrep(roles=[], message=""))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose at least one role or agency to send it to." in page
    assert "Write the update." in page
    assert 'href="#sitrep-roles_0"' in page
    response = client_for("crro").post(url, _sitrep(roles=["role:nobody"]))
    assert response.status_code == 400
    assert not SituationReport.objects.exists()


def test_a_panel_member_cannot_send_a_situation_report(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = factories.incident_declared()
    response = client_for("panel-housing").post(
        f"/incidents/{incident.pk}/situation-reports/", _sitrep()
    )
    # Housing was never told of the incident: to them it does not exist.
    assert response.status_code == 404
    # The officer sees it but may not send one.
    response = client_for("officer").post(f"/incidents/{incident.pk}/situation-reports/", _sitrep())
    assert response.status_code == 403
    assert not SituationReport.objects.exists()
    # Someone who sees the incident but may not send one is not offered the form.
    page = _page(client_for("officer"), f"/incidents/{incident.pk}/")
    assert "Send a situation report" not in page
    assert "Who was told" in page


# --- Channels ------------------------------------------------------------------------------------
def test_channels_page_saves_and_audits_without_the_number(
    client_for: ClientFor, demo: dict[str, Member]
) -> None:
    client = client_for("chief")
    page = _page(client, "/account/channels/")
    assert "Live alerts are always on" in page
    assert "use every" in page  # urgent notifications use every channel with an address

    response = client.post(
        "/account/channels/",
        {"sms": "on", "sms_number": "07700 900123", "webhook_url": ""},
    )
    assert response.status_code == 302
    preference = ContactPreference.objects.get(member=demo["chief"])
    assert (preference.email, preference.sms, preference.sms_number) == (
        False,
        True,
        "07700 900123",
    )
    assert not preference.webhook
    event = AuditEvent.objects.get(verb="contact.changed")
    assert event.actor == demo["chief"]
    assert event.changes == {"fields": ["email", "sms", "sms_number"]}
    assert "07700" not in json.dumps(event.changes)
    assert "Your channels are saved." in _page(client, "/account/channels/")

    response = client.post("/account/channels/", {"webhook": "on", "webhook_url": ""})
    assert response.status_code == 400
    assert "Give the web address to send notifications to." in response.content.decode()
    response = client.post("/account/channels/", {"sms": "on", "sms_number": "call me"})
    assert response.status_code == 400
    assert AuditEvent.objects.filter(verb="contact.changed").count() == 1

    response = client.post(
        "/account/channels/",
        {"email": "on", "webhook": "on", "webhook_url": "https://desk.example.org/hook"},
    )
    assert response.status_code == 302
    latest = AuditEvent.objects.filter(verb="contact.changed").order_by("-id").first()
    assert latest is not None
    assert latest.changes == {"fields": ["email", "sms", "sms_number", "webhook", "webhook_url"]}
    assert "example.org" not in json.dumps(latest.changes)


# --- Every page ----------------------------------------------------------------------------------
def test_pages_carry_the_unread_badge_and_live_alert_settings(
    client_for: ClientFor, demo: dict[str, Member]
) -> None:
    incident = factories.incident_declared()
    crro = demo["crro"]
    referral = factories.referral_alert(incident)
    # Senders number live events after commit, which this test's transaction never reaches.
    LiveEvent.objects.create(member=crro, notification=referral, payload={"type": "notification"})
    latest = LiveEvent.objects.create(member=crro, payload={"type": "notification.updated"})
    unread = Notification.objects.filter(recipient=crro, state=NotificationState.OPEN).count()
    assert unread >= 1

    page = _page(client_for("crro"), "/")
    assert 'data-alerts-socket="/ws/alerts/"' in page
    assert f'data-member-id="{crro.pk}"' in page
    assert f'data-unread="{unread}"' in page
    assert f'data-last-event-id="{latest.pk}"' in page
    assert f"{unread} unread notification" in page
    assert 'href="/inbox/"' in page
    assert 'role="alert"' in page
    assert 'aria-live="polite"' in page
    assert "/static/js/alerts.js" in page
    assert "<script>" not in page  # no inline scripts

    # Someone with nothing yet: a zero count and no events.
    page = _page(client_for("panel-health"), "/")
    assert 'data-unread="0"' in page
    assert 'data-last-event-id="0"' in page
    assert "0 unread notifications" in page

    anonymous = Client().get("/accounts/login/").content.decode()
    for absent in ("data-alerts-socket", "data-unread", "unread notification", "alerts.js"):
        assert absent not in anonymous


def test_a_situation_report_offers_the_partnerships_agencies_and_warns_where_nobody_is_told(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = factories.incident_declared()
    url = f"/incidents/{incident.pk}/situation-reports/"
    crro = client_for("crro")
    page = _page(crro, f"/incidents/{incident.pk}/")
    # Only kinds of agency the partnership has (the demo has no education or probation agency).
    assert 'value="agency:rec"' in page
    assert 'value="agency:education"' not in page
    assert 'value="agency:probation"' not in page
    # Housing is in the partnership, but nobody speaks for it there: it says so beside the box.
    assert "Housing (nobody there would be told)" in page

    response = crro.post(url, _sitrep(roles=[], agencies=["agency:housing", "agency:rec"]))
    assert response.status_code == 400
    assert not SituationReport.objects.exists()
    html = response.content.decode()
    assert "Nobody who speaks for Housing uses this service in the partnership" in html
    # The form now offers to send it anyway.
    assert 'name="send_anyway"' in html

    response = crro.post(
        url, _sitrep(roles=[], agencies=["agency:housing", "agency:rec"], send_anyway="on")
    )
    assert response.status_code == 302
    assert SituationReport.objects.get().audiences == ["agency:housing", "agency:rec"]
    # An agency kind the partnership does not have is refused, not sent to nobody.
    response = crro.post(url, _sitrep(roles=[], agencies=["agency:education"]))
    assert response.status_code == 400
