"""The review pages' forms: a timeline's filter, the replay moment, the incidents compliance
counts, a report's period and the access log's filter."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

from escalation.deadlines import day_start
from escalation.models import Strand
from partnership.models import Agency, Area, Member
from partnership.page_forms import DateInput, LocalDateTimeField, UKDateField, service_errors_add
from review.compliance import ComplianceFilter
from review.replay import replay_moment_refusal
from review.reports import Period, report_period
from review.timeline import Present, TimelineFilter

# What each kind of event is called in the filter; a kind not listed is shown by its code.
KIND_LABELS: dict[str, str] = {
    "incident": "The incident itself",
    "protocol": "Protocol",
    "duty": "Duties",
    "notification": "Messages and acknowledgements",
    "situation_report": "Situation reports",
    "meeting": "Meetings",
    "timeline": "Exports of this timeline",
    "person": "The person's record",
    "referral": "Referrals",
    "repeat": "Repeat rules",
    "conference": "Conferences",
    "room": "Conference room",
    "action": "Conference actions",
}
_KIND_ORDER = list(KIND_LABELS)


def _kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())


# --- Timelines -----------------------------------------------------------------------------------
class TimelineFilterForm(forms.Form):
    """The filter over one timeline. Kinds and agencies offered are those present in it."""

    kind = forms.MultipleChoiceField(
        label="What happened",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave every box empty to see everything.",
    )
    agency = forms.ModelChoiceField(
        label="Agency", queryset=Agency.objects.none(), required=False, empty_label="Any agency"
    )
    since = LocalDateTimeField(label="From", required=False, help_text="UK time.")
    until = LocalDateTimeField(label="To", required=False, help_text="UK time.")
    after = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, data: QueryDict, *, present: Present) -> None:
        """``present``: what the record holds (``Record.present``)."""
        super().__init__(data)
        kinds = sorted(
            {verb.split(".", 1)[0] for verb in present.verbs},
            key=lambda k: (_KIND_ORDER.index(k) if k in _KIND_ORDER else len(_KIND_ORDER), k),
        )
        kind_field = self.fields["kind"]
        assert isinstance(kind_field, forms.MultipleChoiceField)  # noqa: S101 (declared above)
        kind_field.choices = [(k, _kind_label(k)) for k in kinds]
        agency_field = self.fields["agency"]
        assert isinstance(agency_field, forms.ModelChoiceField)  # noqa: S101 (declared above)
        agency_field.queryset = Agency.objects.filter(pk__in=present.agency_ids).order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "The end must not be before the start.")
        return data

    def wanted(self) -> TimelineFilter:
        """The filter chosen; call only on a valid form."""
        data = self.cleaned_data
        agency: Agency | None = data["agency"]
        return TimelineFilter(
            kinds=tuple(data["kind"]),
            agency_id=agency.pk if agency else None,
            since=data["since"],
            until=data["until"],
        )

    @property
    def filtered(self) -> bool:
        return self.is_valid() and self.wanted() != TimelineFilter()


class ReplayForm(forms.Form):
    at = LocalDateTimeField(
        label="As at",
        help_text="UK time, up to now. The page shows the incident as it stood at that moment.",
        error_messages={"required": "Say the moment to replay: day, month, year and time."},
    )

    def clean_at(self) -> datetime:
        at: datetime = self.cleaned_data["at"]
        refusal = replay_moment_refusal(at)
        if refusal:
            raise forms.ValidationError(refusal)
        return at


# --- Compliance across incidents -----------------------------------------------------------------
class ComplianceFilterForm(forms.Form):
    start = UKDateField(
        label="Declared from", required=False, widget=DateInput, help_text="UK date."
    )
    end = UKDateField(label="Declared to", required=False, widget=DateInput, help_text="Inclusive.")
    area = forms.ModelChoiceField(
        queryset=Area.objects.order_by("name"), required=False, empty_label="Any area"
    )
    strand = forms.ChoiceField(required=False, choices=[("", "Any strand"), *Strand.choices])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The end date must not be before the start date.")
        return data

    def wanted(self) -> ComplianceFilter:
        """The incidents chosen, the end date counted whole; call only on a valid form."""
        data = self.cleaned_data
        start: date | None = data["start"]
        end: date | None = data["end"]
        area: Area | None = data["area"]
        return ComplianceFilter(
            since=day_start(start) if start else None,
            # The last moment of the end date (timestamps are kept to the microsecond).
            until=day_start(end + timedelta(days=1)) - timedelta(microseconds=1) if end else None,
            area_id=area.pk if area else None,
            strand=data["strand"],
        )


# --- The partnership report ----------------------------------------------------------------------
class ReportPeriodForm(forms.Form):
    start = UKDateField(label="From", required=False, widget=DateInput)
    end = UKDateField(label="To", required=False, widget=DateInput, help_text="Inclusive.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            try:
                self._period = report_period(data.get("start"), data.get("end"))
            except ValidationError as error:
                service_errors_add(self, error)
        return data

    def period(self) -> Period:
        """The period chosen, or the current half-year; call only on a valid form."""
        return self._period


# --- Who viewed personal data --------------------------------------------------------------------
_REFERENCE = re.compile(r"^\s*(?:P-?)?0*(\d{1,9})\s*$", re.IGNORECASE)


class MemberChoice(forms.ModelChoiceField[Member]):
    def label_from_instance(self, obj: Member) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.username})" if name else obj.username


class AccessLogFilterForm(forms.Form):
    member = MemberChoice(
        label="Who viewed",
        queryset=Member.objects.order_by("last_name", "first_name", "username"),
        required=False,
        empty_label="Anyone",
    )
    person = forms.CharField(
        label="Person reference",
        required=False,
        max_length=20,
        help_text="For example P-00012.",
    )

    def clean_person(self) -> int | None:
        text = self.cleaned_data["person"]
        if not text:
            return None
        match = _REFERENCE.match(text)
        if match is None:
            raise forms.ValidationError("Enter a person reference like P-00012.")
        return int(match.group(1))
