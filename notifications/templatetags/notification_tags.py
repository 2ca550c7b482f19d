"""Words for notifications on pages: purposes, audiences and how something was acknowledged."""

from __future__ import annotations

from django import template

from notifications.audiences import audience_label
from notifications.models import Purpose

register = template.Library()

_VIA = {
    "web": "on the website",
    "api": "through the API",
    "websocket": "from a live alert",
    "email-link": "with the emailed link",
}


@register.filter
def purpose_labels(codes: list[str]) -> list[str]:
    """Labels of a notification's purposes, in the order the protocol lists them."""
    return [purpose.label for purpose in Purpose if purpose.value in codes]


@register.filter
def audience(code: str) -> str:
    """How a message was addressed: a role, an agency, a deputy, or the person by name."""
    if code.startswith("member:"):
        return "Them personally"
    try:
        return audience_label(code)
    except ValueError:  # a role or agency kind since retired: show the code rather than fail
        return code


@register.filter
def ack_via(via: str) -> str:
    return _VIA.get(via, via)
