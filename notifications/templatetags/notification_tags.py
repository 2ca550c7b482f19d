"""Words for notifications on pages: purposes, audiences and how something was acknowledged."""

from __future__ import annotations

from django import template
from django.core.exceptions import ValidationError

from notifications.models import ACKNOWLEDGED_VIA, Purpose
from partnership.audiences import Audience, AudienceKind

register = template.Library()


@register.filter
def purpose_labels(codes: list[str]) -> list[str]:
    """Labels of a notification's purposes, in the order the protocol lists them."""
    return [purpose.label for purpose in Purpose if purpose.value in codes]


@register.filter
def audience(code: str) -> str:
    """How a message was addressed: a role, an agency, a deputy, or the person by name."""
    try:
        addressed = Audience.parse(code)
    except ValidationError:  # a role or agency kind since retired: show the code rather than fail
        return code
    return "Them personally" if addressed.kind == AudienceKind.MEMBER else addressed.label


@register.filter
def ack_via(via: str) -> str:
    return ACKNOWLEDGED_VIA.get(via, via)
