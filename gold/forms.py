from __future__ import annotations

from typing import Any

from django import forms

from gold.models import CommsChannel, ShareKind
from partnership.models import Member, Partnership
from partnership.page_forms import (
    LocalDateTimeField,
    MemberChoiceField,
    MemberMultipleChoiceField,
    RowsForm,
)


class LinkRequestForm(forms.Form):
    partnership = forms.ModelChoiceField(
        queryset=Partnership.objects.none(),
        label="The other partnership",
        empty_label="Choose a partnership",
        error_messages={"required": "Choose the partnership whose incident this is connected to."},
    )
    reference = forms.CharField(
        label="Their incident's reference",
        max_length=20,
        help_text="As their co-ordinator gives it, for example HC-00042.",
        error_messages={"required": "Give the other partnership's incident reference."},
    )
    reason = forms.CharField(
        label="Why they are connected",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The other partnership's co-ordinator reads this before agreeing. Do not name "
        "a victim.",
        error_messages={"required": "Say why the incidents are connected."},
    )

    def __init__(self, *args: object, partnerships: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["partnership"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 (declared so)
        field.queryset = partnerships  # type: ignore[assignment]


class LinkReasonForm(forms.Form):
    reason = forms.CharField(
        label="Your reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Both partnerships' timelines record it.",
        error_messages={"required": "Give your reason."},
    )


# --- Gold groups ---------------------------------------------------------------------------------
class ConveneForm(forms.Form):
    title = forms.CharField(
        label="Group title",
        max_length=200,
        help_text="For example the operation's name. Members see it in their notification.",
        error_messages={"required": "Give the group a title."},
    )
    members = MemberMultipleChoiceField(
        queryset=Member.objects.none(),
        label="Members",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="From the agencies involved (for a joint group, from both partnerships). You "
        "sit in it too. Each is told at once.",
    )

    def __init__(self, *args: object, choices: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["members"]
        assert isinstance(field, forms.ModelMultipleChoiceField)  # noqa: S101 (declared so)
        field.queryset = choices  # type: ignore[assignment]


class SeatForm(forms.Form):
    members = MemberMultipleChoiceField(
        queryset=Member.objects.none(),
        label="Seat in the group",
        widget=forms.CheckboxSelectMultiple,
        help_text="From the parties' agencies. Each is told at once, and the room shows them.",
        error_messages={"required": "Choose who to seat in the group."},
    )

    def __init__(self, *args: object, choices: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["members"]
        assert isinstance(field, forms.ModelMultipleChoiceField)  # noqa: S101 (declared so)
        field.queryset = choices  # type: ignore[assignment]


class StandDownForm(forms.Form):
    reason = forms.CharField(
        label="Why the group stands down",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Every member is told, and every party's timeline records it. The room stays "
        "to read; nothing more can be decided in it.",
        error_messages={"required": "Say why the group stands down."},
    )


class ShareForm(forms.Form):
    shares = forms.MultipleChoiceField(
        label="What we share with this group",
        choices=ShareKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Members from the other partnership see only what is ticked, and only while it "
        "is. Our own members see our incident as they always may.",
    )


class DecisionForm(RowsForm):
    """A decision under the Joint Decision Model's headings, with up to three options weighed
    (the service checks one is chosen and each rejected one says why)."""

    information = forms.CharField(
        label="Information and intelligence",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What is known, and what it rests on.",
        error_messages={"required": "Say what information the decision rests on."},
    )
    threat_and_risk = forms.CharField(
        label="Threat and risk assessed",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what threat and risk were assessed."},
    )
    powers_and_policies = forms.CharField(
        label="Powers and policies considered",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say which powers and policies were considered."},
    )
    decision = forms.CharField(
        label="The decision",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say what was decided."},
    )
    rationale = forms.CharField(
        label="Why this option",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why this option was chosen."},
    )
    review_at = LocalDateTimeField(
        label="Review by",
        help_text="UK time. Not reviewed by then, it is chased: you, your deputy and the gold "
        "group, then the CSP Co-ordinator and the Council chief officer.",
        error_messages={"required": "Say when the decision is to be reviewed."},
    )
    supersedes = forms.IntegerField(required=False, widget=forms.HiddenInput)
    change_reason = forms.CharField(
        label="Why it is changed (or reviewed)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def row_fields(self, n: int) -> dict[str, forms.Field]:
        return {
            "option": forms.CharField(label=f"Option {n}", required=False, max_length=500),
            "chosen": forms.BooleanField(label=f"Option {n} is the one chosen", required=False),
            "why": forms.CharField(
                label=f"Option {n}: why rejected", required=False, max_length=1000
            ),
        }

    def options(self) -> list[dict[str, Any]]:
        return [
            {"option": row["option"] or "", "chosen": bool(row["chosen"]), "why": row["why"] or ""}
            for row in self.row_values()
        ]


class CommsForm(forms.Form):
    audiences = forms.CharField(
        label="To whom",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Which communities, areas or agencies' staff.",
        error_messages={"required": "Say who it is for."},
    )
    message = forms.CharField(
        label="The message",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write the message."},
    )
    channel = forms.ChoiceField(
        label="Channel",
        choices=CommsChannel.choices,
        error_messages={"required": "Choose how it goes out."},
    )
    approver = MemberChoiceField(
        queryset=Member.objects.none(),
        label="Approved by",
        empty_label="Choose a group member",
        error_messages={"required": "Choose the group member who approves it."},
    )
    send_at = LocalDateTimeField(
        label="Goes out at",
        help_text="UK time.",
        error_messages={"required": "Say when it is to go out."},
    )

    def __init__(self, *args: Any, approvers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["approver"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 (declared so)
        field.queryset = approvers


class CommsAnswerForm(forms.Form):
    response = forms.CharField(
        label="What came back",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say what came back (or that nothing did)."},
    )
