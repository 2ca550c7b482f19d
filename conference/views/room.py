"""The live room's page and the minutes."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_POST

from conference import selectors, services
from conference.forms import (
    AttendanceForm,
    CorrectionForm,
    RoomActionForm,
    RoomRiskForm,
    RoomShareForm,
)
from conference.minutes import minutes_for, minutes_pdf
from conference.models import (
    ActionState,
    Attendance,
    Conference,
    ConferenceKind,
    ConferenceState,
    Visibility,
)
from conference.views.common import (
    _agencies,
    _conference,
    _item_title,
    _members_with_agency,
    _pk,
)
from partnership.models import Agency
from partnership.page_forms import service_errors_add
from partnership.pages import CONFLICTS, submit_once
from partnership.pages import conflict_text as _conflict_text
from partnership.pages import member_of as _member
from partnership.permissions import can

PANELS = (ConferenceKind.SCHEDULED, ConferenceKind.EMERGENCY)

# What the room says is under discussion when no item is (static/conference/room.js says the
# same).
NOTHING_CURRENT = {
    ConferenceState.PLANNED: "nothing yet (the chair opens the conference)",
    ConferenceState.IN_SESSION: "nothing yet",
    ConferenceState.CONCLUDED: "nothing (the conference has concluded)",
}


def _visibility_label(visibility: str, agency_ids: list[int], names: dict[int, str]) -> str:
    """What an entry's reader is told about who else sees it (room.js writes the same)."""
    if visibility == Visibility.AGENCIES:
        return "Only " + ", ".join(names.get(pk, f"agency {pk}") for pk in agency_ids)
    if visibility == Visibility.CHAIR:
        return "Chair only"
    return ""


def _entry_row(entry: dict[str, Any], names: dict[int, str]) -> dict[str, Any]:
    return {
        **entry,
        "created": datetime.fromisoformat(entry["created_at"]),
        "visibility_label": _visibility_label(entry["visibility"], entry["agency_ids"], names),
    }


def _action_row(action: dict[str, Any]) -> dict[str, Any]:
    return {
        **action,
        "due": datetime.fromisoformat(action["due_at"]),
        "state_label": ActionState(action["state"]).label,
    }


@ensure_csrf_cookie
@require_GET
def conference_room(request: HttpRequest, pk: int) -> HttpResponse:
    """The room as this member may see it now; ``static/conference/room.js`` keeps it live over
    ``/ws/conferences/<pk>/`` and posts to the JSON API (with the CSRF cookie this page sets)."""
    member = _member(request)
    conference = _conference(member, pk, "conference.attend")
    state = selectors.room_state(member, conference)
    names = dict(Agency.objects.values_list("pk", "name"))
    current = state["conference"]["current_item_id"]
    entries = [_entry_row(entry, names) for entry in state["entries"]]
    agenda = [{**item, "title": _item_title(item)} for item in state["agenda"]]
    is_chair = conference.chair_id == member.pk
    may_record_attendance = is_chair or can(member, "conference.manage", conference)
    invitees = _members_with_agency(member.partnership).filter(
        pk__in=conference.invitees.values("pk")
    )
    context: dict[str, Any] = {
        "conference": conference,
        "state": state["conference"]["state"],
        "current_item_id": current,
        "current_title": next(
            (i["title"] for i in agenda if i["id"] == current), NOTHING_CURRENT[conference.state]
        ),
        "agenda": agenda,
        "log": [e for e in entries if e["item_id"] == current],
        "earlier": [e for e in entries if e["item_id"] != current],
        "last_entry_id": max((e["id"] for e in entries), default=0),
        "actions": [_action_row(a) for a in state["actions"]],
        "attendance": [
            {**a, "status_label": Attendance.Status(a["status"]).label} for a in state["attendance"]
        ],
        "agency_names": json.dumps({str(pk): name for pk, name in names.items()}),
        "is_chair": is_chair,
        "may_record_attendance": may_record_attendance,
        "share_form": RoomShareForm(agencies=_agencies(member.partnership)),
        # Risk is agreed for a referral's case at a risk conference; the strategy and casework
        # groups' meetings have no such items.
        "risk_form": RoomRiskForm() if is_chair and conference.kind in PANELS else None,
        "action_form": RoomActionForm(
            items=[(i["id"], i["title"]) for i in agenda],
            owners=_members_with_agency(member.partnership),
        )
        if is_chair
        else None,
        "attendance_form": AttendanceForm(members=invitees, prefix_id="room-attendance")
        if may_record_attendance
        else None,
        "urls": {
            "socket": f"/ws/conferences/{conference.pk}/",
            "entries": reverse("api-conference-entries", kwargs={"pk": conference.pk}),
            "open": reverse("api-conference-open", kwargs={"pk": conference.pk}),
            "move": reverse("api-conference-move", kwargs={"pk": conference.pk}),
            "conclude": reverse("api-conference-conclude", kwargs={"pk": conference.pk}),
            "actions": reverse("api-conference-actions", kwargs={"pk": conference.pk}),
            "attendance": reverse("api-conference-attendance", kwargs={"pk": conference.pk}),
            # room.js puts the item's id in place of {item}.
            "risk": reverse("api-agenda-risk", kwargs={"pk": 0}).replace("/0/", "/{item}/"),
        },
    }
    return render(request, "conference/room.html", context)


# --- Minutes -------------------------------------------------------------------------------------
def _minutes_page(
    request: HttpRequest,
    conference: Conference,
    *,
    status: int = 200,
    form: CorrectionForm | None = None,
    conflict: str = "",
) -> HttpResponse:
    member = _member(request)
    minutes = minutes_for(conference, reader=member, number=_pk(request.GET.get("version")))
    may_correct = conference.state == ConferenceState.CONCLUDED and can(
        member, "minutes.correct", conference
    )
    context = {
        "conference": conference,
        "minutes": minutes,
        "form": (form or CorrectionForm()) if may_correct else None,
        "conflict": conflict,
    }
    return render(request, "conference/minutes.html", context, status=status)


@require_GET
def conference_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    return _minutes_page(request, _conference(_member(request), pk))


@require_POST
@submit_once
def conference_minutes_correct(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    conference = _conference(member, pk, "minutes.correct")
    form = CorrectionForm(request.POST)
    if form.is_valid():
        try:
            version = services.minutes_correct(
                actor=member, conference_id=conference.pk, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            service_errors_add(form, error)
        except CONFLICTS as error:
            return _minutes_page(request, conference, status=409, conflict=_conflict_text(error))
        else:
            messages.success(request, f"The correction is version {version.number} of the minutes.")
            return redirect("conference-minutes", pk=conference.pk)
    return _minutes_page(request, conference, status=400, form=form)


@require_GET
def conference_minutes_download(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    conference = _conference(member, pk)
    minutes = minutes_for(conference, reader=member, number=_pk(request.GET.get("version")))
    response = HttpResponse(minutes.text, content_type="text/plain; charset=utf-8")
    suffix = f"-v{minutes.version.number}" if minutes.version else "-draft"
    response["Content-Disposition"] = (
        f'attachment; filename="minutes-conference-{conference.pk}{suffix}.txt"'
    )
    return response


@require_GET
def conference_minutes_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The minutes as a marked, numbered document (the same text as the download)."""
    member = _member(request)
    conference = _conference(member, pk)
    minutes = minutes_for(conference, reader=member, number=_pk(request.GET.get("version")))
    suffix = f"-v{minutes.version.number}" if minutes.version else "-draft"
    title = f"Minutes: {conference.title}" + (
        f" (version {minutes.version.number})" if minutes.version else " (draft)"
    )
    response = HttpResponse(minutes_pdf(minutes.text, title=title), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="minutes-conference-{conference.pk}{suffix}.pdf"'
    )
    return response
