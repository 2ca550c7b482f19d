"""The decision log of a gold group (the Joint Decision Model's headings), and the ladder a
decision's review climbs when it falls due (the one ladder engine, ``notifications.ladder``).

Decisions are never edited. A change, or a review, records a new version that supersedes the one
in force, with the reason; the old one keeps every word and is marked superseded. Each version is
recorded in full on every party's timeline, so the hash chains prove both versions as written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django_fsm import can_proceed

from gold.models import Decision, DecisionState, GoldGroup, GroupState
from gold.services.groups import group_room_push, incident_of, parties_record
from notifications.audiences import deputies_of
from notifications.ladder.engine import ladder_climb, ladder_fall_due
from notifications.ladder.kinds import Alert, Firing, LadderKind, ladder_register
from notifications.ladder.rungs import DEPUTY, OWNER, Rung, ladder_stored
from notifications.models import Purpose
from notifications.wording import title_words
from partnership.audiences import Audience
from partnership.errors import ConflictError
from partnership.models import Member, Role
from partnership.permissions import require
from partnership.scopes import Scope

# A review not done on time reminds whoever made the decision, then (an hour later) their
# deputies and the partnership's gold group, then (four hours later) the CSP Co-ordinator and the
# Council chief officer: a gold decision left unreviewed is a risk the partnership owns.
DECISION_REVIEW_LADDER: list[dict[str, Any]] = ladder_stored(
    Rung(0, OWNER),
    Rung(3600, DEPUTY),
    Rung(3600, Audience.role(Role.GOLD_GROUP)),
    Rung(4 * 3600, Audience.role(Role.CSP_COORDINATOR)),
    Rung(4 * 3600, Audience.role(Role.COUNCIL_CHIEF_OFFICER)),
)
LONGEST_REVIEW = timedelta(days=366)
HEADINGS = {
    "information": "Say what information and intelligence the decision rests on.",
    "threat_and_risk": "Say what threat and risk were assessed.",
    "powers_and_policies": "Say which powers and policies were considered.",
    "decision": "Say what was decided.",
    "rationale": "Say why this option was chosen.",
}


def _options(options: Sequence[Any]) -> list[dict[str, Any]]:
    """Every option weighed, as ``{"option", "chosen", "why"}``: at least one chosen and one
    rejected, and a reason for each rejected one."""
    cleaned: list[dict[str, Any]] = []
    for raw in options:
        if not isinstance(raw, dict):
            raise ValidationError({"options": "Give each option as its text and why."})
        text = str(raw.get("option") or "").strip()
        why = str(raw.get("why") or "").strip()
        chosen = raw.get("chosen") is True
        if not text and not why:
            continue
        if not text:
            raise ValidationError({"options": "An option has a reason but no text."})
        if not chosen and not why:
            raise ValidationError({"options": f"Say why “{text}” was rejected."})
        cleaned.append({"option": text, "chosen": chosen, "why": why})
    if not any(o["chosen"] for o in cleaned) or all(o["chosen"] for o in cleaned):
        raise ValidationError(
            {
                "options": "List the options weighed: the one chosen and at least one rejected, "
                "with why."
            }
        )
    return cleaned


def _payload(decision: Decision) -> dict[str, Any]:
    """The decision as the room and the timeline carry it."""
    return {
        "id": decision.pk,
        "number": decision.number,
        "version": decision.version,
        "state": decision.state,
        "supersedes_id": decision.supersedes_id,
        "change_reason": decision.change_reason,
        "information": decision.information,
        "threat_and_risk": decision.threat_and_risk,
        "powers_and_policies": decision.powers_and_policies,
        "options": decision.options,
        "decision": decision.decision,
        "rationale": decision.rationale,
        "decided_by": str(decision.decided_by),
        "decided_at": decision.decided_at.isoformat(),
        "review_at": decision.review_at.isoformat(),
    }


def decision_payload(decision: Decision) -> dict[str, Any]:
    return {"type": "entry", **_payload(decision)}


@transaction.atomic
def decision_record(
    *,
    actor: Member,
    group_id: int,
    information: str,
    threat_and_risk: str,
    powers_and_policies: str,
    options: Sequence[Any],
    decision: str,
    rationale: str,
    review_at: datetime | None,
    supersedes_id: int | None = None,
    change_reason: str = "",
) -> Decision:
    """Record a decision of the group (or, with ``supersedes_id``, a new version of one in
    force, with ``change_reason``). It is pushed to the room and its review is laddered."""
    group: GoldGroup = GoldGroup.objects.select_for_update().get(pk=group_id)
    require(actor, "decision.record", group)
    texts = {
        "information": information,
        "threat_and_risk": threat_and_risk,
        "powers_and_policies": powers_and_policies,
        "decision": decision,
        "rationale": rationale,
    }
    errors: dict[str, str] = {k: HEADINGS[k] for k, v in texts.items() if not (v or "").strip()}
    try:
        chosen = _options(options)
    except ValidationError as error:
        errors.update({k: v[0] for k, v in error.message_dict.items()})
    now = timezone.now()
    if review_at is None:
        errors["review_at"] = "Say when the decision is to be reviewed."
    elif review_at <= now:
        errors["review_at"] = "The review must be in the future."
    elif review_at > now + LONGEST_REVIEW:
        errors["review_at"] = "Review it within a year."
    old: Decision | None = None
    if supersedes_id is not None:
        old = Decision.objects.select_for_update().filter(pk=supersedes_id, group=group).first()
        if old is None:
            errors["supersedes"] = "That decision is not one of this group's."
        if not (change_reason or "").strip():
            errors["change_reason"] = "Say why the decision is changed (or that it was reviewed)."
    if errors:
        raise ValidationError(errors)
    assert review_at is not None  # noqa: S101 (checked above)
    if group.state != GroupState.CONVENED:
        raise ConflictError("This gold group has stood down: it records no more decisions.")
    if old is not None:
        if not can_proceed(old.supersede):
            raise ConflictError(
                f"Decision {old.number}.{old.version} has already been superseded: record a "
                "new version of the one in force."
            )
        old.supersede(at=now)
        old.save()
        number, version = old.number, old.version + 1
    else:
        last = group.decisions.aggregate(last=Max("number"))["last"] or 0
        number, version = last + 1, 1
    made = Decision.objects.create(
        group=group,
        partnership_id=group.partnership_id,
        number=number,
        version=version,
        supersedes=old,
        change_reason=(change_reason or "").strip() if old else "",
        information=information.strip(),
        threat_and_risk=threat_and_risk.strip(),
        powers_and_policies=powers_and_policies.strip(),
        options=chosen,
        decision=decision.strip(),
        rationale=rationale.strip(),
        decided_by=actor,
        decided_at=now,
        review_at=review_at,
        ladder=DECISION_REVIEW_LADDER,
    )
    parties_record(
        actor=actor,
        verb="decision.superseded" if old else "decision.recorded",
        group=group,
        subject=made,
        changes={**_payload(made), "group": group.title},
    )
    group_room_push(group, decision_payload(made))
    if old is not None:
        # The old version's state changed: everyone's copy of the log is refreshed.
        group_room_push(group, {"type": "room.decisions"})
    return made


# --- The ladder of a review not done -------------------------------------------------------------
class DecisionReviewLadder(LadderKind[Decision]):
    """A decision falls due for review at ``review_at``; its rungs count from then. Its owner is
    whoever made it; reviewing it is recording the version that supersedes it."""

    model = Decision
    name = "decision"
    start_field = "review_at"
    due_field = "review_at"
    waiting_states = (DecisionState.IN_FORCE,)
    climbing_states = (DecisionState.REVIEW_OVERDUE, DecisionState.REVIEW_ESCALATED)
    related = ("group", "decided_by")

    def owner(self, thing: Decision) -> list[Audience]:
        return [Audience.member(thing.decided_by_id)]

    def deputies(self, thing: Decision) -> list[Audience]:
        return deputies_of(thing.decided_by_id, partnership_id=thing.partnership_id)

    def scope(self, thing: Decision) -> Scope:
        return Scope.incident(incident_of(thing.group, thing.partnership_id).pk)

    def details(self, thing: Decision) -> dict[str, Any]:
        return {"group": thing.group.title, "number": f"{thing.number}.{thing.version}"}

    def alert(self, thing: Decision, firing: Firing) -> Alert:
        due = timezone.localtime(thing.review_at)
        when = f"{due:%a} {due.day} {due:%b %H:%M}"
        if firing.escalates:
            news = (
                f"Gold decision {thing.number} of “{thing.group.title}”, made by "
                f"{thing.decided_by}, was due for review {when}."
            )
            ask = "Please make sure it is reviewed."
        else:
            news = (
                f"Your gold decision {thing.number} of “{thing.group.title}” was due for review "
                f"{when}."
            )
            ask = "Please review it."
        return Alert(
            title=title_words(news, ask),
            body=(
                f"Decision {thing.number}.{thing.version}: {thing.decision}\n"
                f"Made by {thing.decided_by}; its review was due {due:%a %d %b %Y %H:%M}. "
                "Review it (record the version that stands, or the change, with the reason) at "
                f"{reverse('gold-group', args=[thing.group_id])}."
            ),
            purposes=[Purpose.COORDINATION],
        )


DECISIONS = ladder_register(DecisionReviewLadder())


def decision_review_fall_due(*, decision_id: int, now: datetime | None = None) -> bool:
    """A decision in force past its review time becomes overdue and its ladder starts; False
    (changing nothing) when it no longer wants it."""
    return ladder_fall_due(DECISIONS, pk=decision_id, now=now)


def decision_review_escalate(*, decision_id: int, now: datetime | None = None) -> int:
    return ladder_climb(DECISIONS, pk=decision_id, now=now)
