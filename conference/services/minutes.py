"""Minutes that do not leak and do not change: a case's open actions carried to its next
conference, the minutes frozen when the conference concludes, and every later change (an action
completed, a correction) made as a new version, never an edit."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from conference.minutes import content_sha256, minutes_snapshot
from conference.models import (
    OPEN_ACTION_STATES,
    Action,
    AgendaItem,
    CarriedAction,
    Conference,
    ConferenceState,
    MinutesReason,
    MinutesVersion,
)
from conference.services.common import _locked_conference
from partnership.errors import ConflictError
from partnership.models import Member
from partnership.permissions import require
from partnership.scopes import Scope
from partnership.timeline import audit_record


def actions_carry(*, actor: Member, item: AgendaItem) -> list[CarriedAction]:
    """The case's open actions from its earlier conferences follow it to ``item``'s conference.
    The caller (``agenda_add``) is inside the transaction that put the case on the agenda."""
    assert item.referral is not None  # noqa: S101 (case items have a referral)
    open_actions = list(
        Action.objects.filter(
            referral__person_id=item.referral.person_id, state__in=OPEN_ACTION_STATES
        )
        .exclude(conference_id=item.conference_id)
        .order_by("pk")
    )
    if not open_actions:
        return []
    now = timezone.now()
    carried = CarriedAction.objects.bulk_create(
        CarriedAction(action=action, agenda_item=item, carried_at=now) for action in open_actions
    )
    audit_record(
        actor=actor,
        verb="agenda.actions_carried",
        subject=item,
        scope=Scope.conference(item.conference_id),
        changes={"item_id": item.pk, "action_ids": [a.pk for a in open_actions]},
    )
    return carried


def minutes_freeze(
    *,
    conference: Conference,
    actor: Member | None,
    reason: str,
    correction: dict[str, str] | None = None,
) -> MinutesVersion | None:
    """Store the minutes as they now stand as the conference's next version, unless nothing in
    them changed since the last (a correction always changes them). The caller holds the
    conference's row lock, inside the transaction of the change."""
    last = conference.minutes_versions.order_by("-number").first()
    corrections = list(last.data()["corrections"]) if last else []
    if last is not None and correction is None:
        unchanged = minutes_snapshot(
            conference,
            number=last.number,
            previous_sha256=last.previous_sha256,
            corrections=corrections,
        )
        if unchanged == last.content:
            return None
    if correction is not None:
        corrections.append(correction)
    number = last.number + 1 if last else 1
    previous = last.sha256 if last else ""
    content = minutes_snapshot(
        conference, number=number, previous_sha256=previous, corrections=corrections
    )
    version = MinutesVersion.objects.create(
        conference=conference,
        number=number,
        content=content,
        sha256=content_sha256(content),
        previous_sha256=previous,
        reason=reason,
        made_at=timezone.now(),
        made_by=actor,
    )
    audit_record(
        actor=actor,
        verb="minutes.versioned",
        subject=conference,
        scope=Scope.conference(conference.pk),
        changes={"number": number, "sha256": version.sha256, "reason": reason},
    )
    return version


def minutes_after_action(*, action: Action, actor: Member | None) -> None:
    """An action changed after its conference: a new version of the minutes of every concluded
    conference that shows it (its own, and those its case carried it to)."""
    carried_to = CarriedAction.objects.filter(action=action).values_list(
        "agenda_item__conference_id", flat=True
    )
    for conference_id in sorted({action.conference_id, *carried_to}):
        conference = _locked_conference(conference_id)
        if conference.state == ConferenceState.CONCLUDED:
            minutes_freeze(conference=conference, actor=actor, reason=MinutesReason.ACTION)


@transaction.atomic
def minutes_correct(*, actor: Member, conference_id: int, text: str) -> MinutesVersion:
    """A correction to concluded minutes, by who ran the conference: a new version that adds it."""
    conference = _locked_conference(conference_id)
    require(actor, "minutes.correct", conference)
    if conference.state != ConferenceState.CONCLUDED:
        raise ConflictError(
            "The minutes are a draft until the conference concludes: say it in the room instead."
        )
    if not text.strip():
        raise ValidationError({"text": "Write the correction."})
    version = minutes_freeze(
        conference=conference,
        actor=actor,
        reason=MinutesReason.CORRECTION,
        correction={
            "by": str(actor),
            "at": f"{timezone.localtime():%d %b %Y %H:%M}",
            "text": text.strip(),
        },
    )
    assert version is not None  # noqa: S101 (a correction always makes a version)
    return version
