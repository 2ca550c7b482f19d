"""The outbox: channels per member, retries with backoff, failures alerting the co-ordinator,
email with an acknowledge link and calendar invitations, replies."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.utils import timezone

from escalation import services as escalation_services
from notifications import services
from notifications.dispatch import deliveries_send, delivery_attempt
from notifications.jobs import deliveries_run
from notifications.models import (
    ContactPreference,
    Delivery,
    DeliveryState,
    Notification,
    NotificationState,
    OutboundMessage,
)
from notifications.selectors import notifications_of
from partnership.audiences import Audience
from partnership.models import AuditEvent, Member
from tests import factories
from tests.notifications.conftest import Backends
from tests.world import ClientFor

pytestmark = pytest.mark.django_db


def _send_all(*notifications: Notification) -> None:
    deliveries_send([n.pk for n in notifications])


def test_each_channel_is_attempted_and_recorded(demo: dict[str, Member]) -> None:
    ContactPreference.objects.create(member=demo["crro"], sms=True)
    referral = factories.referral_alert(factories.incident_declared())
    _send_all(referral)
    states = dict(referral.deliveries.values_list("channel", "state"))
    # Email in tests goes to Django's local memory and text messages to the recording backend:
    # both kept, neither sent, and so neither "delivered".
    assert states == {"live": "delivered", "email": "recorded", "sms": "recorded"}
    assert OutboundMessage.objects.get(channel="sms").address == demo["crro"].phone
    events = AuditEvent.objects.filter(subject_id=str(referral.pk))
    assert events.filter(verb="notification.delivered").count() == 1
    assert set(
        events.filter(verb="notification.recorded").values_list("changes__channel", flat=True)
    ) == {"email", "sms"}
    for delivery in referral.deliveries.all():
        assert delivery.attempt_log.count() == 1


def test_urgent_goes_on_every_channel_normal_only_on_the_chosen(demo: dict[str, Member]) -> None:
    coordinator = demo["coordinator"]
    ContactPreference.objects.create(member=coordinator, email=False, sms=False)
    normal, *_ = factories.notifications(
        audiences=[Audience.role("csp_coordinator")], subject=coordinator, cause="t:normal"
    )
    urgent, *_ = factories.notifications(
        audiences=[Audience.role("csp_coordinator")],
        subject=coordinator,
        cause="t:urgent",
        title="Now",
        urgency="urgent",
    )
    assert set(normal.deliveries.values_list("channel", flat=True)) == {"live"}
    assert set(urgent.deliveries.values_list("channel", flat=True)) == {"live", "email", "sms"}


def test_the_same_cause_never_notifies_the_same_person_twice(demo: dict[str, Member]) -> None:
    for _ in range(2):
        factories.notifications(
            audiences=[Audience.role("crro"), Audience.member(demo["crro"].pk)],
            subject=demo["crro"],
            cause="same-cause",
            title="t",
        )
    assert Notification.objects.filter(recipient=demo["crro"]).count() == 1


def test_a_failing_channel_retries_with_backoff_and_leaves_the_others_alone(
    demo: dict[str, Member], backends: Backends, settings: Any
) -> None:
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    backends(
        sms="tests.notifications.backends.FailingBackend",
        email="tests.notifications.backends.AcceptingBackend",
    )
    ContactPreference.objects.create(member=demo["crro"], sms=True)
    referral = factories.referral_alert(factories.incident_declared())
    _send_all(referral)
    sms = referral.deliveries.get(channel="sms")
    assert sms.state == DeliveryState.PENDING
    assert sms.attempts == 1
    assert "provider said no" in sms.last_error
    assert sms.next_attempt_at is not None
    first_wait = sms.next_attempt_at - timezone.now()
    assert timedelta(seconds=25) < first_wait <= timedelta(seconds=30)
    assert referral.deliveries.get(channel="email").state == DeliveryState.DELIVERED
    # Not yet due: nothing happens.
    assert delivery_attempt(delivery_id=sms.pk) is None
    later = timezone.now() + timedelta(seconds=31)
    assert delivery_attempt(delivery_id=sms.pk, now=later) is False
    sms.refresh_from_db()
    assert sms.attempts == 2
    assert sms.next_attempt_at is not None
    assert sms.next_attempt_at - later > timedelta(seconds=55)  # doubled
    assert delivery_attempt(delivery_id=sms.pk, now=later + timedelta(minutes=5)) is False
    sms.refresh_from_db()
    assert sms.state == DeliveryState.FAILED
    assert sms.attempt_log.count() == 3
    # Email got through, so nobody needs to chase another way.
    assert not Notification.objects.filter(idempotency_key__contains=":undeliverable:").exists()


def test_a_person_unreachable_on_every_channel_alerts_the_coordinator(
    demo: dict[str, Member], backends: Backends
) -> None:
    backends(
        email="tests.notifications.backends.RefusingBackend",
        sms="tests.notifications.backends.RefusingBackend",
    )
    ContactPreference.objects.create(member=demo["crro"], sms=True)
    referral = factories.referral_alert(factories.incident_declared())
    _send_all(referral)
    assert set(referral.deliveries.exclude(channel="live").values_list("state", flat=True)) == {
        "failed"
    }
    alert = Notification.objects.get(
        idempotency_key__startswith=f"notification:{referral.pk}:undeliverable"
    )
    assert alert.recipient.username == "coordinator"
    assert "Could not reach Ravi Chandra" in alert.title


@pytest.mark.django_db(transaction=True)
def test_the_sweep_sends_what_a_crashed_process_left(demo: dict[str, Member]) -> None:
    from notifications.dispatch import senders_wait

    referral = factories.referral_alert(factories.incident_declared())
    assert senders_wait()
    mail.outbox.clear()
    # As if the process had died after claiming the email and before sending it.
    Delivery.objects.filter(notification=referral, channel="email").update(
        state="pending",
        delivered_at=None,
        next_attempt_at=timezone.now() - timedelta(seconds=1),
        claimed_until=timezone.now() - timedelta(seconds=1),
    )
    deliveries_run()
    assert referral.deliveries.get(channel="email").state == DeliveryState.RECORDED
    assert len([m for m in mail.outbox if referral.title in m.subject]) == 1


def _ack_link(message: Any) -> str:
    found = re.search(r"https?://[^/\s]+(/n/ack/[^\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


def test_email_carries_a_link_that_acknowledges_once(demo: dict[str, Member]) -> None:
    referral = factories.referral_alert(factories.incident_declared())
    _send_all(referral)
    (email,) = [m for m in mail.outbox if m.to == ["crro@demo.invalid"]]
    assert email.subject.startswith("[URGENT] ")
    link = _ack_link(email)
    visitor = Client()
    page = visitor.get(link)
    assert page.status_code == 200
    referral.refresh_from_db()
    assert referral.state == NotificationState.OPEN  # a mail scanner's GET changes nothing
    done = visitor.post(link)
    assert done.status_code == 200
    referral.refresh_from_db()
    assert referral.state == NotificationState.ACKNOWLEDGED
    assert referral.acknowledged_via == "email-link"
    again = visitor.post(link)
    assert again.status_code == 410
    assert "already been used" in again.content.decode()


def test_email_link_is_refused_after_expiry_and_when_forged(
    demo: dict[str, Member], settings: Any
) -> None:
    referral = factories.referral_alert(factories.incident_declared())
    _send_all(referral)
    link = _ack_link(next(m for m in mail.outbox if m.to == ["crro@demo.invalid"]))
    settings.ACK_LINK_MAX_AGE = 1
    time.sleep(2.1)
    expired = Client().post(link)
    assert expired.status_code == 410
    assert "expired" in expired.content.decode()
    assert Client().post(link[:-6] + "abcde/").status_code == 400
    referral.refresh_from_db()
    assert referral.state == NotificationState.OPEN


def test_debrief_invitation_email_has_a_calendar_invite(demo: dict[str, Member]) -> None:
    incident = factories.incident_declared()
    factories.duty_done(
        incident,
        "organise-debrief",
        by=demo["ppc"],
        meeting=factories.debrief(
            invitees=[demo["rec"], demo["crro"]],
            starts_at=timezone.now() + timedelta(days=2),
            hours=1,
            location="Police HQ, Room 2",
        ),
    )
    invitation = Notification.objects.get(recipient=demo["rec"], subject_type="escalation.meeting")
    _send_all(invitation)
    (email,) = [m for m in mail.outbox if m.to == ["rec@demo.invalid"]]
    (name, content, mimetype) = email.attachments[0]
    assert name == "invite.ics"
    assert mimetype.startswith("text/calendar")
    assert "METHOD:REQUEST" in content
    assert "LOCATION:Police HQ\\, Room 2" in content
    assert "ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:rec@demo.invalid" in content


def test_an_accuracy_check_stays_open_until_replied(demo: dict[str, Member]) -> None:
    incident = factories.incident_declared()
    report = escalation_services.situation_report_send(
        actor=demo["crro"],
        incident_id=incident.pk,
        audiences=[Audience.role("council_chief_officer")],
        purposes=["situation", "accuracy"],
        message="Is the council's account of the march right?",
    )
    check = Notification.objects.get(recipient=demo["chief"], subject_id=str(report.pk))
    assert check.needs_reply
    services.notification_acknowledge(member=demo["chief"], notification_id=check.pk, via="web")
    assert list(notifications_of(demo["chief"], needs_reply=True)) == [check]
    services.notification_reply(
        member=demo["chief"],
        notification_id=check.pk,
        kind="correct",
        text="The march started at 18:00, not 19:00.",
    )
    check.refresh_from_db()
    assert check.state == NotificationState.ANSWERED
    assert list(notifications_of(demo["chief"], needs_reply=True)) == []
    # The sender is told of the reply (feedback is essential).
    told = Notification.objects.get(
        recipient=demo["crro"], idempotency_key__startswith=f"notification:{check.pk}:reply"
    )
    assert "18:00" in told.body


def test_only_the_recipient_acknowledges_or_replies(demo: dict[str, Member]) -> None:
    from django.core.exceptions import PermissionDenied

    referral = factories.referral_alert(factories.incident_declared())
    with pytest.raises(PermissionDenied):
        services.notification_acknowledge(
            member=demo["coordinator"], notification_id=referral.pk, via="web"
        )
    with pytest.raises(PermissionDenied):
        services.notification_reply(
            member=demo["coordinator"], notification_id=referral.pk, kind="confirm", text="x"
        )


def test_api_lists_mine_and_acknowledges_and_replies(
    client_for: ClientFor, demo: dict[str, Member]
) -> None:
    referral = factories.referral_alert(factories.incident_declared())
    crro = client_for("crro")
    mine = crro.get("/api/notifications/?unread=true").json()
    assert [n["id"] for n in mine] == [referral.pk]
    assert (
        client_for("coordinator").post(f"/api/notifications/{referral.pk}/acknowledge/").status_code
        == 403
    )
    ok = crro.post(f"/api/notifications/{referral.pk}/acknowledge/")
    assert ok.status_code == 200
    assert ok.json()["state"] == "acknowledged"
    again = crro.post(f"/api/notifications/{referral.pk}/acknowledge/")
    assert again.status_code == 409
    assert "already acknowledged" in again.json()["detail"]
    assert crro.get("/api/notifications/?unread=true").json() == []
    bad = crro.post(
        f"/api/notifications/{referral.pk}/reply/",
        {"kind": "shrug", "reply": ""},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert set(bad.json()) == {"kind", "reply"}
    good = crro.post(
        f"/api/notifications/{referral.pk}/reply/",
        {"kind": "confirm", "reply": "Understood."},
        content_type="application/json",
    )
    assert good.json()["reply_kind"] == "confirm"


def test_situation_report_api_shows_replies_and_who_has_not_answered(
    client_for: ClientFor, demo: dict[str, Member]
) -> None:
    incident = factories.incident_declared()
    coordinator = client_for("coordinator")
    sent = coordinator.post(
        f"/api/incidents/{incident.pk}/situation-reports/",
        {
            "audiences": ["role:council_chief_officer", "agency:rec"],
            "purposes": ["information"],
            "message": "Any reports of further gatherings?",
        },
        content_type="application/json",
    )
    assert sent.status_code == 201, sent.content
    assert sorted(sent.json()["not_yet_answered"]) == ["chief", "rec"]
    rec_note = Notification.objects.get(
        recipient=demo["rec"], subject_type="escalation.situationreport"
    )
    services.notification_reply(
        member=demo["rec"], notification_id=rec_note.pk, kind="answer", text="Yes: Saturday."
    )
    listed = coordinator.get(f"/api/incidents/{incident.pk}/situation-reports/").json()[0]
    assert listed["replies"][0]["recipient"] == "rec"
    assert "rec" not in listed["not_yet_answered"]
    refused = client_for("panel-police").post(
        f"/api/incidents/{incident.pk}/situation-reports/",
        {"audiences": ["role:crro"], "purposes": ["situation"], "message": "x"},
        content_type="application/json",
    )
    assert refused.status_code in (403, 404)
    bad = coordinator.post(
        f"/api/incidents/{incident.pk}/situation-reports/",
        {"audiences": ["role:astronaut"], "purposes": ["situation"], "message": "x"},
        content_type="application/json",
    )
    assert bad.status_code == 400


@pytest.mark.django_db(transaction=True)
def test_the_sweep_sends_a_live_alert_a_crashed_process_left(demo: dict[str, Member]) -> None:
    from notifications.dispatch import senders_wait
    from notifications.models import LiveEvent

    referral = factories.referral_alert(factories.incident_declared())
    assert senders_wait()
    # As if the process had died after the commit and before its senders ran.
    Delivery.objects.filter(notification=referral, channel="live").update(
        state="pending", delivered_at=None, next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    LiveEvent.objects.filter(notification=referral).delete()
    deliveries_run()
    assert referral.deliveries.get(channel="live").state == DeliveryState.DELIVERED
    assert LiveEvent.objects.filter(notification=referral).count() == 1


def test_a_batch_outcome_changes_only_deliveries_its_transition_accepts(
    demo: dict[str, Member],
) -> None:
    """Live alerts are recorded in batches: the one bulk path keeps the state machine's rules."""
    referral = factories.referral_alert(factories.incident_declared())
    live = referral.deliveries.get(channel="live")
    email = referral.deliveries.get(channel="email")
    email.give_up(error="mailbox gone")
    email.save()
    now = timezone.now()
    both = Delivery.objects.filter(pk__in=[live.pk, email.pk])
    assert both.outcomes_record("delivered", at=now) == 1
    live.refresh_from_db()
    email.refresh_from_db()
    assert (live.state, live.delivered_at, live.attempts) == (DeliveryState.DELIVERED, now, 1)
    assert (email.state, email.delivered_at, email.attempts) == (DeliveryState.FAILED, None, 0)
    assert both.outcomes_record("give_up", error="late") == 0  # neither is pending any more


@pytest.mark.django_db(transaction=True)
def test_a_live_alert_numbered_before_a_crash_is_not_numbered_again(
    demo: dict[str, Member],
) -> None:
    """Issue 13 item 10: the sender numbered the event and died before recording the delivery;
    when the claim expires the sweep sends it again, and the member still has one event for it."""
    from django.db import IntegrityError

    from notifications.dispatch import senders_wait
    from notifications.models import LiveEvent

    referral = factories.referral_alert(factories.incident_declared())
    assert senders_wait()
    (event,) = LiveEvent.objects.filter(notification=referral)
    # As if the sender had died after numbering the event: its claim has since expired.
    Delivery.objects.filter(notification=referral, channel="live").update(
        state="pending",
        delivered_at=None,
        next_attempt_at=timezone.now() - timedelta(minutes=3),
        claimed_until=timezone.now() - timedelta(seconds=1),
    )
    deliveries_run()
    assert referral.deliveries.get(channel="live").state == DeliveryState.DELIVERED
    assert list(LiveEvent.objects.filter(notification=referral)) == [event]
    # The database itself refuses a second event showing the notification to its recipient...
    with pytest.raises(IntegrityError), transaction.atomic():
        LiveEvent.objects.create(
            member_id=referral.recipient_id, notification=referral, payload={"type": "x"}
        )
    # ...while updates to it (acknowledged, answered) are events of their own.
    services.notification_acknowledge(
        member=referral.recipient, notification_id=referral.pk, via="web"
    )
    assert senders_wait()
    updates = LiveEvent.objects.filter(
        member_id=referral.recipient_id, payload__type="notification.updated"
    )
    assert [u.payload["notification_id"] for u in updates] == [referral.pk]


def test_an_email_that_can_never_be_sent_fails_at_once_and_is_not_retried(
    demo: dict[str, Member],
) -> None:
    """Issue 13 item 8: a header error fails the same way every time: no retries."""
    incident = factories.incident_declared()
    referral = factories.referral_alert(incident)
    # A title written before the rule (the migration puts old rows on one line; a bug might not).
    Notification.objects.filter(pk=referral.pk).update(title="Referral\nBcc: x@else.invalid")
    referral.deliveries.filter(channel="email").update(state="pending", attempts=0)
    mail.outbox.clear()
    deliveries_send([referral.pk])
    email = referral.deliveries.get(channel="email")
    assert email.state == DeliveryState.FAILED
    assert email.attempts == 1
    assert "BadHeaderError" in email.last_error
    assert mail.outbox == []
