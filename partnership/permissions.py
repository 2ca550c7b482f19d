"""The one place that decides who may do what.

Each app registers its rules here (``<app>/rules.py``, imported when the app is ready); pages,
API endpoints and websocket consumers all ask ``can``/``require`` by action name. A rule receives
the member and, for per-object decisions, the object, and decides by role and by agency.
An action with no rule is a programming error, never a silent allow.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from partnership.models import Member, Role

Rule = Callable[[Member, Any], bool]
_RULES: dict[str, Rule] = {}
_MESSAGES: dict[str, str] = {}

F = TypeVar("F", bound=Callable[..., HttpResponse])


def rule(action: str, *, denied: str) -> Callable[[Rule], Rule]:
    """Register the rule for ``action``; ``denied`` is what a refused person is told."""

    def register(func: Rule) -> Rule:
        if action in _RULES:
            raise RuntimeError(f"permission rule {action!r} registered twice")
        _RULES[action] = func
        _MESSAGES[action] = denied
        return func

    return register


def registered_actions() -> list[str]:
    return sorted(_RULES)


def can(user: Member | AnonymousUser | None, action: str, obj: Any = None) -> bool:
    """Whether ``user`` may do ``action`` (to ``obj``). Nothing of another partnership than the
    one the member works in is ever allowed, whatever their roles: a record that belongs to a
    partnership says so by its ``partnership_id``."""
    if action not in _RULES:
        raise KeyError(f"no permission rule for {action!r}")
    if not isinstance(user, Member) or not user.is_active:
        return False
    if not same_partnership(user, obj):
        return False
    return _RULES[action](user, obj)


def same_partnership(member: Member, obj: Any) -> bool:
    """True unless ``obj`` belongs to a partnership other than the one ``member`` works in (and
    is not one of the few records that say whom outside it they are also for: an oversight body's
    scrutiny request to a partnership is the body's too, through ``seen_outside_by``)."""
    owner = getattr(obj, "partnership_id", None)
    if owner is None:
        return True
    if member.partnership is not None and member.partnership.pk == owner:
        return True
    seen_outside_by = getattr(obj, "seen_outside_by", None)
    return seen_outside_by is not None and bool(seen_outside_by(member))


def require(user: Member | AnonymousUser | None, action: str, obj: Any = None) -> None:
    """Raise ``PermissionDenied`` with a message a person understands."""
    if not can(user, action, obj):
        raise PermissionDenied(_MESSAGES[action])


def denied_message(action: str) -> str:
    return _MESSAGES[action]


def require_page(action: str) -> Callable[[F], F]:
    """Decorator for page views whose rule needs no object."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            require(request.user, action)
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


# Helpers the rules of every app share.
def is_admin(member: Member) -> bool:
    return member.is_superuser or member.has_role(Role.ADMINISTRATOR)


def in_partnership(member: Member) -> bool:
    """Works in a partnership (chosen, or their only one) for an active agency: system accounts
    without an agency, and members of several partnerships who have not chosen, see nothing."""
    return (
        member.partnership is not None
        and member.agency_id is not None
        and member.agency is not None
        and member.agency.is_active
    )


def same_agency(member: Member, agency_id: int | None) -> bool:
    return agency_id is not None and member.agency_id == agency_id
