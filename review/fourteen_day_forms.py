"""The 14-day report's draft, as the CSP Co-ordinator edits it."""

from __future__ import annotations

from django import forms


class FourteenDayForm(forms.Form):
    what_happened = forms.CharField(
        label="What happened", widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    immediate_outcome = forms.CharField(
        label="The immediate outcome", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    actions_taken = forms.CharField(
        label="Actions taken", widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    current_tension = forms.CharField(
        label="Current tension",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="The level recorded now, and what it rests on.",
    )
    what_members_should_do = forms.CharField(
        label="What members should do",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="What each member agency is asked to do or watch for. The report cannot be "
        "approved without it.",
    )
