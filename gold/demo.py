"""The demo's connected pair: an incident in each demo partnership, linked by both
co-ordinators, and a joint gold group over them (idempotent, like the rest of the demo). Added
when the second partnership loads."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from escalation import services as escalation_services
from escalation.models import Incident
from gold.models import GoldGroup, IncidentLink, ShareKind
from gold.services import (
    decision_record,
    gold_group_convene,
    gold_group_share,
    incident_link_agree,
    incident_link_request,
)
from partnership.demo import NEIGHBOUR_SLUG, PARTNERSHIP_SLUG, demo_extra_register
from partnership.models import Area, Member, Partnership

PAIR_TITLE = "Leaflets inciting hatred pushed through doors (demo, connected)"


def _incident(partnership: Partnership, reporter: Member, location: str) -> Incident:
    found = Incident.objects.filter(partnership=partnership, title=PAIR_TITLE).first()
    if found is not None:
        return found
    area = Area.objects.filter(partnership=partnership).order_by("name").first()
    assert area is not None  # noqa: S101 (a demo partnership has its areas before its extras)
    return escalation_services.incident_report(
        reporter=reporter,
        title=PAIR_TITLE,
        description="The same leaflet, signed by the same group, found the same night on both "
        "sides of the boundary.",
        occurred_at=timezone.now() - timedelta(hours=6),
        area=area,
        strands=["race", "religion"],
        tension_level="elevated",
        location=location,
        safeguarding_steps="Leaflets collected; patrols on the estates.",
    )


def _as(username: str, slug: str) -> Member:
    member = Member.objects.get(username=username)
    member.work_in(Partnership.objects.get(slug=slug))
    return member


@transaction.atomic
def demo_connected_pair(partnership: Partnership) -> int:
    """Once both demo partnerships exist: a reported incident in each, linked (asked by Milton
    Keynes's co-ordinator, agreed by Aylesbury Vale's), and a joint gold group over them.
    Returns how many things changed."""
    slugs = {PARTNERSHIP_SLUG, NEIGHBOUR_SLUG}
    if partnership.slug not in slugs or Partnership.objects.filter(slug__in=slugs).count() < 2:
        return 0
    needed = ("officer", "coordinator", "av-coordinator")
    if Member.objects.filter(username__in=needed).count() < len(needed):
        return 0
    officer_mk, officer_av = _as("officer", PARTNERSHIP_SLUG), _as("officer", NEIGHBOUR_SLUG)
    mk = _incident(Partnership.objects.get(slug=PARTNERSHIP_SLUG), officer_mk, "Fishermead")
    av = _incident(Partnership.objects.get(slug=NEIGHBOUR_SLUG), officer_av, "Southcourt")
    changed = 0
    if not IncidentLink.objects.filter(incident=mk, other_incident=av).exists():
        _link(mk, av)
        changed += 1
    if not GoldGroup.objects.filter(incidents=mk).exists():
        _joint_group(mk)
        changed += 1
    return changed


def _link(mk: Incident, av: Incident) -> None:
    link = incident_link_request(
        actor=_as("coordinator", PARTNERSHIP_SLUG),
        incident=mk,
        other_partnership=av.partnership,
        other_reference=av.reference,
        reason="The same leaflet and the same signature, the same night, either side of the "
        "boundary.",
    )
    incident_link_agree(actor=_as("av-coordinator", NEIGHBOUR_SLUG), link_id=link.pk)


def _joint_group(mk: Incident) -> None:
    """Convened by Milton Keynes's gold commander, with members of both partnerships; each
    shares its incident's summary and protocol steps; one decision, due for review tomorrow."""
    seated = Member.objects.filter(username__in=["chief", "rec", "av-coordinator", "av-rec"])
    gold = _as("gold", PARTNERSHIP_SLUG)
    group = gold_group_convene(
        actor=gold,
        incident=mk,
        title="Operation Lantern (demo joint gold group)",
        member_ids=[m.pk for m in seated],
    )
    both = [ShareKind.SUMMARY, ShareKind.TIMELINE]
    gold_group_share(actor=gold, group_id=group.pk, shares=both)
    gold_group_share(actor=_as("av-coordinator", NEIGHBOUR_SLUG), group_id=group.pk, shares=both)
    decision_record(
        actor=gold,
        group_id=group.pk,
        information="The same leaflet, signed by the same group, on estates either side of the "
        "boundary on one night.",
        threat_and_risk="Reprisals against the mosques on both estates; tension elevated.",
        powers_and_policies="Public Order Act 1986 s.19 (distributing material stirring up "
        "hatred); both partnerships' protocols.",
        options=[
            {"option": "Targeted reassurance to the affected communities", "chosen": True},
            {
                "option": "Town-wide media appeal",
                "chosen": False,
                "why": "Would spread the leaflets' message further (College of Policing 003).",
            },
        ],
        decision="Targeted reassurance visits to both estates' mosques and residents; no "
        "town-wide appeal.",
        rationale="Reaches those affected without amplifying the message.",
        review_at=timezone.now() + timedelta(days=1),
    )


demo_extra_register(demo_connected_pair)
