"""The partnership's casework rules: who leads a case (by area and strand) and the standards of
victim contact per risk level. The CSP Co-ordinator edits them; each change is on the timeline."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from casework.models import CaseRule, ContactStandard
from conference.models import RiskLevel
from escalation.deadlines import DeadlineKind
from escalation.models import Strand
from partnership.errors import ConflictError
from partnership.models import Agency, Area, Member
from partnership.permissions import require
from partnership.tenancy import partnership_working
from partnership.timeline import audit_record

# Longest a standard may allow for one step, in its unit: a standard beyond this is a typing
# slip, not a standard.
LONGEST = {DeadlineKind.HOURS: 24 * 14, DeadlineKind.DAYS: 90, DeadlineKind.WORKING_DAYS: 60}


@transaction.atomic
def case_rule_add(
    *,
    actor: Member,
    lead_agency: Agency,
    lead_officer: Member | None = None,
    area: Area | None = None,
    strand: str = "",
) -> CaseRule:
    """A rule naming the lead of new cases in ``area`` (any, if None) of ``strand`` (any, if
    blank); it is tried after the partnership's earlier rules."""
    require(actor, "case.manage")
    partnership = partnership_working(actor)
    errors: dict[str, str] = {}
    if area is not None and area.partnership_id != partnership.pk:
        errors["area"] = "Choose an area of this partnership."
    if strand and strand not in Strand.values:
        errors["strand"] = f"Choose a strand: {', '.join(Strand.values)}."
    if not lead_agency.partnerships.filter(pk=partnership.pk).exists():
        errors["lead_agency"] = "Choose an agency of this partnership."
    if lead_officer is not None and (
        lead_officer.agency_id != lead_agency.pk
        or not lead_officer.partnerships.filter(pk=partnership.pk).exists()
    ):
        errors["lead_officer"] = f"Choose a member of {lead_agency} in this partnership."
    if errors:
        raise ValidationError(errors)
    last = CaseRule.objects.filter(partnership=partnership).aggregate(n=Max("order"))["n"]
    rule = CaseRule.objects.create(
        partnership=partnership,
        order=(last or 0) + 1,
        area=area,
        strand=strand,
        lead_agency=lead_agency,
        lead_officer=lead_officer,
    )
    audit_record(
        actor=actor,
        verb="case_rules.changed",
        subject=rule,
        partnership=partnership,
        changes={
            "what": f"rule {rule.order} added: {area or 'any area'}, "
            f"{Strand(strand).label if strand else 'any strand'} → {lead_agency}"
            + (f" ({lead_officer})" if lead_officer else ""),
        },
    )
    return rule


@transaction.atomic
def case_rule_remove(*, actor: Member, rule_id: int) -> CaseRule:
    """The rule no longer chooses leads (it is kept, with the cases it chose)."""
    rule = CaseRule.objects.select_for_update().get(pk=rule_id)
    require(actor, "case.manage", rule)
    if rule.removed_at is not None:
        raise ConflictError(f"Rule {rule.order} was already removed.")
    rule.removed_at = timezone.now()
    rule.save(update_fields=["removed_at"])
    audit_record(
        actor=actor,
        verb="case_rules.changed",
        subject=rule,
        partnership=rule.partnership,
        changes={"what": f"rule {rule.order} removed"},
    )
    return rule


@transaction.atomic
def contact_standard_set(
    *,
    actor: Member,
    risk_level: str,
    contact_kind: str,
    contact_amount: int,
    visit_kind: str,
    visit_amount: int,
    follow_up_days: int = 14,
) -> ContactStandard:
    """The standard of victim contact at one risk level, for cases opened from now on (and
    pending steps when a case's risk level changes)."""
    require(actor, "case.manage")
    partnership = partnership_working(actor)
    errors: dict[str, str] = {}
    if risk_level not in RiskLevel.values:
        errors["risk_level"] = f"Choose a risk level: {', '.join(RiskLevel.values)}."
    for field, kind, amount in (
        ("contact", contact_kind, contact_amount),
        ("visit", visit_kind, visit_amount),
    ):
        if kind not in LONGEST:
            errors[f"{field}_kind"] = "Choose hours, days or working days."
        elif not 1 <= amount <= LONGEST[DeadlineKind(kind)]:
            errors[f"{field}_amount"] = f"Give a number from 1 to {LONGEST[DeadlineKind(kind)]}."
    if not 1 <= follow_up_days <= 90:
        errors["follow_up_days"] = "Give a number of days from 1 to 90."
    if errors:
        raise ValidationError(errors)
    standard, _ = ContactStandard.objects.update_or_create(
        partnership=partnership,
        risk_level=risk_level,
        defaults={
            "contact_kind": contact_kind,
            "contact_amount": contact_amount,
            "visit_kind": visit_kind,
            "visit_amount": visit_amount,
            "follow_up_days": follow_up_days,
        },
    )
    audit_record(
        actor=actor,
        verb="case_rules.changed",
        subject=standard,
        partnership=partnership,
        changes={
            "what": f"{RiskLevel(risk_level).label} risk: contact within {contact_amount} "
            f"{contact_kind}, visit within {visit_amount} {visit_kind}, follow-up within "
            f"{follow_up_days} days of the visit",
        },
    )
    return standard
