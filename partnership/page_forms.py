"""The page toolkit's form parts: what every app's forms share.

Forms check what a browser can get wrong (a missing field, a time or date that does not parse) and
turn UK wall-clock times into instants; the services decide what is allowed, and their
``ValidationError`` is put back on the form with ``service_errors_add``. The partials that draw
these forms are ``partnership/_field.html``, ``_error_summary.html`` and ``_conflict.html``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from partnership.models import Area, Member, Partnership

MULTIPLE_HINT = "Hold Ctrl (Cmd on a Mac) to choose more than one."


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


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class LocalDateTimeField(forms.DateTimeField):
    """A browser's ``datetime-local`` value, read as UK time."""

    widget = LocalDateTimeInput
    default_error_messages = {
        "invalid": "Enter the date and the time in full: day, month, year, hours and minutes.",
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


class DateInput(forms.DateInput):
    """A browser's date picker. The format is fixed because ``<input type="date">`` only shows a
    value written as ``2026-06-15``; the locale's ``15/06/2026`` would leave it blank."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class MeetingForm(forms.Form):
    """When and where people meet (a risk conference, an incident's debrief): start and end in UK
    time, and the place. A form that arranges a meeting subclasses it, giving the order of all its
    fields (``field_order``) and what to say when the place is missing (``place_missing``)."""

    place_missing = "Say where you will meet."

    starts_at = LocalDateTimeField(
        label="Starts", help_text="UK time.", error_messages=required_error("Say when it starts.")
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
