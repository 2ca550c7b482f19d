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
from django.utils import timezone
from rest_framework.authtoken.models import Token

from partnership.models import Member, Role, TotpDevice
from partnership.timeline import audit_record
from partnership.totp import totp_match, totp_secret_new


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
    counts = []
    for key in _keys(username, address):
        cache.add(key, 0, timeout=settings.LOGIN_THROTTLE_WINDOW)
        try:
            counts.append(cache.incr(key))
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=settings.LOGIN_THROTTLE_WINDOW)
            counts.append(1)
    if counts[0] == settings.LOGIN_THROTTLE_ATTEMPTS:
        _lockout_record(username=username, address=address)


@transaction.atomic
def _lockout_record(*, username: str, address: str) -> None:
    """The moment an account is locked out, on the timeline (only for real members: guesses at
    names that do not exist are not worth a row each)."""
    member = Member.objects.filter(username__iexact=username).first()
    if member is None:
        return
    audit_record(
        actor=None,
        verb="member.login_locked",
        subject=member,
        changes={
            "failures": settings.LOGIN_THROTTLE_ATTEMPTS,
            "locked_for_seconds": settings.LOGIN_THROTTLE_WINDOW,
            "address": address,
        },
    )


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


# --- The second factor -------------------------------------------------------------------------
def second_factor_needed(member: Member) -> str | None:
    """ "verify" when the member has an authenticator, "enrol" when they must set one up first,
    None when a password is enough."""
    device = TotpDevice.objects.filter(member=member, confirmed_at__isnull=False).first()
    if device is not None:
        return "verify"
    privileged = member.is_superuser or member.has_role(
        Role.ADMINISTRATOR, Role.SENIOR_POLICE_OFFICER
    )
    if settings.TOTP_REQUIRED_FOR_PRIVILEGED and privileged:
        return "enrol"
    return None


@transaction.atomic
def totp_enrol_start(*, member: Member) -> TotpDevice:
    """A new, unconfirmed authenticator secret (replacing an unconfirmed one)."""
    device, _ = TotpDevice.objects.select_for_update().get_or_create(
        member=member, defaults={"secret": totp_secret_new()}
    )
    if device.confirmed_at is None and not device.secret:
        device.secret = totp_secret_new()
        device.save(update_fields=["secret"])
    return device


@transaction.atomic
def totp_check(*, member: Member, code: str, address: str) -> bool:
    """Verify a code (confirming a new authenticator with its first good code). A code is good
    once; failures count towards the same lock-out as wrong passwords."""
    login_throttle_check(username=member.get_username(), address=address)
    device = TotpDevice.objects.select_for_update().filter(member=member).first()
    step = totp_match(device.secret, code) if device is not None else None
    if device is None or step is None or step <= device.last_step:
        login_failure_record(username=member.get_username(), address=address)
        return False
    device.last_step = step
    fields = ["last_step"]
    if device.confirmed_at is None:
        device.confirmed_at = timezone.now()
        fields.append("confirmed_at")
        audit_record(actor=member, verb="member.second_factor_enrolled", subject=member)
    device.save(update_fields=fields)
    login_success_record(username=member.get_username(), address=address)
    return True
