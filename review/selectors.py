"""What a reviewer opens: an incident or a case to review (seeing it is asked first, by its own
app's lookup, so a record the member may not see is a 404 here too; reviewing it is a 403), and
the access log."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from conference.models import Conference, ConferenceKind, Person, PersonAccess
from conference.selectors import person_for
from escalation.models import Incident
from escalation.selectors import incident_for
from notifications.models import Notification
from partnership.models import Member, Partnership
from partnership.permissions import can, require
from review.models import Debrief, FourteenDayReport, PlanAction, SixMonthlyReport


def incident_for_review(member: Member, pk: int) -> Incident:
    """The incident, to a member who may see it (Http404) and read its timeline (403)."""
    incident = incident_for(member, pk)
    require(member, "incident.timeline", incident)
    return incident


def person_for_review(member: Member, pk: int) -> Person:
    """The person, to a member who may see them (Http404) and read their case's timeline (403).
    The caller records the view once it shows it (``conference.services.person_access_record``)."""
    person = person_for(member, pk)
    require(member, "person.timeline", person)
    return person


def access_log(
    partnership: Partnership | None, *, member_id: int | None = None, person_id: int | None = None
) -> QuerySet[PersonAccess]:
    """Who viewed whose record in ``partnership`` and when, newest first, narrowed to one viewer
    or one person."""
    rows = (
        PersonAccess.objects.filter(person__partnership=partnership)
        .select_related("member__agency", "person")
        .order_by("-at", "-pk")
    )
    if member_id is not None:
        rows = rows.filter(member_id=member_id)
    if person_id is not None:
        rows = rows.filter(person_id=person_id)
    return rows


def debrief_for(member: Member, incident_pk: int) -> Debrief:
    """The debrief of an incident, to a member who may see the incident, or who was invited to
    the debrief, attended it or owns one of its actions (they see the debrief, not the incident).
    Http404 for anyone else, and before the debrief is scheduled."""
    debrief = (
        Debrief.objects.select_related("incident", "meeting__organiser", "recorded_by")
        .filter(incident_id=incident_pk)
        .first()
    )
    if debrief is None or not debrief_seen_by(member, debrief):
        raise Http404("No debrief of that incident is shared with you.")
    return debrief


def debrief_seen_by(member: Member, debrief: Debrief) -> bool:
    if member.partnership is None or member.partnership.pk != debrief.partnership_id:
        return False
    if can(member, "incident.view", debrief.incident):
        return True
    return (
        debrief.meeting.invitees.filter(pk=member.pk).exists()
        or debrief.attendees.filter(pk=member.pk).exists()
        or debrief.actions.filter(owner=member).exists()
    )


def plan_actions_of(debrief: Debrief) -> QuerySet[PlanAction]:
    return debrief.actions.select_related("owner", "owner_agency", "completed_by").order_by(
        "due_at", "pk"
    )


def plan_action_for(member: Member, pk: int) -> PlanAction:
    """An action, to its owner, to whoever may see the debrief it was agreed at, and (one on the
    strategy action plan) to the partnership's members. Http404 for anyone else, and for an
    action of another partnership."""
    action = (
        PlanAction.objects.select_related(
            "debrief__incident", "debrief__meeting", "owner", "owner_agency"
        )
        .filter(pk=pk)
        .first()
    )
    if action is None or member.partnership is None:
        raise Http404("No action with that id is shared with you.")
    sees = action.partnership_id == member.partnership.pk and (
        action.owner_id == member.pk
        or (action.debrief is not None and debrief_seen_by(member, action.debrief))
        or (action.debrief is None and can(member, "strategy.view"))
    )
    if not sees:
        raise Http404("No action with that id is shared with you.")
    return action


def fourteen_day_for(member: Member, incident_pk: int) -> FourteenDayReport:
    """The 14-day report of an incident the member may see (Http404 for an incident they may not
    see, and before the report is composed). Everyone it was sent to was told about the
    incident, so sees it."""
    incident = incident_for(member, incident_pk)
    report = (
        FourteenDayReport.objects.select_related(
            "incident", "partnership", "composed_by", "approved_by"
        )
        .filter(incident=incident)
        .first()
    )
    if report is None:
        raise Http404("This incident's 14-day report has not been composed.")
    return report


def fourteen_day_deliveries(report: FourteenDayReport) -> QuerySet[Notification]:
    """Whom the report reached, and whether and when each acknowledged it (the notifications it
    went out on; the ladder's chasers aside)."""
    return (
        Notification.objects.filter(
            subject_type=FourteenDayReport._meta.label_lower,
            subject_id=str(report.pk),
            escalation_of__isnull=True,
        )
        .select_related("recipient__agency")
        .order_by("recipient__last_name", "recipient__username")
    )


def six_monthly_reports(member: Member) -> QuerySet[SixMonthlyReport]:
    """The stored six-monthly reports of the member's partnership, newest period first (their
    figures, CSV and PDF deferred: a list needs none of them)."""
    require(member, "six_monthly.view")
    return (
        SixMonthlyReport.objects.filter(partnership=member.partnership)
        .defer("figures", "csv", "pdf")
        .select_related("produced_by")
    )


def six_monthly_for(member: Member, pk: int) -> SixMonthlyReport:
    """One stored report of the member's partnership (Http404 for another's; 403 for an account
    that reads no partnership's reports)."""
    require(member, "six_monthly.view")
    report = SixMonthlyReport.objects.filter(pk=pk, partnership=member.partnership).first()
    if report is None:
        raise Http404("No six-monthly report with that id is shared with you.")
    return report


def strategy_actions(member: Member) -> QuerySet[PlanAction]:
    """The partnership's strategy action plan: its actions (no debrief's), by date, with their
    progress notes."""
    require(member, "strategy.view")
    return (
        PlanAction.objects.filter(partnership=member.partnership, debrief__isnull=True)
        .select_related("owner", "owner_agency", "completed_by")
        .prefetch_related("notes__author", "notes__meeting")
        .order_by("due_at", "pk")
    )


def strategy_meetings(member: Member) -> QuerySet[Conference]:
    """The partnership's strategy group meetings, newest first."""
    return Conference.objects.filter(
        partnership=member.partnership, kind=ConferenceKind.STRATEGY
    ).order_by("-starts_at")
