"""The debrief page's forms: the record (with the actions agreed), one more action, and an
action recorded as done."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from partnership.models import Member
from partnership.page_forms import DateInput, MemberChoiceField, MemberMultipleChoiceField
from review.services.actions import ActionPlan

# Rows for actions on the record's form; more are added after, one at a time.
ACTION_ROWS = 3


class DebriefRecordForm(forms.Form):
    attendees = MemberMultipleChoiceField(
        queryset=Member.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Who attended",
    )
    other_attendees = forms.CharField(
        required=False,
        label="Others who attended",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="People without an account here: name and organisation, one a line.",
    )
    what_happened = forms.CharField(
        label="What happened",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Say what happened."},
    )
    what_worked = forms.CharField(
        label="What worked",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say what worked (write 'nothing' if nothing did)."},
    )
    what_did_not_work = forms.CharField(
        label="What did not work",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say what did not work (write 'nothing' if everything did)."},
    )
    lessons = forms.CharField(
        label="Lessons",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write the lessons learnt."},
    )

    def __init__(self, *args: Any, members: QuerySet[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        attendees = self.fields["attendees"]
        assert isinstance(attendees, forms.ModelMultipleChoiceField)  # noqa: S101 (declared so)
        attendees.queryset = members
        for row in range(1, ACTION_ROWS + 1):
            self.fields[f"action_{row}"] = forms.CharField(
                required=False, label=f"Action {row}: what is to be done"
            )
            self.fields[f"owner_{row}"] = MemberChoiceField(
                queryset=members, required=False, label=f"Action {row}: owner"
            )
            self.fields[f"due_on_{row}"] = forms.DateField(
                required=False, widget=DateInput, label=f"Action {row}: due by"
            )

    def action_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (self[f"action_{row}"], self[f"owner_{row}"], self[f"due_on_{row}"])
            for row in range(1, ACTION_ROWS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for row in range(1, ACTION_ROWS + 1):
            given = [data.get(f"action_{row}"), data.get(f"owner_{row}"), data.get(f"due_on_{row}")]
            if any(given) and not all(given):
                self.add_error(
                    f"action_{row}",
                    f"Action {row}: give what is to be done, its owner and its date (or none).",
                )
        return data

    def plans(self) -> list[ActionPlan]:
        data = self.cleaned_data
        return [
            ActionPlan(
                description=data[f"action_{row}"],
                owner_id=data[f"owner_{row}"].pk,
                due_on=data[f"due_on_{row}"],
            )
            for row in range(1, ACTION_ROWS + 1)
            if data.get(f"action_{row}")
        ]


class PlanActionForm(forms.Form):
    description = forms.CharField(
        label="What is to be done",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say what is to be done."},
    )
    owner = MemberChoiceField(
        queryset=Member.objects.none(),
        label="Owner",
        empty_label="Choose who owns it",
        error_messages={"required": "Choose who owns the action."},
    )
    due_on = forms.DateField(
        label="Due by",
        widget=DateInput,
        help_text="The end of this day, UK time. Not done by then, it is chased up the ladder.",
        error_messages={"required": "Give the date it is due by."},
    )

    def __init__(self, *args: Any, members: QuerySet[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)  # noqa: S101 (declared so)
        owner.queryset = members

    def plan(self) -> ActionPlan:
        data = self.cleaned_data
        return ActionPlan(
            description=data["description"], owner_id=data["owner"].pk, due_on=data["due_on"]
        )


class PlanActionCompleteForm(forms.Form):
    outcome = forms.CharField(
        label="What was done",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say what was done."},
    )
