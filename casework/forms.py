"""The casework pages' forms: they check what a browser can get wrong; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from casework.intake_models import ContactBy, ReporterKind
from casework.models import CaseOutcome, TaskKind
from casework.review_models import ReviewOutcome
from casework.services.intake import (
    LONGEST_ACCOUNT,
    LONGEST_ADDITION,
    IncidentFromReport,
    ReportDetails,
    Triage,
)
from conference.models import LawfulBasis, RiskLevel
from conference.risk import CHECKLIST
from escalation.models import DeadlineKindChoice, Strand, TensionLevel
from partnership.models import Agency, Area, Member, Partnership
from partnership.page_forms import (
    DateInput,
    LocalDateTimeField,
    MemberChoiceField,
    UKDateField,
    required_error,
)

KIND_CHOICES = [
    (DeadlineKindChoice.HOURS, "Hours"),
    (DeadlineKindChoice.DAYS, "Calendar days"),
    (DeadlineKindChoice.WORKING_DAYS, "Working days"),
]


def _members(partnership: Partnership | None) -> Any:
    return (
        Member.objects.filter(is_active=True, partnerships=partnership, agency__isnull=False)
        .select_related("agency")
        .order_by("agency__name", "last_name", "first_name")
    )


def _agencies(partnership: Partnership | None) -> Any:
    return Agency.objects.filter(partnerships=partnership, is_active=True).order_by("name")


class CaseOpenForm(forms.Form):
    incident = forms.IntegerField(widget=forms.HiddenInput)
    risk_level = forms.ChoiceField(
        label="Risk level", choices=RiskLevel.choices, initial=RiskLevel.STANDARD
    )


class TaskCompleteForm(forms.Form):
    done_at = LocalDateTimeField(
        label="When it happened",
        help_text="UK time. Leave empty for now.",
        required=False,
    )
    note = forms.CharField(
        label="What was done",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=required_error("Say what was done."),
    )

    def __init__(self, *args: Any, task_id: int, kind: str, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"task-{task_id}-%s")
        super().__init__(*args, **kwargs)
        if kind == TaskKind.FOLLOW_UP:
            self.fields["note"].label = "What the victim says of the service"
            self.fields["note"].error_messages["required"] = (
                "Record what the victim says of the service."
            )


class ActionAddForm(forms.Form):
    description = forms.CharField(
        label="Action",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=required_error("Say what is to be done."),
    )
    owner = MemberChoiceField(
        queryset=Member.objects.none(),
        label="Owner",
        empty_label="Choose who does it",
        error_messages=required_error("Choose who does it."),
    )
    due_on = forms.DateField(
        label="Due by",
        widget=DateInput,
        help_text="The end of this day, UK time.",
        error_messages=required_error("Give the date it is due by."),
    )

    def __init__(self, *args: Any, partnership: Partnership | None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "action-%s")
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _members(partnership)  # type: ignore[attr-defined]


class RiskForm(forms.Form):
    level = forms.ChoiceField(label="Risk level", choices=RiskLevel.choices)
    reason = forms.CharField(
        label="Why",
        max_length=500,
        error_messages=required_error("Say why the risk level changes."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "risk-%s")
        super().__init__(*args, **kwargs)


class LeadForm(forms.Form):
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        label="Lead agency",
        error_messages=required_error("Choose the lead agency."),
    )
    officer = MemberChoiceField(
        queryset=Member.objects.none(), label="Lead officer", required=False
    )
    reason = forms.CharField(
        label="Why", max_length=500, error_messages=required_error("Say why the lead changes.")
    )

    def __init__(self, *args: Any, partnership: Partnership | None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "lead-%s")
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = _agencies(partnership)  # type: ignore[attr-defined]
        self.fields["officer"].queryset = _members(partnership)  # type: ignore[attr-defined]


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=[("", "Choose the outcome"), *CaseOutcome.choices],
        error_messages=required_error("Choose the outcome of the case."),
    )
    notes = forms.CharField(label="Notes", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    victim_view = forms.CharField(
        label="What the victim says of the outcome",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Or why they could not be asked.",
        error_messages=required_error("Record what the victim says of the outcome."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "close-%s")
        super().__init__(*args, **kwargs)


class OfficerForm(forms.Form):
    reason = forms.CharField(
        label="Why the senior police officer should look again",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=required_error("Say why the senior police officer should look again."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "officer-%s")
        super().__init__(*args, **kwargs)


class ReferForm(forms.Form):
    person = forms.ChoiceField(
        label="Victim", error_messages=required_error("Choose the victim to refer.")
    )
    summary = forms.CharField(
        label="Why the case needs the panel",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=required_error("Say why this case needs the panel."),
    )
    raised_level = forms.ChoiceField(
        label="Risk level by professional judgement",
        choices=[("", "As assessed"), *RiskLevel.choices],
        required=False,
    )
    raised_reason = forms.CharField(label="Reason for the level", required=False)
    lawful_basis = forms.ChoiceField(
        label="Consent, or the lawful basis for sharing without it",
        choices=[("", "Choose"), *LawfulBasis.choices],
        error_messages=required_error("Record consent, or the lawful basis for sharing."),
    )
    consent_notes = forms.CharField(label="Consent notes", required=False)

    def __init__(self, *args: Any, victims: list[tuple[int, str]], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "refer-%s")
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "Choose"), *victims]  # type: ignore[attr-defined]
        # The hate crime risk assessment, each question a yes (ticked) or a no.
        for question in CHECKLIST:
            self.fields[f"q_{question.code}"] = forms.BooleanField(
                label=question.text, required=False
            )

    def answers(self) -> dict[str, bool]:
        return {q.code: bool(self.cleaned_data.get(f"q_{q.code}")) for q in CHECKLIST}

    def questions(self) -> list[forms.BoundField]:
        return [self[f"q_{q.code}"] for q in CHECKLIST]


class CaseRuleForm(forms.Form):
    area = forms.ModelChoiceField(
        queryset=Area.objects.none(), label="Area", required=False, empty_label="Any area"
    )
    strand = forms.ChoiceField(
        label="Strand", choices=[("", "Any strand"), *Strand.choices], required=False
    )
    lead_agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        label="Lead agency",
        error_messages=required_error("Choose the lead agency."),
    )
    lead_officer = MemberChoiceField(
        queryset=Member.objects.none(), label="Lead officer", required=False
    )

    def __init__(self, *args: Any, partnership: Partnership | None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "rule-%s")
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.filter(  # type: ignore[attr-defined]
            partnership=partnership
        )
        self.fields["lead_agency"].queryset = _agencies(partnership)  # type: ignore[attr-defined]
        self.fields["lead_officer"].queryset = _members(partnership)  # type: ignore[attr-defined]


class StandardForm(forms.Form):
    risk_level = forms.ChoiceField(label="Risk level", choices=RiskLevel.choices)
    contact_kind = forms.ChoiceField(label="Contact within (unit)", choices=KIND_CHOICES)
    contact_amount = forms.IntegerField(label="Contact within", min_value=1)
    visit_kind = forms.ChoiceField(label="Visit within (unit)", choices=KIND_CHOICES)
    visit_amount = forms.IntegerField(label="Visit within", min_value=1)
    follow_up_days = forms.IntegerField(
        label="Follow-up within (days of the visit)", min_value=1, initial=14
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "standard-%s")
        super().__init__(*args, **kwargs)


# --- Reports from anyone -------------------------------------------------------------------------
class ReportForm(forms.Form):
    """The public reporting page (and, with consent, a reporting centre's)."""

    partnership = forms.ModelChoiceField(
        queryset=Partnership.objects.order_by("name"),
        label="Where it happened",
        empty_label="Choose the partnership for the area",
        error_messages=required_error("Choose where it happened."),
    )
    reporter_kind = forms.ChoiceField(
        label="Who are you in what happened?",
        choices=[c for c in ReporterKind.choices if c[0] != ReporterKind.CENTRE],
        widget=forms.RadioSelect,
        error_messages=required_error("Say who you are in what happened."),
    )
    what_happened = forms.CharField(
        label="What happened",
        max_length=LONGEST_ACCOUNT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=f"In your own words, up to {LONGEST_ACCOUNT} characters. You can add more "
        "later with the reference you are given.",
        error_messages=required_error("Say what happened."),
    )
    where = forms.CharField(label="Where (optional)", max_length=300, required=False)
    happened_at = LocalDateTimeField(label="When (optional)", required=False, help_text="UK time.")
    strands = forms.MultipleChoiceField(
        label="Why do you think it happened? (optional)",
        choices=Strand.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Because of someone's race, religion, sexual orientation, disability or gender "
        "identity.",
    )
    anonymous = forms.BooleanField(
        label="Report anonymously: do not record my name or contact details", required=False
    )
    name = forms.CharField(label="Your name (optional)", max_length=200, required=False)
    contact_by = forms.ChoiceField(
        label="May we contact you?",
        choices=ContactBy.choices,
        initial=ContactBy.NONE,
        widget=forms.RadioSelect,
    )
    contact = forms.CharField(label="Email address or phone number", max_length=200, required=False)
    wants_outcome = forms.BooleanField(label="Tell me what is done with my report", required=False)
    may_pass_to_police = forms.BooleanField(
        label="My report may be passed to the police", required=False
    )
    # The honeypot: hidden from people (CSS and aria-hidden), filled in by form-filling robots.
    website = forms.CharField(required=False, label="Leave this empty")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "report-%s")
        super().__init__(*args, **kwargs)
        self.fields["area"] = forms.ModelChoiceField(
            queryset=Area.objects.select_related("partnership").order_by(
                "partnership__name", "name"
            ),
            label="Area (optional)",
            required=False,
            empty_label="Not sure",
        )
        self.order_fields(["partnership", "area"])

    def details(self) -> ReportDetails:
        data = self.cleaned_data
        return ReportDetails(
            reporter_kind=data.get("reporter_kind", ReporterKind.CENTRE),
            what_happened=data["what_happened"],
            where=data["where"],
            area=data["area"],
            happened_at=data["happened_at"],
            strands=tuple(data["strands"]),
            anonymous=data["anonymous"],
            name=data["name"],
            contact_by=data["contact_by"],
            contact=data["contact"],
            wants_outcome=data["wants_outcome"],
            may_pass_to_police=data["may_pass_to_police"],
        )


class CentreReportForm(ReportForm):
    consent_notes = forms.CharField(
        label="The person's consent",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Who gave consent to passing this report on, and to what (the police too?).",
        error_messages=required_error("Record the person's consent to passing this report on."),
    )

    def __init__(self, *args: Any, partnership: Partnership | None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "centre-%s")
        super().__init__(*args, **kwargs)
        for name in ("partnership", "reporter_kind", "website"):
            del self.fields[name]
        self.fields["area"].queryset = Area.objects.filter(  # type: ignore[attr-defined]
            partnership=partnership
        )
        self.fields["anonymous"].label = "The person wants to stay anonymous"
        self.fields["name"].label = "Their name (optional)"
        self.fields["contact_by"].label = "May the partnership contact them?"
        self.fields["wants_outcome"].label = "They want to be told what is done with the report"


class AddToReportForm(forms.Form):
    reference = forms.CharField(
        label="Your reference",
        max_length=20,
        help_text="As you were given it, like R-ABCD-EFGH-JKMN.",
        error_messages=required_error("Give your reference."),
    )
    text = forms.CharField(
        label="What you want to add (optional)",
        max_length=LONGEST_ADDITION,
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    website = forms.CharField(required=False, label="Leave this empty")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "more-%s")
        super().__init__(*args, **kwargs)


class TriageForm(forms.Form):
    decision = forms.ChoiceField(
        label="What to do with it",
        choices=Triage.CHOICES,
        widget=forms.RadioSelect,
        error_messages=required_error("Choose what to do with the report."),
    )
    reason = forms.CharField(
        label="Why",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=required_error("Say why."),
    )
    title = forms.CharField(label="Incident title", max_length=200, required=False)
    area = forms.ModelChoiceField(queryset=Area.objects.none(), label="Area", required=False)
    tension_level = forms.ChoiceField(
        label="Community tension", choices=[("", "Choose"), *TensionLevel.choices], required=False
    )
    strands = forms.MultipleChoiceField(
        label="Strands", choices=Strand.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    risk_level = forms.ChoiceField(
        label="Risk level of the case", choices=RiskLevel.choices, initial=RiskLevel.STANDARD
    )
    existing_incident = forms.IntegerField(
        label="Existing incident number (for 'add it')", required=False, min_value=1
    )
    outcome_message = forms.CharField(
        label="What the reporter is told",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Shown to whoever holds the report's reference, and emailed if they gave an "
        "address. Say what is being done; name no one.",
    )

    def __init__(self, *args: Any, partnership: Partnership | None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "triage-%s")
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.filter(  # type: ignore[attr-defined]
            partnership=partnership
        )

    def incident(self) -> IncidentFromReport | None:
        data = self.cleaned_data
        if not data.get("title") or data.get("area") is None or not data.get("tension_level"):
            return None
        return IncidentFromReport(
            title=data["title"],
            area=data["area"],
            tension_level=data["tension_level"],
            strands=data["strands"],
            risk_level=data["risk_level"],
        )


# --- Case review at the casework group's meetings ------------------------------------------------
class ReviewOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label="What the group decided",
        choices=ReviewOutcome.choices,
        widget=forms.RadioSelect,
        error_messages=required_error("Choose what the group decided."),
    )
    next_review_on = UKDateField(
        label="Review again on or after",
        help_text="The group's first meeting on or after this day reviews the case again, if it "
        "is still open.",
        error_messages=required_error("Say when the group reviews the case again."),
    )
    notes = forms.CharField(
        label="Notes (optional)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept on the case, not in the minutes.",
    )

    def __init__(self, *args: Any, review_id: int, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"review-{review_id}-%s")
        super().__init__(*args, **kwargs)


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="Why the case is reopened",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=required_error("Say why the case is reopened."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "reopen-%s")
        super().__init__(*args, **kwargs)
