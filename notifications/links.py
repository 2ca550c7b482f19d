"""Where a notification points, and the signed single-use link that acknowledges it by email."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import NoReverseMatch, reverse

from notifications.models import Notification
from partnership.scopes import Scope, ScopeKind

_SCOPE_PAGES: dict[ScopeKind, str] = {}
_ACK_SALT = "notifications.acknowledge-link"


def scope_page_register(kind: ScopeKind, url_name: str) -> None:
    """Apps say which page shows a kind of scope (the page takes the record's ``pk``)."""
    _SCOPE_PAGES[kind] = url_name


def scope_url(stored: str) -> str:
    """The page of the case a notification is about (its stored ``scope``); the inbox when no
    page shows it."""
    try:
        scope = Scope.parse_stored(stored)
    except ValueError:
        scope = None
    name = _SCOPE_PAGES.get(scope.kind) if scope is not None else None
    if scope is None or name is None:
        return reverse("inbox")
    try:
        return reverse(name, kwargs={"pk": scope.pk})
    except (NoReverseMatch, ValueError):
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
