"""Telling administrators that an account was locked to unknown clients (the sign-in throttle of
``partnership.throttle`` calls this through its listener registry, inside the lock-out's
transaction; the messages go out when it commits)."""

from __future__ import annotations

from django.conf import settings

from notifications.models import Purpose
from notifications.services import notify
from partnership.audiences import Audience
from partnership.models import Partnership, Role
from partnership.throttle import Lockout


def lockout_alert(lockout: Lockout) -> None:
    minutes = max(1, settings.LOGIN_THROTTLE_WINDOW // 60)
    username = lockout.member.get_username()
    what = (
        "wrong authenticator codes after the right password: the password is probably known to "
        "someone else and should be changed now"
        if lockout.reason == "code"
        else "wrong passwords"
    )
    # The administrators of each partnership the member works in: each manages its own members.
    for partnership in lockout.member.partnerships.order_by("pk"):
        _alert_partnership(lockout, partnership, minutes=minutes, username=username, what=what)


def _alert_partnership(
    lockout: Lockout, partnership: Partnership, *, minutes: int, username: str, what: str
) -> None:
    notify(
        partnership=partnership,
        audiences=[Audience.role(Role.ADMINISTRATOR)],
        title=f"Sign-in to {username}'s account paused for unknown devices",
        body=(
            f"{settings.LOGIN_THROTTLE_ATTEMPTS} sign-ins to {username}'s account failed within "
            f"{minutes} minutes from devices and addresses that have never signed in to it "
            f"({what}; the last from {lockout.address}). For the next {minutes} minutes only "
            f"the browsers and addresses {username} has signed in from before may try; "
            "sessions already signed in carry on. If this was not them, find out who is trying."
        ),
        purposes=[Purpose.SITUATION],
        cause=f"signin-lockout:{lockout.event.seq}:{partnership.pk}",
        subject=lockout.member,
        scope=None,
        ack_ladder=[],
    )
