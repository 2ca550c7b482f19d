"""Whether each channel members use really sends.

A channel whose backend only keeps messages (the recording backend, email printed to the console)
is fine in development; in production it would leave people believing they were told. So
``DJANGO_ENV=production`` refuses to start (``config/asgi.py``, ``manage.py runscheduler``) while a
channel that carries messages to any member only records them, unless
``NOTIFICATION_CHANNELS_WITHOUT`` says this deployment does without that channel; ``/healthz``
reports every channel either way.

A channel carries messages to a member who chose it, and also to every member with an address for
it, since urgent messages use every channel a member has an address for (``member_channels``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError
from django.db.models import Q

from notifications.channels import CHANNELS_WITH_BACKENDS, backend_for
from notifications.models import Channel
from partnership.models import Member

log = structlog.get_logger(__name__)

# What to set instead, per channel, in the message that refuses to start.
_REAL = {
    Channel.EMAIL: "EMAIL_URL (SMTP), or "
    "EMAIL_CHANNEL_BACKEND=notifications.notify.NotifyEmailBackend with NOTIFY_API_KEY and "
    "NOTIFY_EMAIL_TEMPLATE_ID",
    Channel.SMS: "SMS_BACKEND=notifications.notify.NotifySmsBackend with NOTIFY_API_KEY and "
    "NOTIFY_SMS_TEMPLATE_ID",
    Channel.WEBHOOK: "WEBHOOK_BACKEND=notifications.channels.HttpWebhookBackend",
}


def channel_members() -> dict[str, int]:
    """How many active members each channel carries messages to (chosen, or urgent ones)."""
    active = Member.objects.filter(is_active=True)
    # ``> ""``: an address that is there (members without preferences have no contact row).
    return {
        Channel.EMAIL: active.filter(email__gt="").count(),
        Channel.SMS: active.filter(Q(phone__gt="") | Q(contact__sms_number__gt="")).count(),
        Channel.WEBHOOK: active.filter(contact__webhook_url__gt="").count(),
    }


def channels_not_sent() -> set[str]:
    """The channels whose messages this deployment only records (one whose backend is not
    configured sends nothing either), for pages that let members choose them."""
    found = set()
    for channel in CHANNELS_WITH_BACKENDS:
        try:
            sends = backend_for(channel).sends
        except ImproperlyConfigured:
            sends = False
        if not sends:
            found.add(str(channel))
    return found


@dataclass(frozen=True)
class ChannelReadiness:
    channel: str
    sends: bool
    members: int
    done_without: bool

    @property
    def ok(self) -> bool:
        """Messages on it leave the service, or nobody's go by it, or the deployment said so."""
        return self.sends or self.members == 0 or self.done_without

    def public(self) -> dict[str, Any]:
        """For ``/healthz``, which anyone may read: no counts of people, no class names."""
        return {"ok": self.ok, "sends": self.sends, "done_without": self.done_without}

    def problem(self) -> str:
        channel = Channel(self.channel)
        return (
            f"{channel.label}: messages to {self.members} members would be recorded, not sent "
            f"({settings.NOTIFICATION_BACKENDS[channel]}). Set {_REAL[channel]}, "
            f"or add {self.channel} to NOTIFICATION_CHANNELS_WITHOUT if this deployment does "
            "without it."
        )


def channels_readiness() -> list[ChannelReadiness]:
    """Each channel's backend (built here, so a Notify backend missing its key fails now) and
    whether it sends. Reads the database."""
    members = channel_members()
    return [
        ChannelReadiness(
            channel=channel,
            sends=backend_for(channel).sends,
            members=members[channel],
            done_without=channel in settings.NOTIFICATION_CHANNELS_WITHOUT,
        )
        for channel in CHANNELS_WITH_BACKENDS
    ]


def channels_health() -> dict[str, Any]:
    """The ``channels`` part of ``/healthz``."""
    found = channels_readiness()
    return {
        "ok": all(c.ok for c in found),
        **{c.channel: c.public() for c in found},
    }


def production_start_check() -> None:
    """In production, raise ``ImproperlyConfigured`` (and so refuse to start) while a channel
    members use only records. A database that cannot be read at start is logged and left to
    ``/healthz``, so a process started during a database restart still comes up."""
    if not settings.PRODUCTION:
        return
    try:
        found = channels_readiness()
    except DatabaseError as exc:
        log.warning("channels.not_checked", reason=type(exc).__name__)
        return
    problems = [c.problem() for c in found if not c.ok]
    for channel in found:
        if channel.done_without and not channel.sends:
            log.warning("channels.done_without", channel=channel.channel, members=channel.members)
    if problems:
        raise ImproperlyConfigured("DJANGO_ENV=production refuses to start: " + " ".join(problems))
