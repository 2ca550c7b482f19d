"""The shapes of what the risk-conference pages accept.

Forms check what a browser can get wrong (a missing answer, a time that does not parse) and turn
UK wall-clock times into instants; the services decide what the process allows, and their
``ValidationError`` is put back on the form with ``service_errors_add``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from conference.models import (
    Action,
    Attendance,
    ConferenceKind,
    IncidentPerson,
    LawfulBasis,
    Person,
    Referral,
    ReferralReason,
    RepeatFlag,
    RiskLevel,
    Visibility,
)
from conference.risk import CHECKLIST, Question
from escalation.models import Incident
from partnership.models import Agency, Area, Member
from partnership.page_forms import (
    MULTIPLE_HINT,
    DateInput,
    LocalDateTimeField,
    MeetingForm,
    MemberChoiceField,
    MemberMultipleChoiceField,
    UKDateField,
    required_error,
)

__all__ = [
    "ActionCompleteForm",
    "AgendaAddForm",
    "AttendanceForm",
    "ConferenceForm",
    "CorrectionForm",
    "FlagDismissForm",
    "IncidentLinkForm",
    "InviteForm",
    "PersonForm",
    "ReferralForm",
    "ResearchForm",
    "RoomActionForm",
    "RoomRiskForm",
    "RoomShareForm",
]

YES_NO = [("yes", "Yes"), ("no", "No"), ("not_known", "Not known")]
ANSWER_OF = {"yes": True, "no": False, "not_known": None}


def person_label(person: Person) -> str:
    """Only for lists of people the viewer may see (``people_visible``)."""
    return f"{person.reference}: {person.full_name}"


class PersonChoiceField(forms.ModelChoiceField[Person]):
    def label_from_instance(self, obj: Person) -> str:
        return person_label(obj)


class IncidentChoiceField(forms.ModelChoiceField[Incident]):
    def label_from_instance(self, obj: Incident) -> str:
        return f"{obj.reference}: {obj.title} ({obj.occurred_at:%d %b %Y})"


class ReferralChoiceField(forms.ModelChoiceField[Referral]):
    def label_from_instance(self, obj: Referral) -> str:
        # A case reference, never a name: the agenda goes to the whole panel.
        return (
            f"Referral {obj.pk}: case {obj.person.reference}, {obj.get_level_display()} risk, "
            f"from {obj.referring_agency} ({obj.created_at:%d %b %Y})"
        )


# --- People --------------------------------------------------------------------------------------
class PersonForm(forms.Form):
    full_name = forms.CharField(
        label="Full name",
        max_length=200,
        help_text="As the person gives it. Only those working on their case see it.",
        error_messages=required_error("Give the person's name."),
    )
    known_as = forms.CharField(label="Known as (optional)", max_length=100, required=False)
    date_of_birth = UKDateField(
        label="Date of birth (optional)",
        required=False,
        widget=DateInput(),
        error_messages={"invalid": "Enter the date of birth as day, month and year."},
    )
    area = forms.ModelChoiceField(
        label="Area (optional)",
        queryset=Area.objects.order_by("name"),
        required=False,
        empty_label="Not known",
        help_text="Where they live, or where the incidents happen.",
    )
    safe_contact = forms.CharField(
        label="How to contact them safely (optional)",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example a number where a message may be left, or times to avoid. Never "
        "shared outside the case.",
    )
    address = forms.CharField(
        label="Address (optional)",
        max_length=300,
        required=False,
        help_text="Used to notice when the same person is recorded twice.",
    )


class IncidentLinkForm(forms.Form):
    incident = IncidentChoiceField(
        label="Incident",
        queryset=Incident.objects.none(),
        empty_label="Choose an incident",
        help_text="Incidents shared with you. The repeat rules run as soon as you link one.",
        error_messages=required_error("Choose the incident to link."),
    )
    involvement = forms.ChoiceField(
        label="Their involvement",
        choices=IncidentPerson.Involvement.choices,
        initial=IncidentPerson.Involvement.VICTIM,
        widget=forms.RadioSelect,
        help_text="Only victims count towards the repeat-victim rules; perpetrators and suspects "
        "towards the repeat-perpetrator rule.",
        error_messages=required_error("Choose their part in the incident."),
    )

    def __init__(self, *args: Any, incidents: QuerySet[Incident], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "link-%s")
        super().__init__(*args, **kwargs)
        incident = self.fields["incident"]
        assert isinstance(incident, IncidentChoiceField)  # noqa: S101 (declared above)
        incident.queryset = incidents


# --- Repeat flags --------------------------------------------------------------------------------
class FlagDismissForm(forms.Form):
    reason = forms.CharField(
        label="Why no referral is needed",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=required_error("Say why no referral is needed."),
    )

    def __init__(self, *args: Any, flag: RepeatFlag, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"dismiss-{flag.pk}-%s")
        super().__init__(*args, **kwargs)
        self.flag = flag


# --- Referrals -----------------------------------------------------------------------------------
def answer_field_name(question: Question) -> str:
    return f"answer_{question.code}"


class ReferralForm(forms.Form):
    """A referral with its risk assessment. The person (and the flag, when the referral answers
    one) arrive in the address; each checklist question is a yes/no pair that must be answered."""

    person = PersonChoiceField(
        label="Who is being referred",
        queryset=Person.objects.none(),
        empty_label="Choose a person",
        error_messages=required_error("Choose the person being referred."),
    )
    flag = forms.ModelChoiceField(
        queryset=RepeatFlag.objects.none(), required=False, widget=forms.HiddenInput
    )
    reason = forms.ChoiceField(
        label="Why you are referring",
        choices=ReferralReason.choices,
        widget=forms.RadioSelect,
        error_messages=required_error("Choose why you are referring."),
    )
    summary = forms.CharField(
        label="Why this case needs the panel",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What has happened, what you are worried about and what your agency has done. "
        "The panel reads this.",
        error_messages=required_error("Say why this case needs the panel."),
    )
    raised_level = forms.ChoiceField(
        label="Raise the level on professional judgement (optional)",
        choices=[("", "No: keep the level the checklist gives"), *RiskLevel.choices],
        required=False,
        help_text="Professional judgement may raise the level the checklist gives, never lower it.",
    )
    raised_reason = forms.CharField(
        label="Why you are raising it",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed only when you raise the level.",
    )
    lawful_basis = forms.ChoiceField(
        label="Consent, or the lawful basis for sharing without it",
        choices=LawfulBasis.choices,
        widget=forms.RadioSelect,
        help_text="Share without consent only where the law allows it, and record which law.",
        error_messages=required_error(
            "Record consent, or the lawful basis for sharing without it."
        ),
    )
    consent_notes = forms.CharField(
        label="Notes on consent (optional)",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="When and how consent was given, or why it was not sought.",
    )

    def __init__(
        self,
        *args: Any,
        people: QuerySet[Person],
        flags: QuerySet[RepeatFlag],
        person_fixed: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        person = self.fields["person"]
        assert isinstance(person, PersonChoiceField)  # noqa: S101 (declared above)
        person.queryset = people
        if person_fixed:
            person.widget = forms.HiddenInput()
        flag = self.fields["flag"]
        assert isinstance(flag, forms.ModelChoiceField)  # noqa: S101 (declared above)
        flag.queryset = flags
        for question in CHECKLIST:
            self.fields[answer_field_name(question)] = forms.ChoiceField(
                label=question.text,
                choices=YES_NO,
                widget=forms.RadioSelect,
                help_text="Counts double." if question.weight > 1 else "",
                error_messages=required_error(f"Answer yes, no or not known: {question.text}"),
            )

    def checklist_fields(self) -> list[forms.BoundField]:
        return [self[answer_field_name(q)] for q in CHECKLIST]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        flag, person = cleaned.get("flag"), cleaned.get("person")
        if flag is not None and person is not None and flag.person_id != person.pk:
            self.add_error(None, "That flag is about someone else.")
        return cleaned

    def answers(self) -> dict[str, bool | None]:
        return {q.code: ANSWER_OF[self.cleaned_data[answer_field_name(q)]] for q in CHECKLIST}


# --- Conferences ---------------------------------------------------------------------------------
class ConferenceForm(MeetingForm):
    field_order = ["kind", "title", "starts_at", "ends_at", "location", "chair"]
    place_missing = "Say where (or how) the panel meets."

    kind = forms.ChoiceField(
        label="Kind of conference",
        choices=ConferenceKind.choices,
        widget=forms.RadioSelect,
        help_text="An emergency conference is called at short notice for a case that cannot "
        "wait for the next scheduled panel.",
        error_messages=required_error("Choose the kind of meeting."),
    )
    title = forms.CharField(
        max_length=200,
        help_text="No victim's name: the title goes into invitations and emails.",
        error_messages=required_error("Give the conference a title."),
    )
    chair = MemberChoiceField(
        label="Chair",
        queryset=Member.objects.none(),
        empty_label="Choose the chair",
        error_messages=required_error("Choose who chairs the conference."),
    )

    def __init__(self, *args: Any, chairs: QuerySet[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].help_text = (
            "UK time. An emergency conference may start now; none can be arranged to be over "
            "already. For example, 27 3 2026 and 14:30."
        )
        chair = self.fields["chair"]
        assert isinstance(chair, MemberChoiceField)  # noqa: S101 (declared above)
        chair.queryset = chairs
        if len(chairs) == 1:
            chair.initial = chairs[0].pk


class AgendaAddForm(forms.Form):
    referral = ReferralChoiceField(
        label="Open referral",
        queryset=Referral.objects.none(),
        empty_label="Choose a referral",
        error_messages=required_error("Choose the referral to put on the agenda."),
    )
    needed_agencies = forms.ModelMultipleChoiceField(
        label="Agencies the case needs present (optional)",
        queryset=Agency.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The referring agency is always needed.",
    )

    def __init__(
        self,
        *args: Any,
        referrals: QuerySet[Referral],
        agencies: QuerySet[Agency],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("auto_id", "agenda-%s")
        super().__init__(*args, **kwargs)
        referral = self.fields["referral"]
        assert isinstance(referral, ReferralChoiceField)  # noqa: S101 (declared above)
        referral.queryset = referrals
        needed = self.fields["needed_agencies"]
        assert isinstance(needed, forms.ModelMultipleChoiceField)  # noqa: S101
        needed.queryset = agencies


class InviteForm(forms.Form):
    members = MemberMultipleChoiceField(
        label="Panel members to invite",
        queryset=Member.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Each is sent the time and place, and asked to file their agency's research "
        "for each case. " + MULTIPLE_HINT,
        error_messages=required_error("Choose who to invite."),
    )

    def __init__(self, *args: Any, members: QuerySet[Member], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "invite-%s")
        super().__init__(*args, **kwargs)
        field = self.fields["members"]
        assert isinstance(field, MemberMultipleChoiceField)  # noqa: S101 (declared above)
        field.queryset = members


class AttendanceForm(forms.Form):
    member = MemberChoiceField(
        label="Who",
        queryset=Member.objects.none(),
        empty_label="Choose a member",
        error_messages=required_error("Choose whose attendance to record."),
    )
    status = forms.ChoiceField(
        label="Attendance",
        choices=Attendance.Status.choices,
        widget=forms.RadioSelect,
        error_messages=required_error("Choose present, apologies or absent."),
    )

    def __init__(
        self, *args: Any, members: QuerySet[Member], prefix_id: str = "attendance", **kwargs: Any
    ) -> None:
        kwargs.setdefault("auto_id", f"{prefix_id}-%s")
        super().__init__(*args, **kwargs)
        member = self.fields["member"]
        assert isinstance(member, MemberChoiceField)  # noqa: S101 (declared above)
        member.queryset = members


# --- Research ------------------------------------------------------------------------------------
class ResearchForm(forms.Form):
    facts = forms.CharField(
        label="Facts your agency holds",
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What your records show, with dates: incidents, calls, visits, tenancy or "
        "health contacts. Facts only; keep your view of them for the next box.",
    )
    opinion = forms.CharField(
        label="Your professional opinion",
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What you make of the facts: how serious the risk is, what is changing, what "
        "you think would help. Kept apart from the facts so the panel can weigh it as opinion.",
    )
    withheld = forms.CharField(
        label="What your agency holds but will not share (optional)",
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Describe it without giving it away, for example “an open investigation "
        "involving a neighbour”.",
    )
    withheld_reason = forms.CharField(
        label="Why it will not be shared",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when you hold something back.",
    )
    visibility = forms.ChoiceField(
        label="Who may see this contribution",
        choices=Visibility.choices,
        initial=Visibility.PANEL,
        widget=forms.RadioSelect,
        help_text="The chair and the CSP Co-ordinator always see it.",
        error_messages=required_error("Choose who may see it."),
    )
    visible_agencies = forms.ModelMultipleChoiceField(
        label="Agencies that may see it",
        queryset=Agency.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only when you chose “Named agencies only”.",
    )

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "research-%s")
        super().__init__(*args, **kwargs)
        field = self.fields["visible_agencies"]
        assert isinstance(field, forms.ModelMultipleChoiceField)  # noqa: S101 (declared above)
        field.queryset = agencies


# --- The live room (rendered here, posted by static/conference/room.js to the JSON API) -------
class RoomShareForm(forms.Form):
    text = forms.CharField(
        label="What you are sharing",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="It is recorded against the item under discussion.",
    )
    visibility = forms.ChoiceField(
        label="Who may see it",
        choices=Visibility.choices,
        initial=Visibility.PANEL,
        widget=forms.RadioSelect,
    )
    visible_agency_ids = forms.ModelMultipleChoiceField(
        label="Agencies that may see it",
        queryset=Agency.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only when you chose “Named agencies only”. The chair always sees it.",
    )

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "share-%s")
        super().__init__(*args, **kwargs)
        field = self.fields["visible_agency_ids"]
        assert isinstance(field, forms.ModelMultipleChoiceField)  # noqa: S101 (declared above)
        field.queryset = agencies


class RoomRiskForm(forms.Form):
    level = forms.ChoiceField(
        label="Risk level the panel agrees",
        choices=[("", "Choose a level"), *RiskLevel.choices],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "risk-%s")
        super().__init__(*args, **kwargs)


class RoomActionForm(forms.Form):
    item_id = forms.ChoiceField(label="For", required=False)
    description = forms.CharField(
        label="What is to be done",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    owner_id = MemberChoiceField(
        label="Owner",
        queryset=Member.objects.none(),
        empty_label="Choose who owns it",
        help_text="The person answerable for it; their agency owns it.",
    )
    due_at = LocalDateTimeField(label="Due", help_text="UK time.")

    def __init__(
        self,
        *args: Any,
        items: list[tuple[int, str]],
        owners: QuerySet[Member],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("auto_id", "action-%s")
        super().__init__(*args, **kwargs)
        item = self.fields["item_id"]
        assert isinstance(item, forms.ChoiceField)  # noqa: S101 (declared above)
        item.choices = [("", "The item under discussion"), *items]
        owner = self.fields["owner_id"]
        assert isinstance(owner, MemberChoiceField)  # noqa: S101 (declared above)
        owner.queryset = owners


# --- Actions -------------------------------------------------------------------------------------
class ActionCompleteForm(forms.Form):
    outcome = forms.CharField(
        label="What was done",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The outcome is recorded and goes into the next conference's review.",
        error_messages=required_error("Say what was done."),
    )

    def __init__(self, *args: Any, action: Action, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"complete-{action.pk}-%s")
        super().__init__(*args, **kwargs)
        self.action = action


class CorrectionForm(forms.Form):
    text = forms.CharField(
        label="Correction",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the minutes got wrong and what is right. It is added as a new version; "
        "earlier versions stay as they were.",
        error_messages={"required": "Write the correction."},
    )
