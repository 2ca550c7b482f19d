"""GOV.UK Notify carries text messages and email: each request signed and shaped as Notify's API
expects (checked by a stand-in on loopback), its answers mapped to delivered, failed for good, or
tried again later."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

from notifications.dispatch import deliveries_send, delivery_attempt
from notifications.models import ContactPreference, Delivery, DeliveryState, Notification
from notifications.notify import NotifySmsBackend
from partnership.models import AuditEvent, Member
from tests import factories
from tests.notifications.conftest import Backends
from tests.notifications.notify_standin import (
    API_KEY,
    EMAIL_TEMPLATE,
    SERVICE_ID,
    SMS_TEMPLATE,
    NotifyStandIn,
    running,
)

pytestmark = pytest.mark.django_db

SMS = "notifications.notify.NotifySmsBackend"
EMAIL = "notifications.notify.NotifyEmailBackend"


@pytest.fixture
def notify(settings: Any, backends: Backends) -> Iterator[NotifyStandIn]:
    """Text messages and email through Notify, pointed at the stand-in."""
    for stand_in in running(NotifyStandIn()):
        settings.NOTIFY_API_KEY = API_KEY
        settings.NOTIFY_BASE_URL = stand_in.base_url
        settings.NOTIFY_SMS_TEMPLATE_ID = SMS_TEMPLATE
        settings.NOTIFY_EMAIL_TEMPLATE_ID = EMAIL_TEMPLATE
        backends(sms=SMS, email=EMAIL)
        yield stand_in


def _referral_by_sms(demo: dict[str, Member]) -> tuple[Notification, Delivery]:
    """The referral a declaration sends the CRRO, who chose text messages; sent once."""
    ContactPreference.objects.create(member=demo["crro"], email=False, sms=True)
    referral = factories.referral_alert(factories.incident_declared())
    deliveries_send([referral.pk])
    return referral, referral.deliveries.get(channel="sms")


def test_a_text_message_goes_to_notify_signed_and_shaped_as_its_api_expects(
    demo: dict[str, Member], notify: NotifyStandIn
) -> None:
    referral, sms = _referral_by_sms(demo)
    assert sms.state == DeliveryState.DELIVERED, sms.last_error
    (request,) = [r for r in notify.received if r.path == "/v2/notifications/sms"]
    assert request.problems == []
    assert request.claims["iss"] == SERVICE_ID
    assert request.body["phone_number"] == demo["crro"].phone
    assert request.body["template_id"] == SMS_TEMPLATE
    assert request.body["reference"] == f"notification-{referral.pk}-sms"
    personalisation = request.body["personalisation"]
    assert personalisation["title"] == referral.title
    # The text message itself: what happened and the ask, and the link, in 160 characters.
    assert personalisation["body"] == f"{referral.title} {personalisation['url']}"
    assert len(personalisation["body"]) <= 160
    assert personalisation["url"].startswith(django_settings.SITE_URL + "/incidents/")
    assert AuditEvent.objects.filter(
        verb="notification.delivered", subject_id=str(referral.pk), changes__channel="sms"
    ).exists()


def test_an_email_goes_to_notify_with_its_acknowledge_link(
    demo: dict[str, Member], notify: NotifyStandIn
) -> None:
    referral = factories.referral_alert(factories.incident_declared())
    deliveries_send([referral.pk])
    email = referral.deliveries.get(channel="email")
    assert email.state == DeliveryState.DELIVERED, email.last_error
    (request,) = [r for r in notify.received if r.path == "/v2/notifications/email"]
    assert request.problems == []
    assert request.body["email_address"] == demo["crro"].email
    assert request.body["template_id"] == EMAIL_TEMPLATE
    assert request.body["reference"] == f"notification-{referral.pk}-email"
    personalisation = request.body["personalisation"]
    assert personalisation["subject"].endswith(referral.title)
    assert personalisation["ack_url"].startswith(django_settings.SITE_URL + "/n/ack/")


def test_a_wrong_key_is_refused_by_notify_and_never_retried(
    demo: dict[str, Member], notify: NotifyStandIn, settings: Any
) -> None:
    # The same service, another secret: Notify cannot verify the signature.
    settings.NOTIFY_API_KEY = API_KEY[:-36] + "00000000-0000-4000-8000-000000000000"
    _referral, sms = _referral_by_sms(demo)
    assert sms.state == DeliveryState.FAILED
    assert sms.attempts == 1
    assert "GOV.UK Notify answered 403" in sms.last_error
    assert "Signature" in notify.received[-1].problems[0]


@pytest.mark.parametrize(
    "message", ["phone_number Not a UK mobile number", "Can't send to this recipient"]
)
def test_a_message_notify_refuses_fails_at_once(
    demo: dict[str, Member], notify: NotifyStandIn, message: str
) -> None:
    notify.answer("sms", 400, message)
    referral, sms = _referral_by_sms(demo)
    assert sms.state == DeliveryState.FAILED
    assert sms.attempts == 1
    assert sms.last_error == f"GOV.UK Notify answered 400: {message}"
    assert AuditEvent.objects.filter(
        verb="notification.delivery_failed", subject_id=str(referral.pk), changes__channel="sms"
    ).exists()


def test_a_rate_limit_or_a_notify_error_is_tried_again_later_then_delivered(
    demo: dict[str, Member], notify: NotifyStandIn
) -> None:
    notify.answer(
        "sms", 429, "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds"
    )
    notify.answer("sms", 500, "Internal server error")
    _referral, sms = _referral_by_sms(demo)
    assert (sms.state, sms.attempts) == (DeliveryState.PENDING, 1)
    assert "429" in sms.last_error
    assert sms.next_attempt_at is not None
    later = sms.next_attempt_at + timedelta(seconds=1)
    assert delivery_attempt(delivery_id=sms.pk, now=later) is False
    sms.refresh_from_db()
    assert (sms.state, sms.attempts) == (DeliveryState.PENDING, 2)
    assert "500" in sms.last_error
    assert sms.next_attempt_at is not None
    assert delivery_attempt(delivery_id=sms.pk, now=sms.next_attempt_at) is True
    sms.refresh_from_db()
    assert sms.state == DeliveryState.DELIVERED
    assert [r.problems for r in notify.received if r.path.endswith("/sms")] == [[], [], []]


def test_notify_out_of_reach_is_tried_again_later(
    demo: dict[str, Member], notify: NotifyStandIn, settings: Any
) -> None:
    settings.NOTIFY_BASE_URL = "http://127.0.0.1:1"  # nothing listens on port 1
    settings.NOTIFICATION_SEND_TIMEOUT = 2
    _referral, sms = _referral_by_sms(demo)
    assert (sms.state, sms.attempts) == (DeliveryState.PENDING, 1)
    assert "GOV.UK Notify answered 503" in sms.last_error


@pytest.mark.parametrize(
    ("setting", "value", "said"),
    [
        ("NOTIFY_API_KEY", "", "NOTIFY_API_KEY must be set"),
        ("NOTIFY_API_KEY", "not-a-key", "does not look like a GOV.UK Notify key"),
        ("NOTIFY_SMS_TEMPLATE_ID", "", "NOTIFY_SMS_TEMPLATE_ID must be the id"),
    ],
)
def test_notify_without_its_key_or_template_is_a_configuration_error(
    settings: Any, setting: str, value: str, said: str
) -> None:
    settings.NOTIFY_API_KEY = API_KEY
    settings.NOTIFY_SMS_TEMPLATE_ID = SMS_TEMPLATE
    setattr(settings, setting, value)
    with pytest.raises(ImproperlyConfigured, match=said):
        NotifySmsBackend()
