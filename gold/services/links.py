"""Writing links between partnerships' incidents: ask, agree, decline, end.

Every change is recorded on both partnerships' timelines, each event filed under that side's own
incident and worded from that side. The two chains' locks are always taken in the order of the
partnerships' ids, so two co-ordinators acting at once on opposite sides never wait for each other
in a circle. Neither incident's protocol, duties or deadlines are touched: each keeps its clock.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_fsm import can_proceed

from escalation.models import Incident
from gold.models import OPEN_LINK_STATES, IncidentLink, LinkState
from gold.selectors import incident_by_reference
from notifications.models import Purpose
from notifications.services import notify
from partnership.audiences import Audience
from partnership.errors import ConflictError
from partnership.models import Member, Partnership, Role
from partnership.permissions import require
from partnership.scopes import Scope
from partnership.timeline import audit_record

REASON_MAX = 2000


def _both_sides_record(
    *, actor: Member, verb: str, link: IncidentLink, by: Partnership, reason: str = ""
) -> None:
    sides = [
        (link.partnership, link.incident, link.other_partnership, link.other_incident),
        (link.other_partnership, link.other_incident, link.partnership, link.incident),
    ]
    for partnership, incident, other_partnership, other_incident in sorted(
        sides, key=lambda side: side[0].pk
    ):
        changes = {
            "link_id": link.pk,
            "other_reference": other_incident.reference,
            "other_partnership": other_partnership.name,
            "by_partnership": by.name,
        }
        if reason:
            changes["reason"] = reason
        audit_record(
            actor=actor,
            verb=verb,
            subject=link,
            scope=Scope.incident(incident.pk),
            changes=changes,
            partnership=partnership,
        )


def _tell_coordinators(
    *,
    link: IncidentLink,
    partnership: Partnership,
    incident: Incident,
    title: str,
    body: str,
    cause: str,
    sender: Member,
) -> None:
    notify(
        audiences=[Audience.role(Role.CSP_COORDINATOR)],
        title=title,
        body=f"{body}\n\n{reverse('gold-link', args=[link.pk])}",
        purposes=[Purpose.INFORMATION],
        cause=f"incident-link:{link.pk}:{cause}",
        subject=link,
        scope=Scope.incident(incident.pk),
        sender=sender,
        partnership=partnership,
    )


def _reason(text: str, field: str, missing: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: missing})
    if len(text) > REASON_MAX:
        raise ValidationError({field: f"Keep it under {REASON_MAX} characters."})
    return text


@transaction.atomic
def incident_link_request(
    *,
    actor: Member,
    incident: Incident,
    other_partnership: Partnership,
    other_reference: str,
    reason: str,
) -> IncidentLink:
    """Ask ``other_partnership`` to link its incident ``other_reference`` with ``incident`` (of
    the partnership the actor works in). Its CSP Co-ordinator is told and answers; until then
    the link is not live."""
    require(actor, "incident_link.request", incident)
    errors: dict[str, str] = {}
    if other_partnership.pk == incident.partnership_id:
        errors["partnership"] = (
            "Choose another partnership: incidents of your own are connected on the incident's "
            "page."
        )
    other = incident_by_reference(other_partnership, other_reference)
    if other is None and "partnership" not in errors:
        errors["reference"] = (
            f"{other_partnership.name} has no incident with the reference "
            f"{other_reference.strip() or '(blank)'}: ask their co-ordinator for it (HC-00042)."
        )
    try:
        reason = _reason(reason, "reason", "Say why the incidents are connected.")
    except ValidationError as error:
        errors.update({k: v[0] for k, v in error.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    assert other is not None  # noqa: S101 (checked above)
    # Both incidents locked in id order: two requests for the same pair (either way round)
    # cannot both pass the check below.
    list(Incident.objects.select_for_update().filter(pk__in=[incident.pk, other.pk]).order_by("pk"))
    pair = [incident.pk, other.pk]
    if IncidentLink.objects.filter(
        incident_id__in=pair, other_incident_id__in=pair, state__in=OPEN_LINK_STATES
    ).exists():
        raise ConflictError(
            f"{incident.reference} and {other.reference} are already linked, or a request to "
            "link them is awaiting an answer."
        )
    link = IncidentLink.objects.create(
        partnership_id=incident.partnership_id,
        incident=incident,
        other_partnership=other_partnership,
        other_incident=other,
        reason=reason,
        requested_by=actor,
        requested_at=timezone.now(),
    )
    asking = link.partnership
    _both_sides_record(
        actor=actor, verb="incident_link.requested", link=link, by=asking, reason=reason
    )
    _tell_coordinators(
        link=link,
        partnership=other_partnership,
        incident=other,
        title=f"{asking.name} asks to link their {incident.reference} with your {other.reference}",
        body=(
            f"{asking.name} thinks their incident {incident.reference} is connected with your "
            f"{other.reference}:\n{reason}\n\nAgree or decline (with your reason). Each "
            "partnership's protocol keeps its own clock either way."
        ),
        cause="requested",
        sender=actor,
    )
    return link


def _locked(link_id: int) -> IncidentLink:
    found: IncidentLink | None = (
        IncidentLink.objects.select_for_update()
        .select_related("partnership", "other_partnership", "incident", "other_incident")
        .filter(pk=link_id)
        .first()
    )
    if found is None:
        raise ValidationError("No such link.")
    return found


def _not_awaiting(link: IncidentLink) -> ConflictError:
    return ConflictError(f"This request is already answered ({link.get_state_display().lower()}).")


@transaction.atomic
def incident_link_agree(*, actor: Member, link_id: int) -> IncidentLink:
    """The partnership asked agrees: the link is live from now."""
    link = _locked(link_id)
    require(actor, "incident_link.answer", link)
    if not can_proceed(link.agree):
        raise _not_awaiting(link)
    link.agree(at=timezone.now(), by=actor)
    link.save()
    _both_sides_record(
        actor=actor, verb="incident_link.agreed", link=link, by=link.other_partnership
    )
    _tell_coordinators(
        link=link,
        partnership=link.partnership,
        incident=link.incident,
        title=f"{link.other_partnership.name} agreed to link {link.other_incident.reference} "
        f"with your {link.incident.reference}",
        body="The incidents are connected; each protocol keeps its own clock.",
        cause="agreed",
        sender=actor,
    )
    return link


@transaction.atomic
def incident_link_decline(*, actor: Member, link_id: int, reason: str) -> IncidentLink:
    """The partnership asked declines, saying why: the link never goes live."""
    link = _locked(link_id)
    require(actor, "incident_link.answer", link)
    reason = _reason(reason, "reason", "Say why you decline, for the asking partnership.")
    if not can_proceed(link.decline):
        raise _not_awaiting(link)
    link.decline(at=timezone.now(), by=actor, reason=reason)
    link.save()
    _both_sides_record(
        actor=actor,
        verb="incident_link.declined",
        link=link,
        by=link.other_partnership,
        reason=reason,
    )
    _tell_coordinators(
        link=link,
        partnership=link.partnership,
        incident=link.incident,
        title=f"{link.other_partnership.name} declined to link {link.other_incident.reference} "
        f"with your {link.incident.reference}",
        body=f"Their reason: {reason}",
        cause="declined",
        sender=actor,
    )
    return link


@transaction.atomic
def incident_link_unlink(*, actor: Member, link_id: int, reason: str) -> IncidentLink:
    """Either partnership ends a live link, saying why; the other is told."""
    link = _locked(link_id)
    require(actor, "incident_link.unlink", link)
    reason = _reason(reason, "reason", "Say why the incidents are no longer connected.")
    if not can_proceed(link.unlink):
        if link.state == LinkState.UNLINKED:
            raise ConflictError("This link has already been ended.")
        raise ConflictError("Only a live link can be ended: this one was never agreed.")
    by = link.partnership if link.side_of(actor) == "asking" else link.other_partnership
    link.unlink(at=timezone.now(), by=actor, reason=reason)
    link.save()
    _both_sides_record(actor=actor, verb="incident_link.unlinked", link=link, by=by, reason=reason)
    told, incident = (
        (link.other_partnership, link.other_incident)
        if by.pk == link.partnership_id
        else (link.partnership, link.incident)
    )
    _tell_coordinators(
        link=link,
        partnership=told,
        incident=incident,
        title=f"{by.name} ended the link with your {incident.reference}",
        body=f"Their reason: {reason}",
        cause=f"unlinked:{actor.pk}",
        sender=actor,
    )
    return link
