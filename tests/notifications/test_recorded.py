"""A message a backend only kept (the recording backend, email kept in memory or printed to the
console) is "recorded, not sent" wherever a delivery is shown: the incident's delivery panel, the
API and the timeline. Never "Delivered". A member choosing channels is told which only record."""

from __future__ import annotations

from typing import Any

import pytest

from notifications.dispatch import deliveries_send
from notifications.models import (
    ContactPreference,
    DeliveryState,
    Notification,
    OutboundMessage,
    Unreachable,
)
from partnership.models import AuditEvent, Member
from review.timeline import event_describe
from tests import factories
from tests.notifications.conftest import Backends
from tests.notifications.notify_standin import API_KEY, SMS_TEMPLATE
from tests.world import ClientFor

pytestmark = pytest.mark.django_db


def _referral_kept(demo: dict[str, Member]) -> Notification:
    """The CRRO's referral, by text message (recording backend) and email (kept in memory)."""
    ContactPreference.objects.create(member=demo["crro"], sms=True)
    referral = factories.referral_alert(factories.incident_declared())
    deliveries_send([referral.pk])
    return referral


def test_a_kept_message_is_recorded_not_sent_never_delivered(demo: dict[str, Member]) -> None:
    referral = _referral_kept(demo)
    sms = referral.deliveries.get(channel="sms")
    assert sms.state == DeliveryState.RECORDED
    assert sms.get_state_display() == "Recorded, not sent"
    assert sms.delivered_at is None
    assert sms.attempts == 1
    assert OutboundMessage.objects.filter(notification=referral, channel="sms").count() == 1
    assert referral.deliveries.get(channel="email").state == DeliveryState.RECORDED
    # The live alert did reach the channel layer.
    assert referral.deliveries.get(channel="live").state == DeliveryState.DELIVERED


def test_the_delivery_panel_says_recorded_not_sent(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    referral = _referral_kept(demo)
    page = client_for("coordinator").get(f"/incidents/{referral.scope.split(':')[1]}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "<li>Text message: Recorded, not sent</li>" in text
    assert "<li>Email: Recorded, not sent</li>" in text
    assert "Text message: Delivered" not in text
    assert "Email: Delivered" not in text
    assert "<li>Live alert: Delivered</li>" in text


def test_the_api_says_recorded_not_sent(demo: dict[str, Member], client_for: ClientFor) -> None:
    referral = _referral_kept(demo)
    listed = client_for("crro").get("/api/notifications/").json()
    (mine,) = [n for n in listed if n["id"] == referral.pk]
    states = {d["channel"]: (d["state"], d["state_label"]) for d in mine["deliveries"]}
    assert states == {
        "live": ("delivered", "Delivered"),
        "email": ("recorded", "Recorded, not sent"),
        "sms": ("recorded", "Recorded, not sent"),
    }
    assert all(d["delivered_at"] is None for d in mine["deliveries"] if d["channel"] != "live")


def test_the_timeline_says_recorded_not_sent(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    referral = _referral_kept(demo)
    events = AuditEvent.objects.filter(subject_id=str(referral.pk))
    recorded = events.get(verb="notification.recorded", changes__channel="sms")
    assert event_describe(recorded) == (
        "Recorded, not sent, for Ravi Chandra, Thames Valley Police: Text message (this "
        "deployment's backend for it only keeps messages)"
    )
    assert not events.filter(verb="notification.delivered", changes__channel="sms").exists()
    timeline = client_for("gold").get(f"/incidents/{referral.scope.split(':')[1]}/timeline/")
    assert timeline.status_code == 200
    assert "Recorded, not sent, for Ravi Chandra, Thames Valley Police: Text message" in (
        timeline.content.decode()
    )


def test_the_channels_page_says_which_channels_are_only_recorded(
    demo: dict[str, Member], client_for: ClientFor, settings: Any, backends: Backends
) -> None:
    sms_warning = "This service does not send text messages: messages are recorded, not sent"
    page = client_for("crro").get("/account/channels/").content.decode()
    assert sms_warning in page
    assert "This service does not send webhooks" in page
    settings.NOTIFY_API_KEY = API_KEY
    settings.NOTIFY_SMS_TEMPLATE_ID = SMS_TEMPLATE
    backends(sms="notifications.notify.NotifySmsBackend")
    page = client_for("crro").get("/account/channels/").content.decode()
    assert sms_warning not in page
    assert "This service does not send webhooks" in page


@pytest.mark.parametrize(
    ("failing", "recording"), [("sms", "email"), ("email", "sms")], ids=["sms-fails", "email-fails"]
)
def test_a_message_only_recorded_does_not_count_as_reaching_someone_another_channel_failed(
    demo: dict[str, Member], backends: Backends, failing: str, recording: str
) -> None:
    # Whichever finishes last, the failure or the recording, the co-ordinator hears of it.
    backends(
        **{
            failing: "tests.notifications.backends.RefusingBackend",
            recording: "notifications.channels.RecordingBackend",
        }
    )
    ContactPreference.objects.create(member=demo["crro"], sms=True)
    referral = factories.referral_alert(factories.incident_declared())
    deliveries_send([referral.pk])
    states = dict(referral.deliveries.exclude(channel="live").values_list("channel", "state"))
    assert states == {failing: "failed", recording: "recorded"}
    assert Unreachable.objects.get(notification=referral).channels == [failing]
    notice = Notification.objects.get(
        idempotency_key__startswith=f"notification:{referral.pk}:undeliverable"
    )
    assert notice.recipient.username == "coordinator"


def test_nothing_failed_nothing_to_report(demo: dict[str, Member]) -> None:
    referral = _referral_kept(demo)  # email and text message both only recorded
    assert not Unreachable.objects.filter(notification=referral).exists()
