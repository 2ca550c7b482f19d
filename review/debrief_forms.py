"""The debrief page's forms: the record (with the actions agreed), one more action, and an
action recorded as done."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from partnership.models import Member
from partnership.page_forms import (
    DateInput,
    MemberChoiceField,
    MemberMultipleChoiceField,
    RowsForm,
)
from review.services.actions import ActionPlan


class DebriefRecordForm(RowsForm):
    """The record, with up to three actions agreed (what, owner, due by: all or none of each);
    more are agreed after, one at a time (``PlanActionForm``)."""

    row_together = ("action", "owner", "due_on")
    row_incomplete = "Action {n}: give what is to be done, its owner and its date (or none)."

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
        self.members = members
        super().__init__(*args, **kwargs)
        attendees = self.fields["attendees"]
        assert isinstance(attendees, forms.ModelMultipleChoiceField)  # noqa: S101 (declared so)
        attendees.queryset = members

    def row_fields(self, n: int) -> dict[str, forms.Field]:
        return {
            "action": forms.CharField(required=False, label=f"Action {n}: what is to be done"),
            "owner": MemberChoiceField(
                queryset=self.members, required=False, label=f"Action {n}: owner"
            ),
            "due_on": forms.DateField(
                required=False, widget=DateInput, label=f"Action {n}: due by"
            ),
        }

    def plans(self) -> list[ActionPlan]:
        return [
            ActionPlan(description=row["action"], owner_id=row["owner"].pk, due_on=row["due_on"])
            for row in self.row_values()
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
