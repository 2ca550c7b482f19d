"""Sign-in for people (session) and for API clients (token), both throttled.

Failed attempts are counted per username and per client address in the shared cache (Redis in
production, so every Daphne process sees the same count). Past the limit, further attempts are
refused without checking the password until the window has passed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from rest_framework.authtoken.models import Token

from partnership.models import Member
from partnership.timeline import audit_record


def _keys(username: str, address: str) -> list[str]:
    # Usernames are hashed so the cache holds no identifiers in clear.
    user_key = hashlib.sha256(username.lower().encode()).hexdigest()[:32]
    return [f"login-fail:user:{user_key}", f"login-fail:addr:{address}"]


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


@dataclass(frozen=True)
class TooManyAttemptsError(Exception):
    retry_after: int

    def __str__(self) -> str:
        minutes = max(1, round(self.retry_after / 60))
        return (
            "Too many failed sign-in attempts. Wait "
            f"{minutes} minute{'s' if minutes != 1 else ''} and try again, or ask an administrator."
        )


def login_throttle_check(*, username: str, address: str) -> None:
    """Raise ``TooManyAttemptsError`` when this username or address has failed too often."""
    for key in _keys(username, address):
        if (cache.get(key) or 0) >= settings.LOGIN_THROTTLE_ATTEMPTS:
            raise TooManyAttemptsError(retry_after=settings.LOGIN_THROTTLE_WINDOW)


def login_failure_record(*, username: str, address: str) -> None:
    for key in _keys(username, address):
        cache.add(key, 0, timeout=settings.LOGIN_THROTTLE_WINDOW)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=settings.LOGIN_THROTTLE_WINDOW)


def login_success_record(*, username: str, address: str) -> None:
    cache.delete(_keys(username, address)[0])


def credentials_check(*, request: HttpRequest, username: str, password: str) -> Member | None:
    """Authenticate under the throttle. Returns the member, or None for wrong credentials."""
    address = client_address(request)
    login_throttle_check(username=username, address=address)
    user = authenticate(request, username=username, password=password)
    if user is None or not isinstance(user, Member):
        login_failure_record(username=username, address=address)
        return None
    login_success_record(username=username, address=address)
    return user


@transaction.atomic
def token_issue(*, member: Member) -> Token:
    """The member's API token; issuing one is recorded, reusing one is not."""
    token, created = Token.objects.get_or_create(user=member)
    if created:
        audit_record(actor=member, verb="token.issued", subject=member)
    return token
