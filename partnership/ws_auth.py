"""Websocket authentication: the session cookie, or else an ``Authorization: Token …`` header;
and the check an open websocket repeats (``scope_member_now``) to find out whether what let it in
still holds."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from partnership.auth import token_member
from partnership.models import Member


@database_sync_to_async  # type: ignore[untyped-decorator]
def _scope_for_token(key: str, partnership: str) -> dict[str, Any]:
    found = token_member(key)
    if found is None:
        return {"user": AnonymousUser()}
    member, token = found
    if partnership:
        # As the API's X-Partnership header; one they do not work in leaves them in none.
        member.work_in(member.partnerships.filter(slug=partnership).first())
    # The digest, not the key: the socket re-checks the token by it (``scope_member_now``).
    # Its expiry too: a socket that trusts its last check (``partnership.access_marks``) trusts
    # it no longer than the token lives.
    return {"user": member, "api_token": token.digest, "api_token_expiry": token.expiry}


def _session_hash_holds(member: Member, stored: object) -> bool:
    # Stricter than Django's own check, which also accepts hashes made with a secret key being
    # rotated out: such a socket closes and its page reconnects with the session renewed.
    return isinstance(stored, str) and constant_time_compare(stored, member.get_session_auth_hash())


def scope_member_now(scope: dict[str, Any]) -> Member | None:
    """The member a websocket was opened for, read afresh (with their agency), while they are
    still active and the credential it was opened with (the API token, or the session) still
    holds: not revoked or expired, not signed out, and the password not changed since. None
    otherwise. A socket's own permission check is then asked of this member, as they are now."""
    user = scope.get("user")
    if not isinstance(user, Member):
        return None
    digest = scope.get("api_token")
    members = Member.objects.select_related("agency").filter(pk=user.pk, is_active=True)
    if digest is not None:
        # The member with a live token of that digest, in one query: asked on every resume of
        # every open page. (One filter() call: the token matched is the same row throughout.)
        now = timezone.now()
        return next(
            iter(
                members.filter(
                    Q(auth_token_set__expiry__isnull=True) | Q(auth_token_set__expiry__gt=now),
                    auth_token_set__digest=digest,
                ).order_by()[:1]
            ),
            None,
        )
    member = members.order_by("pk").first()
    if member is None:
        return None
    session_key = getattr(scope.get("session"), "session_key", None)
    if not session_key:
        return None
    # A fresh read: the scope's own session was loaded when the socket opened.
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
    data = store.load()
    held = str(data.get(SESSION_KEY)) == str(member.pk) and _session_hash_holds(
        member, data.get(HASH_SESSION_KEY)
    )
    return member if held else None


class TokenHeaderMiddleware:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        user = scope.get("user")
        if user is None or not user.is_authenticated:
            headers = dict(scope.get("headers") or [])
            value = headers.get(b"authorization", b"").decode("latin-1")
            scheme, _, key = value.partition(" ")
            if scheme.lower() == "token" and key.strip():
                requested = headers.get(b"x-partnership", b"").decode("latin-1").strip()
                scope = dict(scope, **await _scope_for_token(key.strip(), requested))
        return await self.inner(scope, receive, send)


def WebsocketAuthMiddleware(inner: Any) -> Any:  # noqa: N802 (named like channels' stacks)
    return AuthMiddlewareStack(TokenHeaderMiddleware(inner))


class BrowserOriginValidator(OriginValidator):  # type: ignore[misc]
    """Refuses websockets opened by pages of other sites (cross-site websocket hijacking).

    Browsers always send ``Origin``; clients outside a browser (token holders) may not, and have
    nothing to hijack, so a missing ``Origin`` is let through to authentication.
    """

    def valid_origin(self, parsed_origin: Any) -> bool:
        if parsed_origin is None:
            return True
        return bool(self.validate_origin(parsed_origin))


def OriginCheck(inner: Any) -> Any:  # noqa: N802 (named like channels' validators)
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    return BrowserOriginValidator(inner, allowed)
