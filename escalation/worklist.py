"""The protocol's steps on the home page's work list (``partnership.worklist``): the steps the
member owns or covers as a deputy, most urgent first, each with its countdown, the reason for its
deadline in the protocol's words and the form to do it on the spot."""

from __future__ import annotations

from django.urls import reverse

from escalation.forms import DutyCompleteForm
from escalation.models import Completion, Duty, DutyState
from escalation.selectors import duties_of_member
from escalation.services import duty_waiting_for
from escalation.wording import duty_reason, local_time, owner_words
from partnership.audiences import Audience
from partnership.models import Member, Role, RoleAssignment
from partnership.permissions import can
from partnership.worklist import WorkAction, WorkItem, WorkSource

LATE = (DutyState.OVERDUE, DutyState.ESCALATED)


def _covering(member: Member) -> dict[str, list[str]]:
    """The roles the member stands in for, with whose they are."""
    covered: dict[str, list[str]] = {}
    for assignment in RoleAssignment.objects.filter(
        partnership=member.partnership, deputy=member
    ).select_related("member"):
        covered.setdefault(assignment.role, []).append(str(assignment.member))
    return covered


def _item(member: Member, duty: Duty, covering: dict[str, list[str]], own: set[str]) -> WorkItem:
    incident = duty.incident
    url = reverse("incident-detail", args=[incident.pk])
    note = ""
    if duty.owner_role not in own and duty.owner_role in covering:
        note = (
            f"You stand in for {', '.join(covering[duty.owner_role])}, "
            f"the {Role(duty.owner_role).label}."
        )
    actions: tuple[WorkAction, ...] = ()
    waiting = duty.state == DutyState.WAITING
    if waiting:
        before = duty_waiting_for(duty)
        note = (
            (note + " " if note else "")
            + "It waits for: "
            + "; ".join(f"{d.description} ({owner_words(d)})" for d in before)
            + "."
        )
    elif can(member, "duty.complete", duty):
        if duty.completion == Completion.MEETING:
            actions = (
                WorkAction(
                    url=f"{url}#do-{duty.pk}",
                    label="Schedule the debrief",
                    post=False,
                    hint="Its time, place and invitees are chosen on the incident's page.",
                ),
            )
        else:
            form = DutyCompleteForm(duty=duty, invitable=Member.objects.none())
            form.fields["message"].help_text = (
                f"Sent to {'; '.join(Audience.parse(c).label for c in duty.informs)}; it is the "
                "record that it was done."
                if duty.informs
                else "It is the record that it was done."
            )
            actions = (
                WorkAction(
                    url=reverse("duty-complete", args=[duty.pk]),
                    label="Send and mark done",
                    form=form,
                ),
            )
    declared = f", declared {local_time(incident.declared_at)}" if incident.declared_at else ""
    return WorkItem(
        key=f"duty-{duty.pk}",
        what=duty.description,
        url=f"{url}#duty-{duty.pk}",
        about=f"Major incident {incident.reference} in {incident.area}{declared}",
        due_at=duty.due_at,
        reason=duty_reason(duty),
        note=note,
        late=duty.state in LATE,
        waiting=waiting,
        actions=actions,
    )


def steps(member: Member) -> list[WorkItem]:
    covering = _covering(member)
    own = set(member.held_roles)
    return [_item(member, duty, covering, own) for duty in duties_of_member(member)]


def steps_concern(member: Member) -> bool:
    return bool(member.partnership) and bool(
        member.acting_roles.intersection(
            {Role.CRRO, Role.CSP_COORDINATOR, Role.POLICE_PARTNERSHIP_COORDINATOR}
        )
        or duties_of_member(member).exists()
    )


STEPS = WorkSource(
    key="steps",
    heading="Protocol steps for you to do",
    empty="No protocol step is waiting for you.",
    concerns=steps_concern,
    items=steps,
    order=10,
)
