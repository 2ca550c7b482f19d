from __future__ import annotations

from django import forms

from partnership.models import Partnership
from partnership.page_forms import DateInput, UKDateField


class ScrutinySendForm(forms.Form):
    partnership = forms.ModelChoiceField(
        queryset=Partnership.objects.none(),
        label="To",
        empty_label="Choose a partnership",
        error_messages={"required": "Choose the partnership to ask."},
    )
    question = forms.CharField(
        label="Question",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What the partnership is to answer. Ask about its figures and its work; do not "
        "name or describe anyone.",
        error_messages={"required": "Write the question the partnership is to answer."},
    )
    due_on = UKDateField(
        label="Answer due by",
        widget=DateInput,
        help_text="The end of this day, UK time. Unanswered, it is chased up the ladder.",
        error_messages={"required": "Give the date the answer is due by."},
    )

    def __init__(self, *args: object, partnerships: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["partnership"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 (declared so)
        field.queryset = partnerships  # type: ignore[assignment]


class ScrutinyAnswerForm(forms.Form):
    answer = forms.CharField(
        label="The partnership's answer",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="The oversight body sees this answer. Give figures and what was done; do not "
        "name or describe anyone.",
        error_messages={"required": "Write the partnership's answer."},
    )
