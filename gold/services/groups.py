"""Gold groups: convened for an incident (and the incidents of other partnerships linked to it),
their seats, and what each party shares. Each change is recorded on every party's timeline (under
that party's own incident) and pushed to the group's live room after commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_fsm import can_proceed

from escalation.models import Incident
from gold.models import (
    IN_FORCE_STATES,
    GoldGroup,
    GoldGroupMember,
    GoldGroupSide,
    GroupState,
    ShareKind,
)
from gold.selectors import live_links_of
from notifications.models import Purpose, Urgency
from notifications.services import notify
from partnership.audiences import Audience
from partnership.errors import ConflictError
from partnership.live import group_send_on_commit
from partnership.models import Member, Partnership
from partnership.permissions import require
from partnership.scopes import Scope
from partnership.timeline import audit_record

TITLE_MAX = 200


def group_room(group_id: int) -> str:
    return f"gold-group.{group_id}"


def group_room_push(group: GoldGroup, event: dict[str, Any]) -> None:
    """After commit, to everyone in the group's live room (``gold.consumers``)."""
    group_send_on_commit(group_room(group.pk), {"type": "room.event", "event": event})


def incident_of(group: GoldGroup, partnership_id: int) -> Incident:
    """The group's (first) incident of one party."""
    return next(i for i in group.incidents.order_by("pk") if i.partnership_id == partnership_id)


def parties_record(
    *, actor: Member | None, verb: str, group: GoldGroup, subject: Any, changes: dict[str, Any]
) -> None:
    """One event on every party's chain, filed under that party's incident; chains in id order
    (two writers on two parties never wait on each other in a circle)."""
    for party in group.parties.order_by("pk"):
        audit_record(
            actor=actor,
            verb=verb,
            subject=subject,
            scope=Scope.incident(incident_of(group, party.pk).pk),
            changes=changes,
            partnership=party,
        )


def _seat_side(member: Member, parties: Sequence[Partnership]) -> Partnership | None:
    """The party a member sits for: the first (the convening partnership first) they belong to,
    with an active agency."""
    if not member.is_active or member.agency is None or not member.agency.is_active:
        return None
    theirs = set(member.partnerships.values_list("pk", flat=True))
    return next((p for p in parties if p.pk in theirs), None)


@transaction.atomic
def gold_group_convene(
    *, actor: Member, incident: Incident, title: str, member_ids: Iterable[int]
) -> GoldGroup:
    """Convene a gold group for ``incident`` and every incident of another partnership linked to
    it (a joint group when there is one), seating the chosen members (each for a party they
    belong to) and the convener. Each is told at once."""
    require(actor, "gold_group.convene", incident)
    title = (title or "").strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = "Give the group a title, for example the operation's name."
    elif len(title) > TITLE_MAX:
        errors["title"] = f"Keep the title under {TITLE_MAX} characters."
    others = [
        link.other_incident if link.incident_id == incident.pk else link.incident
        for link in live_links_of(incident)
    ]
    incidents = [incident, *others]
    parties: list[Partnership] = [incident.partnership]
    for other in others:
        if other.partnership not in parties:
            parties.append(other.partnership)
    chosen = list(
        Member.objects.select_related("agency").filter(pk__in=set(member_ids)).order_by("pk")
    )
    seats: list[tuple[Member, Partnership]] = []
    refused = []
    for member in chosen:
        side = _seat_side(member, parties)
        if side is None:
            refused.append(str(member))
        else:
            seats.append((member, side))
    if refused:
        errors["members"] = (
            f"{', '.join(refused)} cannot sit in this group: choose members of "
            f"{' or '.join(p.name for p in parties)}."
        )
    if errors:
        raise ValidationError(errors)
    assert actor.partnership is not None  # noqa: S101 (require: they work in the incident's)
    if actor.pk not in {m.pk for m, _ in seats}:
        seats.insert(0, (actor, actor.partnership))
    now = timezone.now()
    group = GoldGroup.objects.create(
        partnership=incident.partnership, title=title, convened_by=actor, convened_at=now
    )
    group.incidents.add(*incidents)
    group.parties.add(*parties)
    GoldGroupSide.objects.bulk_create(
        GoldGroupSide(group=group, partnership=p, shares=[], updated_at=now) for p in parties
    )
    GoldGroupMember.objects.bulk_create(
        GoldGroupMember(group=group, member=m, partnership=p, added_by=actor, added_at=now)
        for m, p in seats
    )
    parties_record(
        actor=actor,
        verb="gold_group.convened",
        group=group,
        subject=group,
        changes={
            "title": title,
            "partnerships": [p.name for p in parties],
            "members": [f"{m} ({m.agency})" for m, _ in seats],
        },
    )
    for party in parties:
        seated = [m for m, p in seats if p.pk == party.pk and m.pk != actor.pk]
        if not seated:
            continue
        notify(
            audiences=[Audience.member(m.pk) for m in seated],
            title=f"Gold group convened: {title}",
            body=(
                f"{actor} convened the gold group “{title}” for "
                f"{', '.join(i.reference for i in incidents)} and seated you in it for "
                f"{party.name}. Join its room: {reverse('gold-group', args=[group.pk])}"
            ),
            purposes=[Purpose.COORDINATION],
            cause=f"gold-group:{group.pk}:convened:{party.pk}",
            subject=group,
            scope=Scope.incident(incident_of(group, party.pk).pk),
            sender=actor,
            urgency=Urgency.URGENT,
            partnership=party,
        )
    return group


def _locked(group_id: int) -> GoldGroup:
    group: GoldGroup | None = GoldGroup.objects.select_for_update().filter(pk=group_id).first()
    if group is None:
        raise ValidationError("No such gold group.")
    return group


@transaction.atomic
def gold_group_share(*, actor: Member, group_id: int, shares: Sequence[str]) -> GoldGroupSide:
    """What the actor's partnership shares with the group about its own incident(s), from now
    on (members of the other parties see only that)."""
    group = _locked(group_id)
    require(actor, "gold_group.share", group)
    wanted = sorted(set(shares))
    unknown = [s for s in wanted if s not in ShareKind.values]
    if unknown:
        raise ValidationError(
            {"shares": f"Choose from: {', '.join(ShareKind.values)} (not {', '.join(unknown)})."}
        )
    if group.state != GroupState.CONVENED:
        raise ConflictError("This gold group has stood down.")
    assert actor.partnership is not None  # noqa: S101 (require: they sit for a party)
    side = GoldGroupSide.objects.select_for_update().get(group=group, partnership=actor.partnership)
    before = list(side.shares)
    side.shares = wanted
    side.updated_by = actor
    side.updated_at = timezone.now()
    side.save()
    labels = dict(ShareKind.choices)
    parties_record(
        actor=actor,
        verb="gold_group.shared",
        group=group,
        subject=group,
        changes={
            "partnership": actor.partnership.name,
            "before": [labels[s] for s in before],
            "shares": [labels[s] for s in wanted] or ["nothing"],
        },
    )
    group_room_push(group, {"type": "room.shares"})
    return side


def _parties_convening_first(group: GoldGroup) -> list[Partnership]:
    return sorted(group.parties.all(), key=lambda p: (p.pk != group.partnership_id, p.pk))


def _tell_seated(
    *, group: GoldGroup, actor: Member, seats: Sequence[tuple[Member, Partnership]], **message: str
) -> None:
    """One notification per party to its members among ``seats`` (the actor aside), filed under
    that party's incident and shown in that party; persisted now, pushed after commit."""
    for party in group.parties.order_by("pk"):
        told = [m for m, p in seats if p.pk == party.pk and m.pk != actor.pk]
        if not told:
            continue
        notify(
            audiences=[Audience.member(m.pk) for m in told],
            title=message["title"],
            body=message["body"].format(party=party.name),
            purposes=[Purpose.COORDINATION],
            cause=f"gold-group:{group.pk}:{message['cause']}:{party.pk}",
            subject=group,
            scope=Scope.incident(incident_of(group, party.pk).pk),
            sender=actor,
            urgency=Urgency.URGENT,
            partnership=party,
        )


@transaction.atomic
def gold_group_seat(
    *, actor: Member, group_id: int, member_ids: Iterable[int]
) -> list[GoldGroupMember]:
    """Seat more members in a sitting group, each for a party they belong to (as when it was
    convened); each is told at once and the room's member list is pushed to everyone in it."""
    group = _locked(group_id)
    require(actor, "gold_group.seat", group)
    wanted = set(member_ids)
    if not wanted:
        raise ValidationError({"members": "Choose who to seat in the group."})
    parties = _parties_convening_first(group)
    seated = set(group.seats.values_list("member_id", flat=True))
    chosen = list(Member.objects.select_related("agency").filter(pk__in=wanted).order_by("pk"))
    seats: list[tuple[Member, Partnership]] = []
    refused, already = [], []
    for member in chosen:
        side = _seat_side(member, parties)
        if member.pk in seated:
            already.append(str(member))
        elif side is None:
            refused.append(str(member))
        else:
            seats.append((member, side))
    problems = []
    if len(chosen) < len(wanted) or refused:
        problems.append(
            f"{', '.join(refused) or 'Someone chosen'} cannot sit in this group: choose members "
            f"of {' or '.join(p.name for p in parties)}."
        )
    if already:
        problems.append(f"{', '.join(already)} already sit in the group.")
    if problems:
        raise ValidationError({"members": " ".join(problems)})
    if not group.sitting:
        raise ConflictError("This gold group has stood down: nobody more is seated in it.")
    now = timezone.now()
    created = GoldGroupMember.objects.bulk_create(
        GoldGroupMember(group=group, member=m, partnership=p, added_by=actor, added_at=now)
        for m, p in seats
    )
    parties_record(
        actor=actor,
        verb="gold_group.seated",
        group=group,
        subject=group,
        changes={"title": group.title, "members": [f"{m} ({m.agency})" for m, _ in seats]},
    )
    references = ", ".join(i.reference for i in group.incidents.order_by("pk"))
    _tell_seated(
        group=group,
        actor=actor,
        seats=seats,
        title=f"You are seated in the gold group “{group.title}”",
        body=(
            f"{actor} seated you in the gold group “{group.title}” for {references}, for "
            f"{{party}}. Join its room: {reverse('gold-group', args=[group.pk])}"
        ),
        cause=f"seated:{created[0].pk}",
    )
    group_room_push(group, {"type": "room.seats"})
    return created


@transaction.atomic
def gold_group_stand_down(*, actor: Member, group_id: int, reason: str) -> GoldGroup:
    """Stand the group down, with the reason: its room becomes read-only (no decision, message,
    seat or share more), the reviews of the decisions still in force stop (each stays as the
    group's last word), every member is told, and everyone in the room sees it at once."""
    group = _locked(group_id)
    require(actor, "gold_group.stand_down", group)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the group stands down."})
    if not can_proceed(group.stand_down):
        raise ConflictError("This gold group has already stood down.")
    now = timezone.now()
    group.stand_down(at=now, by=actor, reason=reason)
    group.save()
    standing = []
    in_force = group.decisions.select_for_update().filter(state__in=IN_FORCE_STATES)
    for decision in in_force.order_by("number", "version"):
        decision.stand_down()
        decision.save()
        standing.append(f"{decision.number}.{decision.version}")
    parties_record(
        actor=actor,
        verb="gold_group.stood_down",
        group=group,
        subject=group,
        changes={"title": group.title, "reason": reason, "decisions": standing or ["none"]},
    )
    seats = [(seat.member, seat.partnership) for seat in group.seats.select_related("partnership")]
    _tell_seated(
        group=group,
        actor=actor,
        seats=seats,
        title=f"Gold group stood down: {group.title}",
        body=(
            f"{actor} stood the gold group “{group.title}” down: {reason}\n"
            f"Its decision log and communications plan stay to read: "
            f"{reverse('gold-group', args=[group.pk])}"
        ),
        cause="stood-down",
    )
    group_room_push(group, {"type": "room.stood_down"})
    return group
