"""The page toolkit's form parts (partnership/page_forms.py), which every app's forms use."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from conference.forms import ConferenceForm, PersonForm
from partnership.calendar.forms import DayAddForm
from partnership.models import AgencyKind, Member
from partnership.page_forms import (
    LocalDateTimeField,
    MeetingForm,
    RowsForm,
    UKDateField,
    member_label,
    posted_or_blank,
    service_errors_add,
)
from tests import factories


def test_a_date_is_shown_as_day_month_and_year_boxes() -> None:
    # UK date entry (GOV.UK's date input), never a browser's picker that shows mm/dd/yyyy.
    for field in (
        DayAddForm(initial={"date": date(2026, 6, 15)})["date"],
        PersonForm(initial={"date_of_birth": date(2026, 6, 15)})["date_of_birth"],
    ):
        html = str(field)
        assert 'type="date"' not in html
        name = field.html_name
        for part, shown in (("day", "15"), ("month", "6"), ("year", "2026")):
            assert f'name="{name}_{part}" value="{shown}"' in html, (part, html)
        assert '<label class="govuk-label govuk-date-input__label"' in html


class _When(forms.Form):
    on = UKDateField()
    at = LocalDateTimeField(required=False)


def test_date_parts_are_read_as_one_date_and_a_uk_time() -> None:
    form = _When(
        {
            "on_day": "5",
            "on_month": "11",
            "on_year": "2026",
            "at_day": "29",
            "at_month": "3",
            "at_year": "2026",
            "at_time": "2:30pm",
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["on"] == date(2026, 11, 5)
    # 14:30 in London on 29 March 2026 is BST: 13:30 UTC.
    assert form.cleaned_data["at"] == datetime(2026, 3, 29, 13, 30, tzinfo=UTC)
    for typed in ("14:30", "14.30", "1430"):
        form = _When(
            {
                "on_day": "5",
                "on_month": "11",
                "on_year": "2026",
                "at_day": "29",
                "at_month": "3",
                "at_year": "2026",
                "at_time": typed,
            }
        )
        assert form.is_valid(), typed
        assert form.cleaned_data["at"] == datetime(2026, 3, 29, 13, 30, tzinfo=UTC)


def test_date_parts_that_make_no_date_are_refused_and_shown_back_as_typed() -> None:
    form = _When(
        {
            "on_day": "31",
            "on_month": "2",
            "on_year": "2026",
            "at_day": "1",
            "at_month": "2",
            "at_year": "2026",
            "at_time": "25:00",
        }
    )
    assert not form.is_valid()
    assert form.errors["on"] == [
        "Enter a real date: the day, month and year as numbers, for example 27 3 2026."
    ]
    assert "the time as hours and minutes" in form.errors["at"][0]
    html = str(form["on"])
    assert 'name="on_day" value="31"' in html
    assert 'name="on_month" value="2"' in html
    assert 'name="at_time" value="25:00"' in str(form["at"])
    # A two-digit year is not guessed.
    assert not _When({"on_day": "1", "on_month": "2", "on_year": "26"}).is_valid()
    # Left empty: the field's own "required" words.
    empty = _When({"on_day": "", "on_month": "", "on_year": ""})
    assert not empty.is_valid()
    assert empty.errors["on"] == ["This field is required."]


def test_a_date_posted_as_one_value_is_still_read() -> None:
    # An older page or a test posts "on=2026-11-05": read as it is.
    form = _When({"on": "2026-11-05", "at": "2026-03-29T14:30"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["on"] == date(2026, 11, 5)
    assert form.cleaned_data["at"] == datetime(2026, 3, 29, 13, 30, tzinfo=UTC)


class _ReplyShape(forms.Form):
    text = forms.CharField()


def test_a_service_refusal_lands_beside_its_field_or_at_the_top() -> None:
    form = _ReplyShape({"text": "fine"})
    assert form.is_valid()
    refusal = ValidationError({"reply": "Too long.", "notification": "Already answered."})
    service_errors_add(form, refusal, renamed={"reply": "text"})
    assert form.errors["text"] == ["Too long."]
    assert form.non_field_errors() == ["Already answered."]

    form = _ReplyShape({"text": "fine"})
    assert form.is_valid()
    service_errors_add(form, ValidationError("The incident was stood down."))
    assert form.non_field_errors() == ["The incident was stood down."]
    assert "text" not in form.errors


def test_a_member_is_named_with_their_agency(demo: dict[str, Member]) -> None:
    # The factories build in the demo partnership.
    agency = factories.agency_new(kind=AgencyKind.POLICE, name="Northshire Police")
    officer = factories.member(
        username="apatel", agency=agency, first_name="Asha", last_name="Patel"
    )
    assert member_label(officer) == "Asha Patel, Northshire Police"
    assert member_label(factories.member(username="admin2", agency=None)) == "admin2"


def test_each_meeting_form_says_what_is_missing_in_its_own_words_and_order() -> None:
    conference = ConferenceForm({}, chairs=Member.objects.none())
    assert not conference.is_valid()
    assert conference.errors["location"] == ["Say where (or how) the panel meets."]
    assert conference.errors["starts_at"] == ["Say when it starts."]
    # The error summary lists problems in the order the page shows the fields.
    assert list(conference.fields) == ["kind", "title", "starts_at", "ends_at", "location", "chair"]
    # A subclass's words stay its own: the shared field is not changed for the others.
    assert not MeetingForm({}).is_valid()
    assert MeetingForm({}).errors["location"] == ["Say where you will meet."]


def test_the_posted_form_replaces_only_the_blank_form_it_was_posted_from() -> None:
    posted = _ReplyShape({"text": ""}, auto_id="reply-7-%s")
    assert not posted.is_valid()
    assert posted_or_blank(posted, _ReplyShape(auto_id="reply-7-%s")) is posted
    other = _ReplyShape(auto_id="reply-8-%s")
    assert posted_or_blank(posted, other) is other
    assert posted_or_blank(None, other) is other


def test_each_kind_of_date_has_one_rule_said_in_words(
    demo: dict[str, Member], client_for: Any
) -> None:
    """An incident has happened (not in the future); a meeting being arranged is still to come
    (an emergency conference may start now, but none is arranged to be over already); a replay
    moment has passed."""
    from escalation.models import Incident

    client = client_for("coordinator")
    past = timezone.localtime() - timedelta(days=3)
    body = {
        "kind": "scheduled",
        "title": "Monthly panel",
        "starts_at_day": str(past.day),
        "starts_at_month": str(past.month),
        "starts_at_year": str(past.year),
        "starts_at_time": "10:00",
        "ends_at_day": str(past.day),
        "ends_at_month": str(past.month),
        "ends_at_year": str(past.year),
        "ends_at_time": "11:00",
        "location": "Civic Offices",
        "chair": str(demo["chair"].pk),
    }
    page = client.post("/conferences/new/", body)
    assert page.status_code == 400
    assert "this one would be over already" in page.content.decode()
    assert "none can be arranged to be over already" in page.content.decode()  # said beforehand

    incident = factories.incident_declared()
    future = timezone.localtime() + timedelta(days=400)
    gold = client_for("gold")
    page = gold.get(
        f"/incidents/{incident.pk}/timeline/",
        {
            "at_day": future.day,
            "at_month": future.month,
            "at_year": future.year,
            "at_time": "12:00",
        },
    )
    assert page.status_code == 400
    assert "this one has not happened yet" in page.content.decode()
    api = gold.get(f"/api/incidents/{incident.pk}/replay/", {"at": future.isoformat()})
    assert api.status_code == 400
    assert "has not happened yet" in api.json()["at"][0]
    # Up to now is fine, typed in parts.
    now = timezone.localtime()
    page = gold.get(
        f"/incidents/{incident.pk}/timeline/",
        {"at_day": now.day, "at_month": now.month, "at_year": now.year, "at_time": "00:00"},
    )
    assert page.status_code == 200
    assert "As at" in page.content.decode()
    assert Incident.objects.count() == 1


def test_rows_of_fields_are_one_toolkit_form_for_debrief_actions_and_gold_options(
    demo: dict[str, Member],
) -> None:
    """The debrief's actions agreed (what, owner, date: all or none) and a gold decision's options
    weighed (option, chosen, why) are the toolkit's numbered rows, drawn and read alike."""
    from gold.forms import DecisionForm
    from review.debrief_forms import DebriefRecordForm

    assert issubclass(DebriefRecordForm, RowsForm)
    assert issubclass(DecisionForm, RowsForm)
    members = Member.objects.filter(username__in=["rec", "crro"])
    due = timezone.localdate() + timedelta(days=4)
    record = DebriefRecordForm(
        {
            "what_happened": "x",
            "what_worked": "x",
            "what_did_not_work": "x",
            "lessons": "x",
            "action_1": "Brief the mosque committee.",
            "owner_1": demo["rec"].pk,
            "due_on_1": due.isoformat(),
            "action_3": "Half an action",
        },
        members=members,
    )
    assert tuple(f.name for f in record.rows[0]) == (
        "action_1",
        "owner_1",
        "due_on_1",
    )
    assert not record.is_valid()
    assert record.errors["action_3"] == [
        "Action 3: give what is to be done, its owner and its date (or none)."
    ]
    record.data = {k: v for k, v in record.data.items() if k != "action_3"}
    record.full_clean()
    assert record.is_valid(), record.errors
    plans = record.plans()
    assert [(p.description, p.owner_id, p.due_on) for p in plans] == [
        ("Brief the mosque committee.", demo["rec"].pk, due)
    ]

    decision = DecisionForm(
        {
            "information": "x",
            "threat_and_risk": "x",
            "powers_and_policies": "x",
            "decision": "x",
            "rationale": "x",
            "review_at": "2030-01-01T12:00",
            "option_1": "Targeted reassurance",
            "chosen_1": "on",
            "option_3": "Town-wide appeal",
            "why_3": "Spreads the message.",
        }
    )
    assert tuple(f.name for f in decision.rows[1]) == (
        "option_2",
        "chosen_2",
        "why_2",
    )
    assert decision.is_valid(), decision.errors
    assert decision.options() == [
        {"option": "Targeted reassurance", "chosen": True, "why": ""},
        {"option": "Town-wide appeal", "chosen": False, "why": "Spreads the message."},
    ]
