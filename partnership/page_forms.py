"""The page toolkit's form parts: what every app's forms share.

Forms check what a browser can get wrong (a missing field, a time or date that does not parse) and
turn UK wall-clock times into instants; the services decide what is allowed, and their
``ValidationError`` is put back on the form with ``service_errors_add``. The partials that draw
these forms are ``partnership/_field.html``, ``_error_summary.html`` and ``_conflict.html``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from partnership.models import Area, Member, Partnership

MULTIPLE_HINT = "Tick all that apply."


def required_error(message: str) -> dict[str, str]:
    """``error_messages`` for a field left empty: what to do, in the page's words."""
    return {"required": message}


def local_aware(moment: datetime) -> datetime:
    """A wall-clock time in the partnership's time zone (``TIME_ZONE``, Europe/London) as an
    instant. Refuses the hour that does not exist when the clocks go forward and the hour that
    happens twice when they go back, rather than guess which one the person meant."""
    zone = timezone.get_default_timezone()
    shown = f"{moment:%H:%M} on {moment:%a} {moment.day} {moment:%b %Y}"
    earlier = moment.replace(tzinfo=zone, fold=0)
    if earlier.utcoffset() != moment.replace(tzinfo=zone, fold=1).utcoffset():
        if earlier.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != moment:
            raise ValidationError(
                f"There was no {shown} in the UK: the clocks went forward an hour at 1am that "
                "night. Check the time.",
                code="nonexistent",
            )
        raise ValidationError(
            f"{shown} happened twice in the UK because the clocks went back an hour that night. "
            "Give the nearest time outside 1am to 2am, and the exact time in the description.",
            code="ambiguous",
        )
    return timezone.make_aware(moment, zone)


_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$", re.IGNORECASE)
_TIME_BARE = re.compile(r"^(\d{2})(\d{2})$")


def _time_of(text: str) -> str | None:
    """``14:30``, ``14.30``, ``1430``, ``2:30pm`` or ``9am`` as ``14:30``; None if not a time."""
    text = text.strip().replace(" ", "")
    bare = _TIME_BARE.match(text)
    match = _TIME.match(text) if bare is None else None
    if bare is not None:
        hours, minutes, half = int(bare.group(1)), int(bare.group(2)), None
    elif match is not None:
        hours, minutes = int(match.group(1)), int(match.group(2) or 0)
        half = (match.group(3) or "").lower() or None
    else:
        return None
    if half is not None:
        if not 1 <= hours <= 12:
            return None
        hours = hours % 12 + (12 if half == "pm" else 0)
    if hours > 23 or minutes > 59:
        return None
    return f"{hours:02d}:{minutes:02d}"


class DatePartsInput(forms.MultiWidget):
    """GOV.UK's date input: day, month and year in three boxes (and the time in a fourth for a
    moment), the way UK forms ask for a date; never a browser's picker, which shows mm/dd/yyyy in
    some locales. Posted parts are put together as ``2026-06-15`` (``2026-06-15T14:30``), which the
    field reads; parts that make no date are handed on joined by ``|`` so that the field refuses
    them and the page shows them back as typed. A post with one value under the field's own name
    (an older page, a test) is read as it is."""

    govuk_kind = "date"
    template_name = "partnership/widgets/date_parts.html"
    parts: tuple[str, ...] = ("day", "month", "year")

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widths = {"day": 2, "month": 2, "year": 4, "time": 5}
        widgets: dict[str, forms.Widget | type[forms.Widget]] = {}
        for part in self.parts:
            box = f"govuk-input govuk-date-input__input govuk-input--width-{widths[part]}"
            extra = {"autocomplete": "off"} if part == "time" else {"inputmode": "numeric"}
            widgets[part] = forms.TextInput(attrs={"class": box, **extra})
        super().__init__(widgets, attrs)

    def use_required_attribute(self, initial: Any) -> bool:
        # The server says what is missing, in words, beside the field (not a browser bubble on
        # whichever box happens to be empty).
        return False

    def decompress(self, value: Any) -> list[str]:
        if value in (None, ""):
            return ["" for _ in self.parts]
        if isinstance(value, str) and "|" in value:
            return value.split("|")
        if isinstance(value, str):
            parsed = parse_datetime(value) if "T" in value or " " in value else None
            try:
                value = parsed or date.fromisoformat(value)
            except ValueError:
                return ["" for _ in self.parts]
        if isinstance(value, datetime) and timezone.is_aware(value):
            value = timezone.localtime(value)
        shown = [str(value.day), str(value.month), str(value.year)]
        if "time" in self.parts:
            shown.append(f"{value:%H:%M}" if isinstance(value, datetime) else "")
        return shown

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        keys = [f"{name}_{part}" for part in self.parts]
        if not any(key in data for key in keys):
            return data.get(name)
        typed = [str(data.get(key) or "").strip() for key in keys]
        if not any(typed):
            return ""
        day, month, year = typed[:3]
        moment = None
        if day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4:
            moment = f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
            try:
                date.fromisoformat(moment)
            except ValueError:
                moment = None
        if moment is not None and "time" in self.parts:
            time_of = _time_of(typed[3])
            moment = f"{moment}T{time_of}" if time_of else None
        return moment if moment is not None else "|".join(typed)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and not any(f"{name}_{part}" in data for part in self.parts)


class DateTimePartsInput(DatePartsInput):
    """A moment in UK time: the date as day, month and year, and the time as hours and minutes."""

    parts = ("day", "month", "year", "time")


class LocalDateTimeField(forms.DateTimeField):
    """A date and a time typed as UK wall-clock time (day, month, year, ``14:30``)."""

    widget = DateTimePartsInput
    default_error_messages = {
        "invalid": (
            "Enter a real date and a time: the day, month and year as numbers, and the time "
            "as hours and minutes, for example 14:30."
        ),
    }

    def to_python(self, value: Any) -> datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            moment: datetime | None = value
        else:
            try:
                moment = parse_datetime(str(value).strip())
            except ValueError:
                moment = None
        if moment is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if timezone.is_aware(moment):
            return moment
        return local_aware(moment)


class DateInput(DatePartsInput):
    """A date (no time) as day, month and year; the widget for every ``forms.DateField``."""


class UKDateField(forms.DateField):
    """A date typed as day, month and year."""

    widget = DateInput
    default_error_messages = {
        "invalid": "Enter a real date: the day, month and year as numbers, for example 27 3 2026.",
    }


class MeetingForm(forms.Form):
    """When and where people meet (a risk conference, an incident's debrief): start and end in UK
    time, and the place. A form that arranges a meeting subclasses it, giving the order of all its
    fields (``field_order``) and what to say when the place is missing (``place_missing``)."""

    place_missing = "Say where you will meet."

    starts_at = LocalDateTimeField(
        label="Starts",
        help_text="UK time. For example, 27 3 2026 and 14:30.",
        error_messages=required_error("Say when it starts."),
    )
    ends_at = LocalDateTimeField(
        label="Ends", help_text="UK time.", error_messages=required_error("Say when it ends.")
    )
    location = forms.CharField(
        label="Where",
        max_length=300,
        help_text="The room and building, or how to join.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].error_messages["required"] = self.place_missing


class RowsForm(forms.Form):
    """A form that asks for a few numbered rows of the same fields: the actions agreed at a
    debrief (what, its owner, its date), the options a gold decision weighed (the option, whether
    chosen, why rejected). A subclass gives one row's fields (``row_fields``: name to field, for
    row ``n``); they are added as ``<name>_<n>`` after the form's own fields. A row is given when
    any of ``row_together`` is; then all of them must be (``row_incomplete``, said on the row's
    first field). The template draws ``form.rows`` (each a tuple of bound fields, in order), and
    the view reads ``form.row_values()`` (each row with anything in it, as a dict by name)."""

    row_count = 3
    row_together: tuple[str, ...] = ()
    row_incomplete = "Row {n}: fill in every part of it, or none."

    def row_fields(self, n: int) -> dict[str, forms.Field]:
        raise NotImplementedError

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.row_names: list[str] = []
        for n in range(1, self.row_count + 1):
            fields = self.row_fields(n)
            self.row_names = list(fields)
            for name, field in fields.items():
                self.fields[f"{name}_{n}"] = field

    @property
    def rows(self) -> list[tuple[forms.BoundField, ...]]:
        return [
            tuple(self[f"{name}_{n}"] for name in self.row_names)
            for n in range(1, self.row_count + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in range(1, self.row_count + 1):
            given = [data.get(f"{name}_{n}") for name in self.row_together]
            if any(given) and not all(given):
                self.add_error(f"{self.row_names[0]}_{n}", self.row_incomplete.format(n=n))
        return data

    def row_values(self) -> list[dict[str, Any]]:
        """The rows given (anything in them filled in), each as ``{name: value}``; the service
        they go to decides what else a row needs."""
        data = self.cleaned_data
        return [
            {name: data.get(f"{name}_{n}") for name in self.row_names}
            for n in range(1, self.row_count + 1)
            if any(data.get(f"{name}_{n}") for name in self.row_names)
        ]


def member_label(member: Member) -> str:
    """How a member is named in a list to choose from: their name and their agency."""
    return f"{member}, {member.agency}" if member.agency else str(member)


class MemberChoiceField(forms.ModelChoiceField[Member]):
    def label_from_instance(self, obj: Member) -> str:
        return member_label(obj)


class MemberMultipleChoiceField(forms.ModelMultipleChoiceField[Member]):
    def label_from_instance(self, obj: Member) -> str:
        return member_label(obj)


def posted_or_blank(posted: forms.Form | None, blank: forms.Form) -> forms.Form:
    """A page with several forms: the one that was posted and came back with errors replaces the
    blank one it was posted from, recognised by its field ids (``auto_id``), which name the object
    it belongs to (``complete-12-%s``)."""
    if posted is not None and posted.auto_id == blank.auto_id:
        return posted
    return blank


def service_errors_add(
    form: forms.Form, error: ValidationError, *, renamed: dict[str, str] | None = None
) -> None:
    """Show a service's refusal beside the field it names (``renamed`` maps the service's
    argument names to the form's), or at the top of the form."""
    renamed = renamed or {}
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            field = renamed.get(name, name)
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def areas_narrow(form: forms.Form, partnership: Partnership | None) -> None:
    """Offer in ``form``'s area field only the areas of the partnership the member works in."""
    field = form.fields["area"]
    assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 (every caller's area field is)
    field.queryset = Area.objects.filter(partnership=partnership).order_by("name")
