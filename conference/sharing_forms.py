"""The shapes of what the sharing of a person's record with another partnership accepts."""

from __future__ import annotations

from typing import Any

from django import forms

from conference.models import LawfulBasis, Person
from partnership.models import Partnership
from partnership.page_forms import required_error


class PersonShareForm(forms.Form):
    partnership = forms.ModelChoiceField(
        label="Partnership to share the record with",
        queryset=Partnership.objects.none(),
        empty_label="Choose a partnership",
        error_messages=required_error("Choose the partnership that needs the record."),
    )
    basis = forms.ChoiceField(
        label="Lawful basis for sharing",
        choices=LawfulBasis.choices,
        widget=forms.RadioSelect,
        error_messages=required_error(
            "Record consent, or the lawful basis for sharing without it."
        ),
    )
    reason = forms.CharField(
        label="Why they need it",
        help_text="Kept with the share and shown to both partnerships' co-ordinators.",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=required_error("Say why the other partnership needs this record."),
    )

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "share-%s")
        super().__init__(*args, **kwargs)
        field = self.fields["partnership"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 (declared above)
        field.queryset = Partnership.objects.exclude(pk=person.partnership_id).order_by("name")


class ShareWithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Why it is no longer shared",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=required_error("Say why the record is no longer shared."),
    )

    def __init__(self, *args: Any, share_id: int, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"withdraw-{share_id}-%s")
        super().__init__(*args, **kwargs)
        self.share_id = share_id
