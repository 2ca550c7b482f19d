"""The shapes of what the escalation pages accept.

Forms check what a browser can get wrong (a missing field, a time that does not parse) and turn
wall-clock times into instants (with the page toolkit's fields, ``partnership.page_forms``); the
services decide what the protocol allows, and their ``ValidationError`` is put back on the form
with ``service_errors_add``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from escalation.models import Completion, Duty, Incident, IncidentState, Strand, TensionLevel
from escalation.services import MeetingPlan
from notifications.audiences import audience_members
from notifications.models import Purpose
from partnership.audiences import Audience
from partnership.models import Agency, AgencyKind, Area, Member, Role
from partnership.page_forms import (
    MULTIPLE_HINT,
    LocalDateTimeField,
    MeetingForm,
    MemberMultipleChoiceField,
    required_error,
)


class IncidentChoiceField(forms.ModelMultipleChoiceField[Incident]):
    def label_from_instance(self, obj: Incident) -> str:
        return f"{obj.reference}: {obj.title} ({obj.area})"


class IncidentReportForm(forms.Form):
    title = forms.CharField(
        max_length=200,
        help_text="A few words others will recognise, such as “Graffiti at Queensway centre”.",
        error_messages=required_error("Give the incident a short title."),
    )
    description = forms.CharField(
        label="What happened",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Who was targeted, what was said or done, and anything still going on. "
        "Do not include the victim's contact details here.",
        error_messages=required_error("Say what happened."),
    )
    occurred_at = LocalDateTimeField(
        label="When it happened",
        help_text="UK time. If you do not know exactly, give your best estimate and say so "
        "under “What happened”.",
        error_messages=required_error("Say when it happened."),
    )
    area = forms.ModelChoiceField(
        queryset=Area.objects.order_by("name"),
        empty_label="Choose an area",
        help_text="The ward or locality where it happened.",
        error_messages=required_error("Choose the area where it happened."),
    )
    location = forms.CharField(
        label="Where exactly (optional)",
        max_length=300,
        required=False,
        help_text="A street, building or landmark.",
    )
    strands = forms.MultipleChoiceField(
        label="Hate strands perceived",
        choices=Strand.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick every kind of hostility the victim, or anyone else, perceived.",
        error_messages=required_error("Choose at least one hate strand perceived."),
    )
    safeguarding_steps = forms.CharField(
        label="Immediate steps the police took to safeguard the public (optional)",
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Such as extra patrols. If the incident is declared major, this is passed on "
        "to the Racial Equality Council and the Council.",
    )
    tension_level = forms.ChoiceField(
        label="Community tension",
        choices=[("", "Choose a level"), *TensionLevel.choices],
        help_text="How tense the local community is now because of this incident.",
        error_messages=required_error("Choose the level of community tension."),
    )
    connected = IncidentChoiceField(
        label="Connected incidents (optional)",
        queryset=Incident.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="If this is one of a series of connected events, choose the earlier ones. "
        + MULTIPLE_HINT,
    )

    def __init__(self, *args: Any, connectable: QuerySet[Incident], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        connected = self.fields["connected"]
        assert isinstance(connected, IncidentChoiceField)  # noqa: S101 (declared just above)
        connected.queryset = connectable.select_related("area").order_by("-reported_at")


class DeterminationForm(forms.Form):
    MAJOR = "major"
    NOT_MAJOR = "not_major"
    DECISIONS = [
        (MAJOR, "Major incident: start the protocol"),
        (NOT_MAJOR, "Not a major incident: handle it as casework"),
    ]

    decision = forms.ChoiceField(
        label="Your determination",
        choices=DECISIONS,
        widget=forms.RadioSelect,
        error_messages=required_error("Choose whether this is a major incident."),
    )
    rationale = forms.CharField(
        label="Your reasons",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What you considered, such as the risk of disorder and community tension. "
        "Your reasons go on the incident's permanent timeline for the gold group: do not name "
        "the victim or give their details here.",
        error_messages=required_error("Record the reasons for the determination."),
    )
    determined_at = LocalDateTimeField(
        label="When you made the decision (optional)",
        required=False,
        help_text="Leave blank for now; set it if you decided earlier. The protocol's deadlines "
        "run from this time. UK time.",
    )

    def __init__(self, *args: Any, offered: list[str], **kwargs: Any) -> None:
        """``offered``: the decisions the incident's state allows. Only those are shown, but both
        are accepted, so a page overtaken by someone else's decision gets the service's answer
        (who decided, and when) rather than a bare "not a valid choice"."""
        super().__init__(*args, **kwargs)
        decision = self.fields["decision"]
        assert isinstance(decision.widget, forms.RadioSelect)  # noqa: S101 (declared above)
        decision.widget.choices = [c for c in self.DECISIONS if c[0] in offered]
        if len(offered) == 1:
            decision.initial = offered[0]

    @property
    def is_major(self) -> bool:
        return bool(self.cleaned_data["decision"] == self.MAJOR)


class DutyCompleteForm(MeetingForm):
    field_order = ["message", "purposes", "starts_at", "ends_at", "location", "invitees"]
    place_missing = "Say where the debrief will be held."

    message = forms.CharField(
        label="Message to send",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages=required_error(
            "Write the message this duty sends; it is the record that the duty was done."
        ),
    )
    purposes = forms.MultipleChoiceField(
        label="What this message is for",
        choices=Purpose.choices,
        initial=[Purpose.SITUATION, Purpose.COORDINATION],
        widget=forms.CheckboxSelectMultiple,
        help_text="Recipients are asked to reply when you ask for a check for accuracy or for "
        "further information.",
        error_messages=required_error("Choose at least one purpose."),
    )
    invitees = MemberMultipleChoiceField(
        label="Who to invite",
        queryset=Member.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Each person invited is sent the time and place. " + MULTIPLE_HINT,
        error_messages=required_error("Invite at least one person."),
    )

    def __init__(self, *args: Any, duty: Duty, invitable: QuerySet[Member], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"complete-{duty.pk}-%s")
        super().__init__(*args, **kwargs)
        self.duty = duty
        if duty.completion == Completion.MEETING:
            self.fields["starts_at"].help_text = (
                "UK time, still to come: the debrief is being arranged. For example, "
                "27 3 2026 and 14:30."
            )
            message = self.fields["message"]
            message.required = False
            message.label = "Anything to add to the record (optional)"
            del self.fields["purposes"]
            invitees = self.fields["invitees"]
            assert isinstance(invitees, MemberMultipleChoiceField)  # noqa: S101 (declared above)
            invitees.queryset = invitable
        else:
            for name in ("starts_at", "ends_at", "location", "invitees"):
                del self.fields[name]

    @property
    def is_meeting(self) -> bool:
        return self.duty.completion == Completion.MEETING

    def meeting_plan(self) -> MeetingPlan | None:
        if not self.is_meeting:
            return None
        data = self.cleaned_data
        return MeetingPlan(
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            location=data["location"],
            invitees=list(data["invitees"]),
        )

    def purposes_chosen(self) -> list[str]:
        if self.is_meeting:
            return [Purpose.SITUATION, Purpose.COORDINATION]
        return list(self.cleaned_data["purposes"])


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Recorded on the permanent timeline: do not name the victim or give their "
        "details.",
    )

    def __init__(self, *args: Any, label: str, required_message: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reason = self.fields["reason"]
        reason.label = label
        reason.error_messages["required"] = required_message


def stand_down_form(data: Any = None) -> ReasonForm:
    return ReasonForm(
        data,
        label="Why the incident is being stood down",
        required_message="Say why the incident is being stood down.",
        auto_id="stand-down-%s",
    )


def waive_form(duty: Duty, data: Any = None) -> ReasonForm:
    return ReasonForm(
        data,
        label="Why this duty is being waived",
        required_message="Say why this duty is being waived.",
        auto_id=f"waive-{duty.pk}-%s",
    )


class IncidentFilterForm(forms.Form):
    state = forms.ChoiceField(required=False, choices=[("", "Any state"), *IncidentState.choices])
    area = forms.ModelChoiceField(
        queryset=Area.objects.order_by("name"), required=False, empty_label="Any area"
    )
    strand = forms.ChoiceField(required=False, choices=[("", "Any strand"), *Strand.choices])


class SituationReportForm(forms.Form):
    """An update to chosen roles and agencies. Roles and agencies are two lists of boxes on the
    page; the service takes them as one list of audiences (``role:…``, ``agency:…``)."""

    roles = forms.MultipleChoiceField(
        label="Send to these roles",
        choices=[(str(Audience.role(role)), role.label) for role in Role],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Everyone who holds the role.",
    )
    agencies = forms.MultipleChoiceField(
        label="Send to these agencies",
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The agencies in this partnership. The people who speak for each one are told.",
    )
    send_anyway = forms.BooleanField(
        label="Send it anyway: record it for the agencies where nobody would be told",
        required=False,
    )
    purposes = forms.MultipleChoiceField(
        label="What this report is for",
        choices=Purpose.choices,
        initial=[Purpose.SITUATION],
        widget=forms.CheckboxSelectMultiple,
        help_text="When you ask for a check for accuracy or for further information, each "
        "person is asked to reply, and the incident shows who has not yet answered.",
        error_messages=required_error("Choose at least one purpose."),
    )
    message = forms.CharField(
        label="The update",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Essential details of the situation as it stands. Do not include the victim's "
        "contact details.",
        error_messages=required_error("Write the update."),
    )

    def __init__(self, *args: Any, partnership_id: int | None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "sitrep-%s")
        super().__init__(*args, **kwargs)
        # Only the kinds of agency the partnership has; each one with nobody to tell says so
        # beside its box, and choosing it is questioned before anything is sent.
        kinds = set(
            Agency.objects.filter(partnerships=partnership_id, is_active=True).values_list(
                "kind", flat=True
            )
        )
        self.nobody_at: dict[str, str] = {}
        choices = []
        for kind in AgencyKind:
            if kind not in kinds:
                continue
            audience = str(Audience.agency(kind))
            if audience_members(Audience.agency(kind), partnership_id):
                choices.append((audience, kind.label))
            else:
                self.nobody_at[audience] = str(kind.label)
                choices.append((audience, f"{kind.label} (nobody there would be told)"))
        agencies = self.fields["agencies"]
        assert isinstance(agencies, forms.MultipleChoiceField)  # noqa: S101 (declared above)
        agencies.choices = choices

    @property
    def nobody_chosen(self) -> list[str]:
        """The agencies chosen (as posted) where nobody would be told."""
        if not self.is_bound:
            return []
        chosen = self["agencies"].value() or []
        return [self.nobody_at[a] for a in chosen if a in self.nobody_at]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "roles" in cleaned and "agencies" in cleaned and not self.audiences_chosen():
            self.add_error("roles", "Choose at least one role or agency to send it to.")
        nobody = self.nobody_chosen
        if nobody and not cleaned.get("send_anyway"):
            names = " and ".join(nobody)
            self.add_error(
                "agencies",
                f"Nobody who speaks for {names} uses this service in the partnership, so nobody "
                "there would be told. Untick it and tell them another way, or tick "
                "“Send it anyway” to record the report for them.",
            )
        return cleaned

    def audiences_chosen(self) -> list[Audience]:
        data = self.cleaned_data
        return Audience.parse_all([*data.get("roles", []), *data.get("agencies", [])])
