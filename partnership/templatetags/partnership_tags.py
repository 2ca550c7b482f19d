"""The page toolkit's template tags, for every app's pages (``{% load partnership_tags %}``):
permission checks for links, the words of a countdown (``static/js/countdown.js`` writes the same
words in the browser), and the names of roles and audiences."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template

from partnership.audiences import Audience
from partnership.models import Role
from partnership.permissions import can

register = template.Library()


@register.simple_tag
def allowed(user: Any, action: str, obj: Any = None) -> bool:
    """``{% allowed user "incident.board" as may_board %}``: the permission registry's answer."""
    return can(user, action, obj)


def _span(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return "less than 1 min"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        whole = f"{days} day{'' if days == 1 else 's'}"
        return f"{whole} {hours} h" if hours else whole
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


def countdown_text(due_at: datetime, now: datetime) -> str:
    """``due in 42 min`` or ``overdue by 1 h 5 min``."""
    seconds = (due_at - now).total_seconds()
    if seconds >= 0:
        return f"due in {_span(seconds)}"
    return f"overdue by {_span(-seconds)}"


@register.filter
def countdown(due_at: datetime | None, now: datetime) -> str:
    return countdown_text(due_at, now) if due_at is not None else ""


@register.filter
def role_label(role: str) -> str:
    return Role(role).label if role else "The service itself"


@register.filter
def audiences(codes: list[str]) -> str:
    return "; ".join(Audience.parse(code).label for code in codes)
