"""Delivery channels behind one small interface.

A backend's ``send`` either returns (the channel took the message) or raises ``DeliveryError``;
every backend has a timeout, so a hanging provider costs one worker a bounded time and never
blocks the others. A backend's ``sends`` says whether taking the message means sending it: the
ones that only keep it (``RecordingBackend``; email printed to the console) leave the delivery
"recorded, not sent", never "delivered". Text messages and webhooks default to
``RecordingBackend`` (development and tests); production points ``SMS_BACKEND`` (and
``EMAIL_CHANNEL_BACKEND``) at GOV.UK Notify (``notifications.notify``) and ``WEBHOOK_BACKEND`` at
``HttpWebhookBackend``, and refuses to start while a channel members use only records
(``notifications.readiness``).
"""

from __future__ import annotations

import http.client
import json
import smtplib
import socket
import ssl
from functools import cache
from typing import Protocol

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMultiAlternatives, get_connection
from django.utils import timezone
from django.utils.module_loading import import_string

from notifications.ics import ics_invite, meeting_for
from notifications.links import ack_url, scope_url
from notifications.models import Channel, Notification, OutboundMessage, Purpose
from notifications.webhooks import WebhookAddressError, WebhookTarget, webhook_target
from notifications.wording import sms_text


class DeliveryError(Exception):
    """The channel did not take the message. ``permanent`` errors are not retried."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Backend(Protocol):
    @property
    def sends(self) -> bool:
        """Whether a message this backend takes leaves the service (False: it is only kept)."""
        ...

    def send(self, *, notification: Notification, address: str, channel: str) -> None: ...


def plain_text(notification: Notification) -> str:
    """The message as text: what email and text messages say, whatever carries them."""
    purposes = "; ".join(Purpose(p).label for p in notification.purposes)
    lines = [
        notification.body,
        "",
        f"Purpose: {purposes}.",
        f"Open it: {settings.SITE_URL}{scope_url(notification.scope)}",
    ]
    if notification.needs_reply:
        lines.append("This message asks for your reply: please answer it in the service.")
    return "\n".join(lines)


# Django's email backends that keep a message instead of sending it (the console is the default
# without EMAIL_URL; tests use local memory).
_EMAIL_BACKENDS_THAT_KEEP = frozenset(
    {
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
    }
)


class EmailBackend:
    """Django's configured email backend (console by default, SMTP by EMAIL_URL)."""

    @property
    def sends(self) -> bool:
        return settings.EMAIL_BACKEND not in _EMAIL_BACKENDS_THAT_KEEP

    def send(self, *, notification: Notification, address: str, channel: str) -> None:
        body = (
            plain_text(notification)
            + "\n\nAcknowledge that you have read this, without signing in (the link works once"
            + f" and expires):\n{ack_url(notification)}\n"
        )
        subject = ("[URGENT] " if notification.urgency == "urgent" else "") + notification.title
        email = EmailMultiAlternatives(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            connection=get_connection(timeout=settings.NOTIFICATION_SEND_TIMEOUT),
        )
        invite = meeting_for(notification.subject_type, notification.subject_id)
        if invite is not None:
            email.attach(
                "invite.ics",
                ics_invite(invite, now=timezone.now()),
                "text/calendar; method=REQUEST",
            )
        try:
            email.send()
        except Exception as exc:
            raise DeliveryError(
                f"{type(exc).__name__}: {exc}", permanent=_email_error_is_permanent(exc)
            ) from exc


def _email_error_is_permanent(exc: Exception) -> bool:
    """Whether sending the same email again could ever work. A header Django refuses (a line
    break in a subject) or text that cannot be encoded fails the same way every time, as does an
    SMTP 5xx answer; timeouts, refused connections and 4xx answers may pass later."""
    if isinstance(exc, BadHeaderError | ValueError | UnicodeError):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


class RecordingBackend:
    """Writes the message to ``OutboundMessage`` instead of sending it."""

    sends = False

    def send(self, *, notification: Notification, address: str, channel: str) -> None:
        OutboundMessage.objects.create(
            channel=channel,
            address=address,
            body=(
                sms_text(notification, settings.SITE_URL + scope_url(notification.scope))
                if channel == Channel.SMS
                else f"{notification.title}\n{plain_text(notification)}"
            ),
            notification=notification,
        )


def _socket_to(address: str, port: int, timeout: float | None) -> socket.socket:
    """A TCP connection to exactly ``address`` (an IP literal): nothing is resolved again."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect((address, port))
    except OSError:
        sock.close()
        raise
    return sock


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Plain HTTP (development only) to an address already checked."""

    def __init__(self, target: WebhookTarget, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = _socket_to(self._address, self.port, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to an address already checked: the socket goes to that address, while the
    certificate is verified for the name (and the name is sent as SNI and ``Host``)."""

    def __init__(self, target: WebhookTarget, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self._tls)
        self._address = target.address

    def connect(self) -> None:
        sock = _socket_to(self._address, self.port, self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


class HttpWebhookBackend:
    """POSTs a JSON description of the notification to the member's webhook address, within the
    webhook policy (``notifications.webhooks``): the address is resolved and checked at every
    send, the connection goes to the address checked, and redirects are not followed."""

    sends = True

    def send(self, *, notification: Notification, address: str, channel: str) -> None:
        try:
            target = webhook_target(address)
        except WebhookAddressError as exc:
            raise DeliveryError(str(exc), permanent=True) from exc
        except (OSError, UnicodeError) as exc:  # the name does not resolve (now)
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
        payload = json.dumps(
            {
                "id": notification.pk,
                "title": notification.title,
                "urgency": notification.urgency,
                "purposes": notification.purposes,
                "url": settings.SITE_URL + scope_url(notification.scope),
            }
        ).encode()
        timeout = settings.NOTIFICATION_SEND_TIMEOUT
        connection: http.client.HTTPConnection = (
            _PinnedHTTPSConnection(target, timeout)
            if target.scheme == "https"
            else _PinnedHTTPConnection(target, timeout)
        )
        try:
            connection.request(
                "POST", target.path, body=payload, headers={"Content-Type": "application/json"}
            )
            status = connection.getresponse().status
        except (OSError, http.client.HTTPException) as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
        finally:
            connection.close()
        if 300 <= status < 400:
            raise DeliveryError(f"HTTP {status}: webhooks do not follow redirects", permanent=True)
        if status >= 400:
            raise DeliveryError(f"HTTP {status}", permanent=400 <= status < 500 and status != 429)


@cache
def backend_for(channel: str) -> Backend:
    path = settings.NOTIFICATION_BACKENDS[channel]
    backend: Backend = import_string(path)()
    return backend


def backends_reset() -> None:
    """Forget built backends (tests that swap a backend through settings)."""
    backend_for.cache_clear()


CHANNELS_WITH_BACKENDS = (Channel.EMAIL, Channel.SMS, Channel.WEBHOOK)
