"""Telling administrators that an account was locked to unknown clients (the sign-in throttle of
``partnership.throttle`` calls this through its listener registry, inside the lock-out's
transaction; the messages go out when it commits).

In the reader's voice (issue 14): the administrator reads whose account it is (by name, role and
agency, never the username an attacker typed), what happened and when in UK time, what it means
for the member, and what is asked of them: to check with the member, and when the right password
came with wrong authenticator codes, to have the password changed now."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from notifications.models import Purpose
from notifications.services import notify
from notifications.wording import title_words
from partnership.audiences import Audience
from partnership.models import Member, Partnership, Role
from partnership.throttle import Lockout


def lockout_alert(lockout: Lockout) -> None:
    # The administrators of each partnership the member works in: each manages its own members.
    for partnership in lockout.member.partnerships.order_by("pk"):
        title, body = lockout_message(lockout, partnership)
        notify(
            partnership=partnership,
            audiences=[Audience.role(Role.ADMINISTRATOR)],
            title=title,
            body=body,
            purposes=[Purpose.SITUATION],
            cause=f"signin-lockout:{lockout.event.seq}:{partnership.pk}",
            subject=lockout.member,
            scope=None,
            ack_ladder=[],
        )


def _who(member: Member, partnership: Partnership) -> str:
    """ "Ravi Chandra (Community and Race Relations Officer, Thames Valley Police)"."""
    roles = sorted(Role(role).label for role in member.roles_in(partnership))
    parts = [*roles, member.agency.name] if member.agency else roles
    return f"{member} ({', '.join(parts)})" if parts else str(member)


def lockout_message(lockout: Lockout, partnership: Partnership) -> tuple[str, str]:
    """The title and body the administrators of ``partnership`` read."""
    member = lockout.member
    window = max(1, settings.LOGIN_THROTTLE_WINDOW // 60)
    attempts = settings.LOGIN_THROTTLE_ATTEMPTS
    at = timezone.localtime(lockout.event.occurred_at)
    until = at + timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW)
    if lockout.reason == "code":
        failed = "the right password with wrong authenticator codes"
        short = "the right password, wrong codes"
        ask = "Please have the password changed now."
        means = (
            "Whoever tried knows the password: only the second factor stopped them. Ask "
            f"{member.first_name or member} to choose a new password now (or set one for them in "
            "the administration pages), and find out how it got out."
        )
    else:
        failed = short = "wrong passwords"
        ask = "Please check it was them."
        means = (
            f"Ask {member.first_name or member} whether it was them. If it was not, someone is "
            "guessing their password: make sure it is a strong one, and watch for it happening "
            "again."
        )
    title = title_words(
        f"Sign-in to {member}'s account paused at {at:%H:%M} for unknown devices: {short}.", ask
    )
    body = "\n\n".join(
        (
            f"{attempts} sign-ins to the account of {_who(member, partnership)} failed within "
            f"{window} minutes, the last at {at:%H:%M} on {at:%a} {at.day} {at:%b}: {failed}, from "
            f"browsers and addresses that have never signed in to it (the last from the address "
            f"{lockout.address}).",
            f"Until {until:%H:%M}, only the browsers and addresses {member} has signed in from "
            "before may try. Sessions already signed in carry on, so they can keep working.",
            means,
        )
    )
    return title, body
