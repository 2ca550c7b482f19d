"""Risk conferences on the home page's work list (``partnership.worklist``): the actions the
member owns (with the form to record them done on the spot), the conferences they are invited
to, and, for the co-ordinator, repeat flags and referrals waiting for them. No person's name is
shown here: the list links to the pages that show (and log) a person's record."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from conference.forms import ActionCompleteForm
from conference.models import (
    OPEN_ACTION_STATES,
    Action,
    ActionState,
    Conference,
    ConferenceState,
    FlagState,
    Referral,
    ReferralState,
    RepeatFlag,
)
from conference.selectors import referrals_visible
from partnership.models import Member, Role
from partnership.permissions import can
from partnership.worklist import WorkAction, WorkItem, WorkSource, worklist_register

_PANEL = (Role.PANEL_MEMBER, Role.CONFERENCE_CHAIR, Role.CSP_COORDINATOR)


def _when(moment: object) -> str:
    local = timezone.localtime(moment)  # type: ignore[arg-type]
    return f"{local:%H:%M} on {local:%a} {local.day} {local:%b}"


def _action(member: Member, action: Action) -> WorkItem:
    actions: tuple[WorkAction, ...] = ()
    if can(member, "action.complete", action):
        actions = (
            WorkAction(
                url=reverse("action-complete", args=[action.pk]),
                label="Record it done",
                form=ActionCompleteForm(action=action),
            ),
        )
    return WorkItem(
        key=f"action-{action.pk}",
        what=action.description,
        url=f"{reverse('action-list')}#action-{action.pk}",
        about=f"Agreed at “{action.conference.title}” for {action.owner_agency}",
        due_at=action.due_at,
        reason="the date you agreed at the conference",
        late=action.state in (ActionState.OVERDUE, ActionState.ESCALATED),
        actions=actions,
    )


def actions(member: Member) -> list[WorkItem]:
    mine = (
        Action.objects.filter(
            owner=member, state__in=OPEN_ACTION_STATES, conference__partnership=member.partnership
        )
        .select_related("conference", "owner_agency")
        .order_by("due_at", "pk")
    )
    return [_action(member, a) for a in mine]


def conferences(member: Member) -> list[WorkItem]:
    invited = (
        Conference.objects.filter(
            partnership=member.partnership,
            invitees=member,
            state__in=(ConferenceState.PLANNED, ConferenceState.IN_SESSION),
        )
        .distinct()
        .order_by("starts_at", "pk")
    )
    items = []
    for conference in invited:
        live = conference.state == ConferenceState.IN_SESSION
        items.append(
            WorkItem(
                key=f"conference-{conference.pk}",
                what=("Join now: " if live else "") + conference.title,
                url=reverse("conference-detail", args=[conference.pk]),
                about=f"{conference.get_kind_display()}, {_when(conference.starts_at)}, "
                f"{conference.location}",
                due_at=conference.starts_at,
                reason="in session now" if live else "",
                note="You are invited to the panel.",
                late=live,
                actions=(
                    WorkAction(
                        url=reverse("conference-room", args=[conference.pk]),
                        label="Join the room" if live else "Open the room",
                        post=False,
                    ),
                ),
            )
        )
    return items


def flags_and_referrals(member: Member) -> list[WorkItem]:
    items = []
    flags = RepeatFlag.objects.filter(
        state=FlagState.OPEN, person__partnership=member.partnership
    ).order_by("raised_at", "pk")
    for flag in flags:
        items.append(
            WorkItem(
                key=f"flag-{flag.pk}",
                what=f"Decide on a flag: {flag.get_kind_display().lower()}",
                url=f"{reverse('flag-list')}#flag-{flag.pk}",
                about=f"Raised {_when(flag.raised_at)}: {flag.rule}",
                note="Refer the person to a risk conference, or dismiss the flag with a reason.",
                actions=(
                    WorkAction(
                        url=f"{reverse('flag-list')}#flag-{flag.pk}", label="Decide", post=False
                    ),
                ),
            )
        )
    waiting: list[Referral] = list(
        referrals_visible(member)
        .filter(state=ReferralState.OPEN, partnership=member.partnership)
        .order_by("created_at", "pk")
    )
    for referral in waiting:
        items.append(
            WorkItem(
                key=f"referral-{referral.pk}",
                what="Put a referral on a conference's agenda",
                url=reverse("referral-detail", args=[referral.pk]),
                about=f"{referral.get_level_display()} risk, from {referral.referring_agency}, "
                f"{_when(referral.created_at)}",
                note="It waits for a conference.",
            )
        )
    return items


def register() -> None:
    worklist_register(
        WorkSource(
            key="actions",
            heading="Actions you own",
            empty="You own no open action.",
            concerns=lambda m: m.has_role(*_PANEL) or Action.objects.filter(owner=m).exists(),
            items=actions,
            order=30,
        )
    )
    worklist_register(
        WorkSource(
            key="conferences",
            heading="Conferences you are invited to",
            empty="You are not invited to any conference still to come.",
            concerns=lambda m: m.has_role(*_PANEL),
            items=conferences,
            order=40,
        )
    )
    worklist_register(
        WorkSource(
            key="flags",
            heading="Flags and referrals waiting for you",
            empty="No repeat flag or referral is waiting for you.",
            concerns=lambda m: can(m, "flag.manage"),
            items=flags_and_referrals,
            order=45,
        )
    )
