"""Websocket authentication: the session cookie, or else an ``Authorization: Token …`` header."""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from rest_framework.authtoken.models import Token


@database_sync_to_async  # type: ignore[untyped-decorator]
def _member_for_token(key: str) -> Any:
    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        return AnonymousUser()
    return token.user


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
                scope = dict(scope, user=await _member_for_token(key.strip()))
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
