"""Sharing a person's record with another partnership under a recorded basis, and withdrawing it.

Each partnership knows its own people; a share lets one more partnership's need-to-know rules
apply to one record (``sharing_models``). Both partnerships' timelines record the share and its
withdrawal, the receiving co-ordinator is told, and the owner's access log keeps showing who
opened the record, from either side. The reason stays on the share (it may describe the person);
the timelines carry the basis and the partnerships, which name nobody.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from conference.models import LawfulBasis, Person, PersonShare, ShareState
from notifications.models import Purpose
from notifications.services import notify
from partnership.audiences import Audience
from partnership.errors import ConflictError
from partnership.models import Member, Partnership, Role
from partnership.permissions import require
from partnership.scopes import Scope
from partnership.timeline import audit_record


def _share_words(share: PersonShare) -> dict[str, object]:
    """What both chains record of a share: the basis and the partnerships, nobody's name."""
    return {
        "basis": share.basis,
        "owner": share.person.partnership.name,
        "with": share.partnership.name,
        "person_id": share.person_id,
    }


@transaction.atomic
def person_share(
    *, actor: Member, person: Person, partnership: Partnership, basis: str, reason: str
) -> PersonShare:
    """Share ``person``'s record with ``partnership``: its CSP Co-ordinator is told at once."""
    # The person's row is the lock: two co-ordinators sharing at once make one share.
    person = Person.objects.select_for_update().select_related("partnership").get(pk=person.pk)
    require(actor, "person.share", person)
    errors: dict[str, str] = {}
    if partnership.pk == person.partnership_id:
        errors["partnership"] = "Choose another partnership: the record is already yours."
    if basis not in LawfulBasis.values:
        errors["basis"] = "Record consent, or the lawful basis for sharing without it."
    if not reason.strip():
        errors["reason"] = "Say why the other partnership needs this record."
    if person.anonymised_at is not None:
        errors["partnership"] = "This record has been anonymised: there is nothing to share."
    if errors:
        raise ValidationError(errors)
    if PersonShare.objects.filter(
        person=person, partnership=partnership, state=ShareState.ACTIVE
    ).exists():
        raise ConflictError(f"{person.reference} is already shared with {partnership.name}.")
    share = PersonShare.objects.create(
        person=person,
        partnership=partnership,
        basis=basis,
        reason=reason.strip(),
        shared_by=actor,
        shared_at=timezone.now(),
    )
    # The same event on both chains: the owner's (in the person's case) and the receiving
    # partnership's own record of what it was given.
    audit_record(
        actor=actor,
        verb="person.shared",
        subject=share,
        scope=Scope.person(person.pk),
        changes=_share_words(share),
    )
    audit_record(
        actor=actor,
        verb="person.shared_in",
        subject=share,
        partnership=partnership,
        changes=_share_words(share),
    )
    notify(
        audiences=[Audience.role(Role.CSP_COORDINATOR)],
        partnership=partnership,
        title=f"{person.partnership.name} shared a person's record with you: {person.reference}",
        body=(
            f"{person.partnership.name} has shared the record of {person.reference} with "
            f"{partnership.name} ({LawfulBasis(basis).label}). You can now open it, link it to "
            "your incidents and refer it; the sharing partnership can see who opens it."
        ),
        purposes=[Purpose.COORDINATION],
        cause=f"share:{share.pk}",
        subject=share,
        scope=Scope.person(person.pk),
        sender=actor,
        ack_ladder=[],
    )
    return share


@transaction.atomic
def person_share_withdraw(*, actor: Member, share_id: int, reason: str) -> PersonShare:
    """Withdraw a share: the other partnership no longer sees the record. What it linked to its
    own incidents stays, by reference only (its incident pages say a person not shared with
    it)."""
    share = (
        PersonShare.objects.select_for_update()
        .select_related("person__partnership", "partnership")
        .filter(pk=share_id)
        .first()
    )
    if share is None:
        raise ValidationError("No such share.")
    require(actor, "person.share", share.person)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the record is no longer shared."})
    if not can_proceed(share.withdraw):
        raise ConflictError(f"The share with {share.partnership.name} was already withdrawn.")
    share.withdraw(by=actor, at=timezone.now(), reason=reason.strip())
    share.save()
    person = share.person
    audit_record(
        actor=actor,
        verb="person.share_withdrawn",
        subject=share,
        scope=Scope.person(person.pk),
        changes=_share_words(share),
    )
    audit_record(
        actor=actor,
        verb="person.share_withdrawn_in",
        subject=share,
        partnership=share.partnership,
        changes=_share_words(share),
    )
    notify(
        audiences=[Audience.role(Role.CSP_COORDINATOR)],
        partnership=share.partnership,
        title=f"{person.partnership.name} stopped sharing {person.reference} with you",
        body=(
            f"{person.partnership.name} withdrew the record of {person.reference} from "
            f"{share.partnership.name}. It no longer opens for your members; the links your "
            "incidents have to it stay, by reference only."
        ),
        purposes=[Purpose.COORDINATION],
        cause=f"share:{share.pk}:withdrawn",
        subject=share,
        scope=Scope.person(person.pk),
        sender=actor,
        ack_ladder=[],
    )
    return share
