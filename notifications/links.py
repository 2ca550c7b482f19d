"""Where a notification points, and the signed single-use link that acknowledges it by email."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import NoReverseMatch, reverse

from notifications.models import Notification

_SCOPE_PAGES: dict[str, str] = {}
_ACK_SALT = "notifications.acknowledge-link"


def scope_page_register(kind: str, url_name: str) -> None:
    """Apps say which page shows a scope such as ``incident:12`` (the page takes ``pk``)."""
    _SCOPE_PAGES[kind] = url_name


def scope_url(scope: str) -> str:
    kind, _, pk = scope.partition(":")
    name = _SCOPE_PAGES.get(kind)
    if name is None or not pk.isdigit():
        return reverse("inbox")
    try:
        return reverse(name, kwargs={"pk": int(pk)})
    except NoReverseMatch:
        return reverse("inbox")


def ack_token(notification: Notification) -> str:
    return signing.dumps({"n": notification.pk}, salt=_ACK_SALT, compress=True)


def ack_token_read(token: str) -> int:
    """The notification id in a link; raises ``signing.SignatureExpired`` or
    ``signing.BadSignature``."""
    data = signing.loads(token, salt=_ACK_SALT, max_age=settings.ACK_LINK_MAX_AGE)
    return int(data["n"])


def ack_url(notification: Notification) -> str:
    return settings.SITE_URL + reverse(
        "notification-ack-link", kwargs={"token": ack_token(notification)}
    )
