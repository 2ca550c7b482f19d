"""Reads of casework, and the one lookup per entity (404 for whatever the member may not see)."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet
from django.http import Http404

from casework.info_models import TensionRecord
from casework.models import (
    OPEN_TASK_STATES,
    Case,
    CaseRule,
    CaseState,
    CaseTask,
    PublicReport,
)
from casework.review_models import CaseReview, ReviewState
from casework.rules import cases_visible
from conference.models import Conference, ConferenceKind, ConferenceState
from conference.selectors import conference_for
from partnership.models import Area, Member, Partnership
from partnership.permissions import can


def case_for(member: Member, pk: int) -> Case:
    case = (
        Case.objects.select_related("incident", "incident__area", "lead_agency", "lead_officer")
        .filter(pk=pk)
        .first()
    )
    if case is None or not can(member, "case.view", case):
        raise Http404("No such case.")
    return case


def case_task_for(member: Member, pk: int) -> CaseTask:
    task = CaseTask.objects.select_related("case").filter(pk=pk).first()
    if task is None or not can(member, "case.view", task.case):
        raise Http404("No such task.")
    return task


def cases_of(member: Member) -> QuerySet[Case]:
    return cases_visible(member).select_related(
        "incident", "incident__area", "lead_agency", "lead_officer"
    )


def tasks_due_for(member: Member) -> QuerySet[CaseTask]:
    """Open deadlines of open cases that are this member's to do: their own tasks and the
    contact steps of the cases they lead (a work list)."""
    if member.partnership is None:
        return CaseTask.objects.none()
    return (
        CaseTask.objects.filter(
            case__partnership=member.partnership,
            case__state="open",
            state__in=OPEN_TASK_STATES,
            owner=member,
        )
        .select_related("case", "case__incident")
        .order_by("due_at", "pk")
    )


def case_rules_of(partnership: Partnership) -> QuerySet[CaseRule]:
    """The rules in force, in the order they are tried."""
    return CaseRule.objects.filter(partnership=partnership, removed_at__isnull=True).select_related(
        "area", "lead_agency", "lead_officer"
    )


def case_rule_for(member: Member, pk: int) -> CaseRule:
    rule = CaseRule.objects.filter(pk=pk).first()
    if rule is None or not can(member, "case.manage", rule):
        raise Http404("No such rule.")
    return rule


def report_for(member: Member, pk: int) -> PublicReport:
    """A report in the intake queue, to those who read the queue (Http404 otherwise)."""
    report = PublicReport.objects.select_related("area", "centre", "incident").filter(pk=pk).first()
    if report is None or not can(member, "intake.view", report):
        raise Http404("No such report.")
    return report


def reports_of(member: Member) -> QuerySet[PublicReport]:
    return PublicReport.objects.filter(partnership=member.partnership).select_related(
        "area", "centre"
    )


# --- Case review at the casework group's meetings ------------------------------------------------
def cases_due_for_review(partnership_id: int, *, on: date) -> QuerySet[Case]:
    """Open cases the casework group is to review by ``on``: never reviewed (or reopened), or
    their next review date has come; less any already on the agenda of a meeting that has not
    concluded."""
    listed = CaseReview.objects.filter(state=ReviewState.ON_AGENDA).exclude(
        conference__state=ConferenceState.CONCLUDED
    )
    return (
        Case.objects.filter(partnership_id=partnership_id, state=CaseState.OPEN)
        .filter(Q(next_review_on__isnull=True) | Q(next_review_on__lte=on))
        .exclude(pk__in=listed.values("case_id"))
        .order_by("opened_at", "pk")
    )


def casework_meeting_for(member: Member, pk: int) -> Conference:
    """A casework group meeting, to a member who may see it (Http404 otherwise, and for a
    conference of another kind)."""
    conference = conference_for(member, pk)
    if conference.kind != ConferenceKind.CASEWORK:
        raise Http404("No casework group meeting with that id.")
    return conference


def casework_meetings_of(member: Member) -> list[Conference]:
    meetings = Conference.objects.filter(
        partnership=member.partnership, kind=ConferenceKind.CASEWORK
    ).order_by("-starts_at")
    return [m for m in meetings[:50] if can(member, "conference.view", m)]


def reviews_at(conference: Conference) -> QuerySet[CaseReview]:
    return CaseReview.objects.filter(conference=conference).select_related(
        "case", "case__lead_officer", "case__lead_agency", "agenda_item", "recorded_by"
    )


def case_review_for(member: Member, pk: int) -> CaseReview:
    """A case's review, to a member who may see its meeting (Http404 otherwise)."""
    review = CaseReview.objects.select_related("conference", "case").filter(pk=pk).first()
    if review is None or not can(member, "conference.view", review.conference):
        raise Http404("No such review.")
    return review


# --- Community tension ---------------------------------------------------------------------------
def tension_now(area: Area) -> TensionRecord | None:
    """The area's latest tension record: its tension now."""
    return area.tension_records.order_by("-recorded_at", "-pk").first()


def tension_rows(partnership: Partnership | None) -> list[tuple[Area, TensionRecord | None]]:
    """Each area of the partnership with its tension now (the tension page and the board)."""
    areas = Area.objects.filter(partnership=partnership).order_by("name")
    return [(area, tension_now(area)) for area in areas]
