"""Reading oversight: a member's bodies, and the one lookup of a scrutiny request."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from oversight.models import OversightBody, ScrutinyRequest
from partnership.models import Member
from partnership.permissions import can, denied_message


def bodies_of(member: Member) -> QuerySet[OversightBody]:
    return member.oversight_bodies.order_by("name")


def body_for(member: Member, slug: str = "") -> OversightBody:
    """The body a member oversees from: the one named by ``slug``, else their first. 403 for a
    member of none; 404 for a body they are not a member of."""
    bodies = bodies_of(member)
    if not bodies.exists():
        raise PermissionDenied(denied_message("oversight.view"))
    found = bodies.filter(slug=slug).first() if slug else bodies.first()
    if found is None:
        raise Http404("You are not a member of that oversight body.")
    return found


def scrutiny_requests_for(member: Member) -> QuerySet[ScrutinyRequest]:
    """The requests a member may see: those their bodies sent, and those sent to the partnership
    they work in when they read its figures."""
    seen = Q(body__in=bodies_of(member))
    if member.partnership is not None and can(member, "report.view"):
        seen |= Q(partnership=member.partnership)
    return ScrutinyRequest.objects.filter(seen).select_related("body", "partnership", "asked_by")


def scrutiny_for(member: Member, pk: int) -> ScrutinyRequest:
    """The request, to a member who may see it; Http404 otherwise (its existence is not
    revealed)."""
    request = (
        ScrutinyRequest.objects.select_related(
            "body", "partnership", "asked_by", "answered_by", "closed_by"
        )
        .filter(pk=pk)
        .first()
    )
    if request is None or not can(member, "scrutiny.view", request):
        raise Http404("No such scrutiny request.")
    return request
