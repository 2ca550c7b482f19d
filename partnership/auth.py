"""Signing in (pages and API tokens) and the API tokens themselves: the accounts' services.

Sign-in checks the password and, where the member has an authenticator, its code in one step,
under the throttle of ``partnership.throttle``, and gives one answer for any wrong credential, so
nobody learns whether a password was right from a refused code.

API tokens are django-rest-knox tokens (only a SHA-512 digest is stored) in our own model,
``ApiToken``: named per device, expiring after ``API_TOKEN_LIFETIME``, each revocable, all revoked
when the member's password changes or the member is deactivated. Issuing and revoking are on the
timeline, and revoking closes the websockets opened with the token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import AbstractAuthToken
from rest_framework import exceptions

from partnership.live import member_sockets_check_on_commit
from partnership.models import ApiToken, Member
from partnership.second_factor import second_factor_needed, second_factor_verify
from partnership.throttle import (
    SignInClient,
    client_identify,
    device_cookie_set,
    failure_record,
    success_record,
    throttle_check,
)
from partnership.timeline import audit_record

# The one answer for a wrong username, password or code, on the page and in the API.
WRONG_CREDENTIALS = "Wrong username or password (or authenticator code, if you use one)."


class WrongCredentialsError(Exception):
    def __str__(self) -> str:
        return WRONG_CREDENTIALS


@dataclass(frozen=True)
class SignIn:
    member: Member
    client: SignInClient
    # The password was right and the member must set up an authenticator before signing in.
    must_enrol: bool


def sign_in_check(*, request: HttpRequest, username: str, password: str, code: str = "") -> SignIn:
    """Check a sign-in under the throttle. Raises ``TooManyAttemptsError`` (checked before the
    password, so it says nothing about it) or ``WrongCredentialsError`` for any wrong or missing
    credential. A complete sign-in is recorded as a success of this client; one that must still
    enrol an authenticator is not, until it has (``sign_in_complete``)."""
    client = client_identify(request, username)
    throttle_check(client)
    user = authenticate(request, username=username, password=password)
    if not isinstance(user, Member):
        failure_record(client, reason="password")
        raise WrongCredentialsError()
    need = second_factor_needed(user)
    if need == "verify" and not second_factor_verify(member=user, code=code):
        failure_record(client, reason="code")
        raise WrongCredentialsError()
    if need != "enrol":
        success_record(client, member=user)
    return SignIn(member=user, client=client, must_enrol=need == "enrol")


def sign_in_enrolled(*, request: HttpRequest, member: Member) -> None:
    """A member who had to set up an authenticator has done so: the sign-in is complete."""
    success_record(client_identify(request, member.get_username()), member=member)


def browser_remember(*, request: HttpRequest, response: HttpResponseBase, member: Member) -> None:
    """After a page sign-in: remember this browser for the member (see the throttle)."""
    device_cookie_set(request, response, member=member)


# --- API tokens ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``key`` is shown to its holder once and stored nowhere."""

    key: str
    token: ApiToken

    @property
    def expiry(self) -> datetime | None:
        return self.token.expiry


def _revoke(token: ApiToken, *, actor: Member | None, reason: str) -> None:
    audit_record(
        actor=actor,
        verb="token.revoked",
        subject_type="partnership.member",
        subject_id=token.user_id,
        changes={"token": token.ref, "name": token.name, "reason": reason},
    )
    token.delete()


@transaction.atomic
def token_issue(*, member: Member, name: str = "API client") -> IssuedToken:
    """A new API token for one device of the member, valid for ``API_TOKEN_LIFETIME`` seconds.
    Past ``API_TOKEN_LIMIT`` live tokens the oldest is revoked to make room."""
    Member.objects.select_for_update().get(pk=member.pk)
    now = timezone.now()
    # Expired tokens are dead already; their expiry was on the timeline when they were issued.
    ApiToken.objects.filter(user=member, expiry__lt=now).delete()
    live = list(ApiToken.objects.filter(user=member).order_by("created"))
    for old in live[: max(0, len(live) - settings.API_TOKEN_LIMIT + 1)]:
        _revoke(old, actor=member, reason="limit")
    token, key = ApiToken.objects.create(
        member, expiry=timedelta(seconds=settings.API_TOKEN_LIFETIME), name=name
    )
    audit_record(
        actor=member,
        verb="token.issued",
        subject=member,
        changes={"token": token.ref, "name": name, "expires_at": token.expiry},
    )
    return IssuedToken(key=key, token=token)


def tokens_expired_delete() -> None:
    """The scheduled job: deletes every expired token. They are refused already (a request
    never finds one live, ``ApiTokenAuthentication``); this keeps them from piling up for
    members who never sign in again. As at sign-in, no timeline row: each token's expiry was on
    the timeline when it was issued."""
    ApiToken.objects.filter(expiry__lte=timezone.now()).delete()


def tokens_live(member: Member) -> list[ApiToken]:
    """The member's tokens that still work, newest first."""
    now = timezone.now()
    return list(ApiToken.objects.filter(user=member, expiry__gt=now).order_by("-created"))


@transaction.atomic
def token_revoke(*, member: Member, ref: str) -> bool:
    """The member revokes one of their own tokens. False when they hold no such token (someone
    else's is no different from none)."""
    token = ApiToken.objects.select_for_update().filter(user=member, ref=ref).first()
    if token is None:
        return False
    _revoke(token, actor=member, reason="revoked by its holder")
    member_sockets_check_on_commit(member.pk)
    return True


@transaction.atomic
def member_credentials_withdrawn(*, member: Member, reason: str) -> None:
    """The member's password changed or they were deactivated: every API token is revoked and
    every websocket closes (sessions stop by themselves: Django checks the password hash and
    ``is_active`` on every request)."""
    for token in ApiToken.objects.select_for_update().filter(user=member):
        _revoke(token, actor=None, reason=reason)
    member_sockets_check_on_commit(member.pk)


@receiver(pre_save, sender=Member)
def _credentials_before_save(
    sender: type[Member], instance: Member, update_fields: Any = None, **kwargs: Any
) -> None:
    # A signal rather than a call in each writer: the password changes through the admin form,
    # `manage.py changepassword` and Django's own views, and none of them may forget this.
    if instance._state.adding:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return
    before = Member.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if before is None:
        return
    if before["is_active"] and not instance.is_active:
        instance.__dict__["_credentials_withdrawn"] = "member deactivated"
    elif before["password"] != instance.password:
        instance.__dict__["_credentials_withdrawn"] = "password changed"


@receiver(post_save, sender=Member)
def _credentials_after_save(sender: type[Member], instance: Member, **kwargs: Any) -> None:
    reason = instance.__dict__.pop("_credentials_withdrawn", None)
    if reason is not None:
        member_credentials_withdrawn(member=instance, reason=reason)


@receiver(user_logged_out)
def _signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    # Sent before the session is flushed: its key still names the sockets opened with it.
    session = getattr(request, "session", None)
    if isinstance(user, Member) and session is not None and session.session_key:
        member_sockets_check_on_commit(user.pk, session_key=session.session_key)


# --- Authenticating requests and websockets ------------------------------------------------------
# DRF's old tokens were 40 hexadecimal characters, kept in clear and never expiring. They were
# not carried over (a leaked one must not live on): their holders are told what to do.
_OLD_TOKEN = re.compile(r"[0-9a-f]{40}")
OLD_KEY_REFUSED = (
    "This API token is from before tokens began to expire and no longer works. Ask for a new "
    "one: POST /api/auth/token/ with your username and password."
)
KEY_REFUSED = (
    "This API token has expired or was revoked. Ask for a new one: POST /api/auth/token/ with "
    "your username and password."
)
# Writing the time a token was last used on every request would double the writes of a busy
# client; once a minute is enough to show on the member's tokens page.
_LAST_USED_EVERY = timedelta(seconds=60)


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token …``, checked against the stored digests of django-rest-knox's
    tokens, with answers a person can act on.

    One query per request: the token by its digest, with its member and their agency. Knox's own
    check looks the token up by its first characters and then reads every other token of the
    member to delete the expired ones (two queries on every request, the second growing with
    the member's devices); here expired tokens are refused as knox refuses them, and deleted
    when their member next signs in (``token_issue``) or by the scheduler's sweep
    (``tokens_expired_delete``)."""

    def authenticate_credentials(self, token: bytes) -> tuple[Any, AbstractAuthToken]:
        try:
            text = token.decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(KEY_REFUSED) from exc
        if _OLD_TOKEN.fullmatch(text):
            raise exceptions.AuthenticationFailed(OLD_KEY_REFUSED)
        # Looked up by the whole digest (the primary key) rather than by knox's prefix and a
        # constant-time comparison: nobody can choose which digest a guess has, so the time an
        # indexed lookup takes tells a guesser nothing about any stored token.
        found = next(
            iter(
                ApiToken.objects.select_related("user__agency")
                .filter(digest=hash_token(text))
                .order_by()[:1]
            ),
            None,
        )
        now = timezone.now()
        if (
            found is None
            or (found.expiry is not None and found.expiry <= now)
            or not found.user.is_active
        ):
            raise exceptions.AuthenticationFailed(KEY_REFUSED)
        if found.last_used_at is None or found.last_used_at < now - _LAST_USED_EVERY:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        return found.user, found


def token_member(key: str) -> tuple[Member, ApiToken] | None:
    """The active member and live token a key belongs to, or None (for websockets)."""
    try:
        member, token = ApiTokenAuthentication().authenticate_credentials(key.encode("latin-1"))
    except exceptions.AuthenticationFailed:
        return None
    if not isinstance(member, Member) or not isinstance(token, ApiToken):
        return None
    return member, token
