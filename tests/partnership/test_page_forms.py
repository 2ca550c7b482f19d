"""The page toolkit's form parts (partnership/page_forms.py), which every app's forms use."""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError

from conference.forms import ConferenceForm, PersonForm
from partnership.calendar.forms import DayAddForm
from partnership.models import AgencyKind, Member
from partnership.page_forms import MeetingForm, member_label, posted_or_blank, service_errors_add
from tests import factories


def test_a_date_reaches_the_browser_date_picker_in_the_one_format_it_reads() -> None:
    # With the en-gb locale Django writes 15/06/2026, which <input type="date"> shows as blank;
    # the calendar's own copy of the widget did, until both forms used the toolkit's.
    for field in (
        DayAddForm(initial={"date": date(2026, 6, 15)})["date"],
        PersonForm(initial={"date_of_birth": date(2026, 6, 15)})["date_of_birth"],
    ):
        html = str(field)
        assert 'type="date"' in html
        assert 'value="2026-06-15"' in html


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
