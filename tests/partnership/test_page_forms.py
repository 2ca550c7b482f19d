"""The page toolkit's form parts (partnership/page_forms.py), which every app's forms use."""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError

from conference.forms import PersonForm
from partnership.calendar.forms import DayAddForm
from partnership.models import AgencyKind
from partnership.page_forms import member_label, service_errors_add
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


def test_a_member_is_named_with_their_agency(db: None) -> None:
    agency = factories.agency_new(kind=AgencyKind.POLICE, name="Northshire Police")
    officer = factories.member(
        username="apatel", agency=agency, first_name="Asha", last_name="Patel"
    )
    assert member_label(officer) == "Asha Patel, Northshire Police"
    assert member_label(factories.member(username="admin2", agency=None)) == "admin2"
