"""The sign-in throttle: slows anyone guessing passwords or codes, without letting them lock the
member out.

Each failed sign-in (a wrong password, or the right password with a wrong or missing code) is
counted in the shared cache (Redis in production, so every Daphne process sees the same counts)
against the client that made it:

- a client the account **knows** (a browser holding the signed device cookie this service gave
  it when that member last signed in there, or an address the member signed in from within
  ``LOGIN_KNOWN_CLIENT_DAYS``) has its own allowance, ``LOGIN_THROTTLE_ATTEMPTS`` per window, for
  that account;
- **any other client** counts against the account's one allowance for unknown clients
  (``LOGIN_THROTTLE_ATTEMPTS`` per window) and against its address's allowance
  (``LOGIN_THROTTLE_ADDRESS_ATTEMPTS`` per window, whichever accounts it tries).

Past an allowance that client is refused, without its password being checked, until the window
has passed. An attacker can therefore use up only the allowance for unknown clients: the member
still signs in from their own browser or their usual office, and sessions already signed in are
not touched. The moment an account's allowance for unknown clients runs out is a lock-out: it goes
on the timeline and is told to the administrators (through the listener the notifications app
registers, since this app may not import it). docs/security.md explains the rule.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from django.utils.crypto import salted_hmac

from partnership.models import AuditEvent, Member, SignInAddress
from partnership.timeline import audit_record

log = structlog.get_logger(__name__)

DEVICE_COOKIE = "signin_device"
_DEVICE_SALT = "partnership.signin-device"
# A browser shared by a few people (a duty office) is known to each of them; more is not useful.
_DEVICE_MEMBERS_MAX = 8


@dataclass(frozen=True)
class TooManyAttemptsError(Exception):
    retry_after: int

    def __str__(self) -> str:
        minutes = max(1, round(self.retry_after / 60))
        return (
            "Too many failed sign-in attempts. Wait "
            f"{minutes} minute{'s' if minutes != 1 else ''} and try again, or ask an administrator."
        )


@dataclass(frozen=True)
class SignInClient:
    """Who is trying to sign in to which account, as the throttle sees them."""

    address: str
    account: str  # a hash of the username as typed (lower case), so unknown names count too
    member_id: int | None
    known_as: str | None  # "device:<nonce>" or "address" when the account knows this client
    device_nonce: str | None


@dataclass(frozen=True)
class Lockout:
    """An account's allowance for unknown clients has just run out."""

    member: Member
    reason: str  # "password" or "code": what the last failure got wrong
    address: str
    event: AuditEvent


LockoutListener = Callable[[Lockout], None]
_LOCKOUT_LISTENERS: list[LockoutListener] = []


def lockout_listener_register(listener: LockoutListener) -> None:
    """Called inside the lock-out's transaction (the notifications app tells administrators)."""
    if listener not in _LOCKOUT_LISTENERS:
        _LOCKOUT_LISTENERS.append(listener)


def client_address(request: HttpRequest) -> str:
    """The client's address; an IPv6 address stands for its /64 (one household or office rotates
    through a whole /64, so single addresses would be no limit)."""
    raw = str(request.META.get("REMOTE_ADDR") or "unknown")
    try:
        parsed = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _digest(value: str) -> str:
    # Keyed, so the database and the cache hold no addresses or names in clear and a leaked table
    # cannot be matched against a list of addresses without the secret key.
    return salted_hmac("partnership.signin", value, algorithm="sha256").hexdigest()


def _device_read(request: HttpRequest) -> dict[str, Any] | None:
    value = request.COOKIES.get(DEVICE_COOKIE)
    if not value:
        return None
    try:
        data = signing.loads(
            value, salt=_DEVICE_SALT, max_age=timedelta(days=settings.LOGIN_KNOWN_CLIENT_DAYS)
        )
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("d"), str):
        return None
    return data


def client_identify(request: HttpRequest, username: str) -> SignInClient:
    address = client_address(request)
    member = Member.objects.filter(username__iexact=username).order_by("pk").first()
    device = _device_read(request)
    nonce = device["d"] if device else None
    known_as = None
    if member is not None:
        if device is not None and member.pk in device.get("m", []):
            known_as = f"device:{nonce}"
        elif SignInAddress.objects.filter(
            member=member,
            address_digest=_digest(address),
            last_success_at__gte=timezone.now() - timedelta(days=settings.LOGIN_KNOWN_CLIENT_DAYS),
        ).exists():
            known_as = "address"
    return SignInClient(
        address=address,
        account=_digest(username.lower())[:32],
        member_id=member.pk if member else None,
        known_as=known_as,
        device_nonce=nonce,
    )


def _limits(client: SignInClient) -> list[tuple[str, int]]:
    if client.known_as is not None:
        known = client.known_as if client.known_as != "address" else _digest(client.address)
        return [(f"signin:known:{client.member_id}:{known}", settings.LOGIN_THROTTLE_ATTEMPTS)]
    return [
        (f"signin:account:{client.account}", settings.LOGIN_THROTTLE_ATTEMPTS),
        (
            f"signin:address:{_digest(client.address)[:32]}",
            settings.LOGIN_THROTTLE_ADDRESS_ATTEMPTS,
        ),
    ]


def throttle_check(client: SignInClient) -> None:
    """Raise ``TooManyAttemptsError`` when this client has used up an allowance."""
    for key, limit in _limits(client):
        if (cache.get(key) or 0) >= limit:
            raise TooManyAttemptsError(retry_after=settings.LOGIN_THROTTLE_WINDOW)


def failure_record(client: SignInClient, *, reason: str) -> None:
    """Count a failed attempt (``reason`` is "password" or "code")."""
    for key, limit in _limits(client):
        cache.add(key, 0, timeout=settings.LOGIN_THROTTLE_WINDOW)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=settings.LOGIN_THROTTLE_WINDOW)
            count = 1
        if count == limit:
            if key.startswith("signin:account:") and client.member_id is not None:
                _lockout_record(client, reason=reason)
            else:
                # Addresses rotate: one alert per blocked address would bury the real ones.
                log.warning("signin.client_blocked", kind=key.split(":")[1], reason=reason)


@transaction.atomic
def _lockout_record(client: SignInClient, *, reason: str) -> None:
    """The moment an account is locked to unknown clients: on the timeline, and told to the
    administrators (only for real members: guesses at names that do not exist are not worth a
    row each)."""
    if client.member_id is None:
        return
    member = Member.objects.filter(pk=client.member_id).first()
    if member is None:
        return
    event = audit_record(
        actor=None,
        verb="member.login_locked",
        subject=member,
        changes={
            "failures": settings.LOGIN_THROTTLE_ATTEMPTS,
            "locked_for_seconds": settings.LOGIN_THROTTLE_WINDOW,
            "reason": reason,
            "address": client.address,
            "applies_to": "clients that have not signed in to this account before",
        },
    )
    lockout = Lockout(member=member, reason=reason, address=client.address, event=event)
    for listener in _LOCKOUT_LISTENERS:
        listener(lockout)


def success_record(client: SignInClient, *, member: Member) -> None:
    """A complete sign-in (password and, where the member has one, the code): this client's own
    failures are forgotten and its address becomes known to the account. The allowance for
    unknown clients is left as it is: the member succeeding says nothing about the others."""
    if client.known_as is not None:
        cache.delete(_limits(client)[0][0])
    now = timezone.now()
    SignInAddress.objects.update_or_create(
        member=member, address_digest=_digest(client.address), defaults={"last_success_at": now}
    )
    SignInAddress.objects.filter(
        member=member,
        last_success_at__lt=now - timedelta(days=settings.LOGIN_KNOWN_CLIENT_DAYS),
    ).delete()


def device_cookie_set(request: HttpRequest, response: HttpResponseBase, *, member: Member) -> None:
    """Mark this browser as one the member signs in from (a signed cookie, renewed on every
    sign-in; it proves nothing by itself, it only exempts the browser from the lock that guesses
    from elsewhere can cause)."""
    device = _device_read(request) or {"d": secrets.token_urlsafe(12), "m": []}
    members = [pk for pk in device.get("m", []) if pk != member.pk][-(_DEVICE_MEMBERS_MAX - 1) :]
    value = signing.dumps({"d": device["d"], "m": [*members, member.pk]}, salt=_DEVICE_SALT)
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=settings.LOGIN_KNOWN_CLIENT_DAYS * 24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
