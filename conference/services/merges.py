"""Merging two records of one person, and undoing it. The merged record's incident links,
referrals and repeat flags move to the kept one (exactly those rows are remembered, so undoing
moves back only them), the merged record points at the kept one, and both people's timelines say
so. The repeat rules then run on the kept person's whole history."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from conference.models import (
    IncidentPerson,
    Person,
    PersonMerge,
    Referral,
    RepeatFlag,
)
from conference.services.people import repeats_evaluate
from partnership.errors import ConflictError
from partnership.models import Member
from partnership.permissions import require
from partnership.scopes import Scope
from partnership.timeline import audit_record


def _pair_recorded(merge: PersonMerge, actor: Member, verb: str, **changes: object) -> None:
    for person_id, other_id in ((merge.kept_id, merge.merged_id), (merge.merged_id, merge.kept_id)):
        audit_record(
            actor=actor,
            verb=verb,
            subject=merge,
            scope=Scope.person(person_id),
            changes={
                "merge_id": merge.pk,
                "kept_id": merge.kept_id,
                "merged_id": merge.merged_id,
                "other_id": other_id,
                **changes,
            },
        )


@transaction.atomic
def person_merge(*, actor: Member, kept_id: int, merged_id: int, reason: str) -> PersonMerge:
    people = {
        p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[kept_id, merged_id])
    }
    kept, merged = people.get(kept_id), people.get(merged_id)
    if kept is None or merged is None or kept_id == merged_id:
        raise ValidationError("Choose two different records of people.")
    require(actor, "person.merge", kept)
    require(actor, "person.merge", merged)
    if not reason.strip():
        raise ValidationError({"reason": "Say why these records are the same person."})
    if kept.merged_into_id is not None or merged.merged_into_id is not None:
        raise ConflictError("One of these records has already been merged into another.")
    if kept.anonymised_at is not None or merged.anonymised_at is not None:
        raise ConflictError("A record whose personal data was removed cannot be merged.")
    kept_incidents = set(
        IncidentPerson.objects.filter(person=kept).values_list("incident_id", flat=True)
    )
    # A link to an incident the kept record is already linked to stays where it is.
    links = list(
        IncidentPerson.objects.filter(person=merged)
        .exclude(incident_id__in=kept_incidents)
        .values_list("pk", flat=True)
    )
    referrals = list(Referral.objects.filter(person=merged).values_list("pk", flat=True))
    flags = list(RepeatFlag.objects.filter(person=merged).values_list("pk", flat=True))
    IncidentPerson.objects.filter(pk__in=links).update(person=kept)
    Referral.objects.filter(pk__in=referrals).update(person=kept)
    RepeatFlag.objects.filter(pk__in=flags).update(person=kept)
    Person.objects.filter(pk=merged.pk).update(merged_into=kept)
    merge = PersonMerge.objects.create(
        kept=kept,
        merged=merged,
        reason=reason.strip(),
        moved_links=links,
        moved_referrals=referrals,
        moved_flags=flags,
        merged_by=actor,
        merged_at=timezone.now(),
    )
    _pair_recorded(
        merge,
        actor,
        "person.merged",
        links=len(links),
        referrals=len(referrals),
        flags=len(flags),
    )
    repeats_evaluate(person=kept)
    return merge


@transaction.atomic
def person_merge_undo(*, actor: Member, merge_id: int, reason: str) -> PersonMerge:
    merge = PersonMerge.objects.select_for_update().select_related("kept").get(pk=merge_id)
    require(actor, "person.merge", merge.kept)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the merge is undone."})
    if not can_proceed(merge.undo):
        raise ConflictError("This merge has already been undone.")
    IncidentPerson.objects.filter(pk__in=merge.moved_links).update(person=merge.merged_id)
    Referral.objects.filter(pk__in=merge.moved_referrals).update(person=merge.merged_id)
    RepeatFlag.objects.filter(pk__in=merge.moved_flags).update(person=merge.merged_id)
    Person.objects.filter(pk=merge.merged_id).update(merged_into=None)
    merge.undo(at=timezone.now(), by=actor, reason=reason.strip())
    merge.save()
    _pair_recorded(merge, actor, "person.merge_undone", reason=reason.strip())
    return merge
