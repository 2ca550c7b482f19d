"""What the calendar page accepts. Field names are the names the services' errors use, so a
service's ``ValidationError`` lands beside its field through Django's own ``Form.add_error``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms

from partnership.calendar.selectors import FIRST_YEAR, LAST_YEAR
from partnership.calendar.services import REASON_MAX, TITLE_MAX
from partnership.models import Division
from partnership.page_forms import DateInput, UKDateField

REASON_HINT = (
    "Recorded on the permanent timeline with your name, and quoted in the explanation of every "
    "deadline it moves."
)


class CalendarChoiceForm(forms.Form):
    division = forms.ChoiceField(
        label="Bank holidays of",
        choices=Division.choices,
        error_messages={
            "invalid_choice": "Choose England and Wales, Scotland or Northern Ireland."
        },
    )
    year = forms.IntegerField(
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        error_messages={
            "invalid": "Give the year as four digits, such as 2026.",
            "min_value": f"Choose a year from {FIRST_YEAR} to {LAST_YEAR}.",
            "max_value": f"Choose a year from {FIRST_YEAR} to {LAST_YEAR}.",
        },
    )


_DATE_ERRORS = {
    "required": "Give the date.",
    "invalid": "Give the date as day, month and year, such as 15/06/2026.",
}


class DayAddForm(forms.Form):
    division = forms.ChoiceField(choices=Division.choices, widget=forms.HiddenInput)
    date = UKDateField(label="Date", widget=DateInput(), error_messages=_DATE_ERRORS)
    title = forms.CharField(
        label="Name of the bank holiday",
        max_length=TITLE_MAX,
        help_text="As the proclamation or GOV.UK names it.",
        error_messages={"required": "Name the bank holiday."},
    )
    reason = forms.CharField(
        label="Why you are adding it",
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=REASON_HINT,
        error_messages={"required": "Say why you are adding it."},
    )


class DayRemoveForm(forms.Form):
    division = forms.ChoiceField(choices=Division.choices, widget=forms.HiddenInput)
    date = forms.DateField(widget=forms.HiddenInput, error_messages=_DATE_ERRORS)
    reason = forms.CharField(
        label="Why it is a working day",
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=REASON_HINT,
        error_messages={"required": "Say why it is a working day after all."},
    )


def remove_form(
    division: str, day_iso: str, data: Mapping[str, Any] | None = None
) -> DayRemoveForm:
    """One per listed day, with ids of its own so several can share the page."""
    return DayRemoveForm(
        data, initial={"division": division, "date": day_iso}, auto_id=f"remove-{day_iso}-%s"
    )
