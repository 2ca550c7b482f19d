"""Text messages and email through GOV.UK Notify, the Government Digital Service's messaging
service for the public sector, with its client library
(``notifications-python-client``): it signs every request with a fresh JWT (``iss`` the service
id, ``iat`` now, HS256 with the key's secret) and turns error answers into exceptions we map to
retry or not.

Notify sends what a template says; our templates (made once in Notify, their ids in settings) are
filled from personalisation: a text message gets ``title``, ``body`` and ``url``; an email gets
``subject``, ``body``, ``url`` and ``ack_url`` (README, "GOV.UK Notify templates"). Each message
carries a reference naming the notification and channel, so Notify's own records can be matched to
ours. Calendar invitations are not attached: Notify sends no ``.ics`` files (the email's link opens
the conference, with its time).
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import structlog
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from notifications_python_client.errors import APIError, InvalidResponse
from notifications_python_client.notifications import NotificationsAPIClient

from notifications.channels import DeliveryError, plain_text
from notifications.links import ack_url, scope_url
from notifications.models import Notification, Urgency
from notifications.wording import sms_text

log = structlog.get_logger(__name__)

# The client keeps a requests session and says it is not thread-safe: one per sender thread.
_clients = threading.local()


def _api_key() -> str:
    """The API key as Notify issues it: ``<key name>-<service id>-<secret>``, both uuids."""
    key = settings.NOTIFY_API_KEY
    if not key:
        raise ImproperlyConfigured("NOTIFY_API_KEY must be set to send through GOV.UK Notify")
    try:
        uuid.UUID(key[-73:-37])
        uuid.UUID(key[-36:])
    except ValueError:
        raise ImproperlyConfigured(
            "NOTIFY_API_KEY does not look like a GOV.UK Notify key "
            "(<key name>-<service id>-<secret>)"
        ) from None
    return str(key)


def _template(setting: str) -> str:
    value = str(getattr(settings, setting, ""))
    try:
        uuid.UUID(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{setting} must be the id of a GOV.UK Notify template (a uuid)"
        ) from None
    return value


def _client() -> NotificationsAPIClient:
    key, base_url = _api_key(), settings.NOTIFY_BASE_URL
    client: NotificationsAPIClient | None = getattr(_clients, "client", None)
    if client is None or getattr(_clients, "made_from", None) != (key, base_url):
        # The library has no annotations on its constructor.
        client = NotificationsAPIClient(  # type: ignore[no-untyped-call]
            key, base_url=base_url, timeout=settings.NOTIFICATION_SEND_TIMEOUT
        )
        _clients.client, _clients.made_from = client, (key, base_url)
    return client


def _reference(notification: Notification, channel: str) -> str:
    return f"notification-{notification.pk}-{channel}"


def _words(error: APIError) -> str:
    message: Any = error.message
    if isinstance(message, list):  # {"errors": [{"error": ..., "message": ...}, ...]}
        message = "; ".join(str(e.get("message", e)) for e in message if isinstance(e, dict))
    return f"GOV.UK Notify answered {error.status_code}: {message}"


def _sent(call: Any, **arguments: Any) -> None:
    """Make one request; a refusal that can never succeed (400: the message or number is wrong;
    403: the key is wrong) is permanent, a rate limit (429) or a server error (5xx, and a
    connection that failed or timed out, which the client reports as 503) is tried again later."""
    try:
        call(**arguments)
    except InvalidResponse as exc:
        if exc.status_code < 300:
            # Accepted (Notify answers 201), though its answer could not be read: sending again
            # would send twice.
            log.warning("notify.unreadable_answer", status=exc.status_code)
            return
        raise DeliveryError(_words(exc), permanent=exc.status_code < 500) from exc
    except APIError as exc:
        status = exc.status_code
        retried = status == 429 or status >= 500
        raise DeliveryError(_words(exc), permanent=not retried) from exc


class NotifySmsBackend:
    """Text messages through GOV.UK Notify (``SMS_BACKEND=notifications.notify.NotifySmsBackend``,
    with ``NOTIFY_API_KEY`` and ``NOTIFY_SMS_TEMPLATE_ID``)."""

    sends = True

    def __init__(self) -> None:
        _api_key()
        self.template_id = _template("NOTIFY_SMS_TEMPLATE_ID")

    def send(self, *, notification: Notification, address: str, channel: str) -> None:
        _sent(
            _client().send_sms_notification,
            phone_number=address,
            template_id=self.template_id,
            # A text message is the title (what happened, what is asked) and the link, in 160
            # characters where possible: the template is "((body))".
            personalisation={
                "title": notification.title,
                "body": sms_text(notification, settings.SITE_URL + scope_url(notification.scope)),
                "url": settings.SITE_URL + scope_url(notification.scope),
            },
            reference=_reference(notification, channel),
        )


class NotifyEmailBackend:
    """Email through GOV.UK Notify
    (``EMAIL_CHANNEL_BACKEND=notifications.notify.NotifyEmailBackend``, with ``NOTIFY_API_KEY``
    and ``NOTIFY_EMAIL_TEMPLATE_ID``)."""

    sends = True

    def __init__(self) -> None:
        _api_key()
        self.template_id = _template("NOTIFY_EMAIL_TEMPLATE_ID")

    def send(self, *, notification: Notification, address: str, channel: str) -> None:
        urgent = notification.urgency == Urgency.URGENT
        _sent(
            _client().send_email_notification,
            email_address=address,
            template_id=self.template_id,
            personalisation={
                "subject": ("[URGENT] " if urgent else "") + notification.title,
                "body": plain_text(notification),
                "url": settings.SITE_URL + scope_url(notification.scope),
                "ack_url": ack_url(notification),
            },
            reference=_reference(notification, channel),
        )
