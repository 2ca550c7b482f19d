"""Information shared by practitioners (graded, reaching the CRRO and the CSP Co-ordinator at
once, on the timeline), and community tension per area over time (a rise alerts them live, and
every open board shows the tension now)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from casework.info_models import (
    TENSION_ORDER,
    InformationGrade,
    SharedInformation,
    SourceGrade,
    TensionRecord,
)
from casework.selectors import tension_now
from escalation.models import Incident, TensionLevel
from escalation.services import board_panel_changed
from notifications.models import Purpose, Urgency
from notifications.services import notify
from partnership.audiences import Audience
from partnership.models import Area, Member, Role
from partnership.permissions import require
from partnership.scopes import Scope
from partnership.tenancy import partnership_working
from partnership.timeline import audit_record

LONGEST_INFORMATION = 5000


@transaction.atomic
def information_share(
    *,
    actor: Member,
    text: str,
    source_grade: str,
    information_grade: str,
    incident: Incident | None = None,
    area: Area | None = None,
) -> SharedInformation:
    """Any member shares what may help community safety, about an incident (or its case) or an
    area; the CRRO and the CSP Co-ordinator are told at once."""
    require(actor, "information.share")
    partnership = partnership_working(actor)
    errors: dict[str, str] = {}
    text = text.strip()
    if not text:
        errors["text"] = "Say what you know."
    elif len(text) > LONGEST_INFORMATION:
        errors["text"] = f"Keep it to {LONGEST_INFORMATION} characters."
    if source_grade not in SourceGrade.values:
        errors["source_grade"] = "Grade the source: 1, 2 or 3."
    if information_grade not in InformationGrade.values:
        errors["information_grade"] = "Grade the information: A to E."
    if incident is not None and incident.partnership_id != partnership.pk:
        errors["incident"] = "Choose an incident of this partnership."
    if area is not None and area.partnership_id != partnership.pk:
        errors["area"] = "Choose an area of this partnership."
    if incident is None and area is None:
        errors["area"] = "Say which incident or area it is about."
    if errors:
        raise ValidationError(errors)
    if incident is not None:
        require(actor, "incident.view", incident)
    shared = SharedInformation.objects.create(
        partnership=partnership,
        author=actor,
        incident=incident,
        area=area if area is not None else (incident.area if incident else None),
        text=text,
        source_grade=source_grade,
        information_grade=information_grade,
        shared_at=timezone.now(),
    )
    scope = Scope.incident(incident.pk) if incident is not None else None
    audit_record(
        actor=actor,
        verb="information.shared",
        subject=shared,
        scope=scope,
        changes={
            "information_id": shared.pk,
            "grading": shared.grading,
            "incident_id": incident.pk if incident else None,
            "area_id": shared.area_id,
        },
    )
    about = incident.reference if incident is not None else str(shared.area)
    notify(
        audiences=[Audience.role(Role.CRRO), Audience.role(Role.CSP_COORDINATOR)],
        title=f"Information shared about {about} (graded {shared.grading})",
        body=f"{actor}{f' ({actor.agency})' if actor.agency else ''} shares:\n{text}",
        purposes=[Purpose.SITUATION],
        cause=f"information:{shared.pk}",
        subject=shared,
        scope=scope,
        sender=actor,
    )
    return shared


@transaction.atomic
def tension_record(
    *,
    actor: Member,
    area: Area,
    level: str,
    reason: str,
    source: str,
    at: datetime | None = None,
) -> TensionRecord:
    """The tension in an area from now (or from ``at``, when it is written up after the fact) on
    (the co-ordinator or the CRRO). A rise on the last level alerts them both at once."""
    require(actor, "tension.record")
    partnership = partnership_working(actor)
    errors: dict[str, str] = {}
    if area.partnership_id != partnership.pk:
        errors["area"] = "Choose an area of this partnership."
    if level not in TensionLevel.values:
        errors["level"] = f"Choose a level: {', '.join(TensionLevel.values)}."
    if not reason.strip():
        errors["reason"] = "Say why the tension is at this level."
    if not source.strip():
        errors["source"] = "Say where this comes from (a patrol, a community leader, a report)."
    now = timezone.now()
    at = at or now
    if at > now:
        errors["at"] = "Tension cannot be recorded for a time still to come."
    if errors:
        raise ValidationError(errors)
    # One writer per area at a time, so two records cannot both be compared with the same "last".
    Area.objects.select_for_update().get(pk=area.pk)
    before = tension_now(area)
    if before is not None and at < before.recorded_at:
        raise ValidationError({"at": "A record cannot come before the area's latest one."})
    record = TensionRecord.objects.create(
        partnership=partnership,
        area=area,
        level=level,
        reason=reason.strip(),
        source=source.strip(),
        recorded_by=actor,
        recorded_at=at,
    )
    rose = before is not None and TENSION_ORDER[level] > TENSION_ORDER[before.level]
    # Every open board shows the tension now: its panel is fetched again.
    board_panel_changed(partnership.pk, panel="tension", rule="tension.view")
    audit_record(
        actor=actor,
        verb="tension.recorded",
        subject=record,
        changes={
            "area": area.name,
            "level": level,
            "before": before.level if before else "",
            "rose": rose,
        },
    )
    if rose:
        assert before is not None  # noqa: S101 (rose says so)
        notify(
            audiences=[Audience.role(Role.CSP_COORDINATOR), Audience.role(Role.CRRO)],
            title=f"Tension rising in {area}: {TensionLevel(before.level).label} → "
            f"{TensionLevel(level).label}",
            body=f"{actor} recorded {TensionLevel(level).label.lower()} tension in {area}: "
            f"{reason.strip()} (source: {source.strip()}).",
            purposes=[Purpose.SITUATION, Purpose.COORDINATION],
            cause=f"tension:{record.pk}:rose",
            subject=record,
            scope=None,
            sender=actor,
            urgency=Urgency.URGENT,
        )
    return record
