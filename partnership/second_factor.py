"""The second factor: codes from an authenticator app (django-otp's TOTP devices: RFC 6238, six
digits every 30 seconds, one step of clock drift either way, each code good once) and single-use
recovery codes (django-otp's static tokens) for a lost phone.

Optional for everyone; required of administrators and senior police officers when
``TOTP_REQUIRED_FOR_PRIVILEGED`` is on. django-otp slows guessing per device (each failure
doubles the wait before the next code is even checked); the sign-in throttle
(``partnership.throttle``) counts wrong codes like wrong passwords.
"""

from __future__ import annotations

import re
from base64 import b32encode
from typing import Literal

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from partnership.models import Member, Role
from partnership.timeline import audit_record

RECOVERY_CODES = 10
_TOTP_CODE = re.compile(r"[0-9]{6}")
_RECOVERY_CODE = re.compile(r"[a-z2-7]{8}")


def second_factor_needed(member: Member) -> Literal["verify", "enrol"] | None:
    """ "verify" when the member has an authenticator, "enrol" when they must set one up first,
    None when a password is enough."""
    if TOTPDevice.objects.filter(user=member, confirmed=True).exists():
        return "verify"
    # A privileged role in any of the member's partnerships: one sign-in serves them all.
    privileged = (
        member.is_superuser
        or member.role_assignments.filter(
            role__in=[Role.ADMINISTRATOR, Role.SENIOR_POLICE_OFFICER]
        ).exists()
    )
    if settings.TOTP_REQUIRED_FOR_PRIVILEGED and privileged:
        return "enrol"
    return None


def _normalise(code: str) -> str:
    return "".join(code.split()).lower()


@transaction.atomic
def second_factor_verify(*, member: Member, code: str) -> bool:
    """Check a code from the member's authenticator, or one of their recovery codes (used up by
    this). The devices are locked while checked, so one code cannot be used twice at once."""
    code = _normalise(code)
    if _TOTP_CODE.fullmatch(code):
        devices = TOTPDevice.objects.select_for_update().filter(user=member, confirmed=True)
        return any(device.verify_token(code) for device in devices)
    if _RECOVERY_CODE.fullmatch(code):
        statics = StaticDevice.objects.select_for_update().filter(user=member, confirmed=True)
        for device in statics:
            if device.verify_token(code):
                audit_record(
                    actor=member,
                    verb="member.recovery_code_used",
                    subject=member,
                    changes={"left": StaticToken.objects.filter(device_id=device.pk).count()},
                )
                return True
    return False


@transaction.atomic
def totp_enrol_start(*, member: Member) -> TOTPDevice:
    """The member's unconfirmed authenticator, made with a new secret if there is none."""
    Member.objects.select_for_update().get(pk=member.pk)
    device = TOTPDevice.objects.filter(user=member, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=member, name="Authenticator app", confirmed=False)
    return device


@transaction.atomic
def totp_enrol_confirm(*, member: Member, code: str) -> list[str] | None:
    """Confirm the member's new authenticator with a code from it. Returns a fresh set of
    recovery codes (to show once), or None when the code is not right."""
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=member, confirmed=False)
        .order_by("pk")
        .first()
    )
    code = _normalise(code)
    if device is None or not _TOTP_CODE.fullmatch(code) or not device.verify_token(code):
        return None
    # One authenticator per member: a new one replaces the old.
    TOTPDevice.objects.filter(user=member, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(actor=member, verb="member.second_factor_enrolled", subject=member)
    return recovery_codes_make(member=member)


@transaction.atomic
def recovery_codes_make(*, member: Member) -> list[str]:
    """A new set of recovery codes; the old ones stop working. Shown to the member once."""
    device, _ = StaticDevice.objects.select_for_update().get_or_create(
        user=member, name="Recovery codes", defaults={"confirmed": True}
    )
    StaticToken.objects.filter(device_id=device.pk).delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device_id=device.pk, token=c) for c in codes)
    audit_record(
        actor=member,
        verb="member.recovery_codes_made",
        subject=member,
        changes={"codes": RECOVERY_CODES},
    )
    return codes


def totp_secret(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it when typed in (base32, no padding)."""
    return b32encode(device.bin_key).decode().rstrip("=")


@transaction.atomic
def second_factor_remove(*, actor: Member, member: Member) -> None:
    """An administrator removes a member's authenticator and recovery codes (a lost phone): the
    member signs in with their password and sets up a new one."""
    removed = TOTPDevice.objects.filter(user=member).delete()[0]
    removed += StaticDevice.objects.filter(user=member).delete()[0]
    if removed:
        audit_record(actor=actor, verb="member.second_factor_removed", subject=member)
