"""People's parts in incidents: only victims count towards the repeat-victim rules, perpetrators
and suspects raise a repeat-perpetrator flag of their own; possible duplicate people are offered
to the co-ordinator, whose merge is on both timelines and can be undone."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from conference import services
from conference.duplicates import duplicates_find, names_similar
from conference.models import FlagKind, IncidentPerson, Person, Referral, RepeatFlag
from conference.rules import people_visible
from escalation.models import Incident
from notifications.models import Notification
from partnership.errors import ConflictError
from partnership.models import AuditEvent, Member
from tests import factories

pytestmark = pytest.mark.django_db


def _incident(days_ago: int) -> Incident:
    return factories.incident(occurred_at=timezone.now() - timedelta(days=days_ago))


def test_a_witness_does_not_raise_a_repeat_victim_flag_but_a_victim_does(
    demo: dict[str, Member],
) -> None:
    person = factories.person()
    factories.referral(person=person)
    as_witness = factories.incident(occurred_at=timezone.now())
    flags = services.incident_person_link(
        actor=demo["coordinator"], incident=as_witness, person=person, involvement="witness"
    )
    assert flags == []
    as_victim = factories.incident(occurred_at=timezone.now())
    (flag,) = services.incident_person_link(
        actor=demo["coordinator"], incident=as_victim, person=person
    )
    assert flag.kind == FlagKind.REPEAT
    assert list(flag.incidents.all()) == [as_victim]


def test_incidents_as_witness_or_reporter_do_not_suggest_a_referral(
    demo: dict[str, Member],
) -> None:
    person = factories.person()
    for days, part in ((30, "witness"), (20, "reporter"), (10, "witness"), (5, "victim")):
        flags = services.incident_person_link(
            actor=demo["coordinator"], incident=_incident(days), person=person, involvement=part
        )
        assert flags == []


def test_a_repeat_perpetrator_raises_their_own_flag_for_the_coordinator_and_the_crro(
    demo: dict[str, Member],
) -> None:
    suspect = factories.person(full_name="Dale Pryce")
    first = services.incident_person_link(
        actor=demo["crro"], incident=_incident(40), person=suspect, involvement="perpetrator"
    )
    assert first == []
    (flag,) = services.incident_person_link(
        actor=demo["crro"], incident=_incident(3), person=suspect, involvement="perpetrator"
    )
    assert flag.kind == FlagKind.REPEAT_PERPETRATOR
    assert flag.incidents.count() == 2
    assert "Perpetrator or suspect in 2 incidents" in flag.rule
    told = set(
        Notification.objects.filter(idempotency_key__startswith=f"flag:{flag.pk}:").values_list(
            "recipient__username", flat=True
        )
    )
    assert {"coordinator", "crro"} <= told
    # A victim flag is not raised for a perpetrator's incidents, nor a second perpetrator flag.
    assert RepeatFlag.objects.filter(person=suspect).count() == 1


def test_possible_duplicates_same_birthday_and_similar_name_or_same_address(
    demo: dict[str, Member],
) -> None:
    born = date(1980, 5, 17)
    a = services.person_create(
        actor=demo["coordinator"], full_name="Amira Khan", date_of_birth=born
    )
    b = services.person_create(
        actor=demo["coordinator"], full_name="Amira Begum Khan", date_of_birth=born
    )
    services.person_create(actor=demo["coordinator"], full_name="Omar Khan", date_of_birth=born)
    c = services.person_create(
        actor=demo["coordinator"], full_name="Jon Smith", address="12 Queensway, Bletchley"
    )
    d = services.person_create(
        actor=demo["coordinator"], full_name="J. Smyth", address="12  queensway bletchley"
    )
    pairs = {(x.first.pk, x.second.pk): x.reason for x in duplicates_find(a.partnership)}
    assert pairs == {
        (a.pk, b.pk): "same date of birth and a similar name",
        (c.pk, d.pk): "same address",
    }
    assert names_similar("Jon Smith", "John Smith")
    assert not names_similar("Amira Khan", "Omar Khan")


def test_a_merge_moves_the_history_is_on_both_timelines_and_undoes_exactly(
    demo: dict[str, Member],
) -> None:
    kept = factories.person(full_name="Amira Khan")
    merged = factories.person(full_name="Amira Begum Khan")
    shared = _incident(9)
    earlier = _incident(20)
    services.incident_person_link(actor=demo["coordinator"], incident=earlier, person=kept)
    services.incident_person_link(actor=demo["coordinator"], incident=shared, person=kept)
    services.incident_person_link(actor=demo["coordinator"], incident=shared, person=merged)
    own = _incident(2)
    services.incident_person_link(actor=demo["coordinator"], incident=own, person=merged)
    referral = factories.referral(person=merged)
    with pytest.raises(PermissionDenied):
        services.person_merge(
            actor=demo["member"], kept_id=kept.pk, merged_id=merged.pk, reason="Same."
        )
    merge = services.person_merge(
        actor=demo["coordinator"], kept_id=kept.pk, merged_id=merged.pk, reason="Same DOB, GP."
    )
    # The link to the incident both were on stays with the merged record; the other moves.
    kept_links = IncidentPerson.objects.filter(person=kept).values_list("incident_id", flat=True)
    assert set(kept_links) == {earlier.pk, shared.pk, own.pk}
    assert list(
        IncidentPerson.objects.filter(person=merged).values_list("incident_id", flat=True)
    ) == [shared.pk]
    assert Referral.objects.get(pk=referral.pk).person_id == kept.pk
    assert not people_visible(demo["coordinator"]).filter(pk=merged.pk).exists()
    for person in (kept, merged):
        assert AuditEvent.objects.filter(scope=f"person:{person.pk}", verb="person.merged").exists()
    with pytest.raises(ConflictError):
        services.person_merge(
            actor=demo["coordinator"], kept_id=kept.pk, merged_id=merged.pk, reason="Again."
        )
    services.person_merge_undo(actor=demo["coordinator"], merge_id=merge.pk, reason="Two people.")
    assert set(
        IncidentPerson.objects.filter(person=merged).values_list("incident_id", flat=True)
    ) == {
        shared.pk,
        own.pk,
    }
    assert Referral.objects.get(pk=referral.pk).person_id == merged.pk
    assert Person.objects.get(pk=merged.pk).merged_into_id is None
    assert AuditEvent.objects.filter(scope=f"person:{kept.pk}", verb="person.merge_undone").exists()
    with pytest.raises(ConflictError):
        services.person_merge_undo(actor=demo["coordinator"], merge_id=merge.pk, reason="x")


def test_the_duplicates_page_offers_pairs_and_merges_them(client_for: object) -> None:
    coordinator = client_for("coordinator")  # type: ignore[operator]
    born = date(1975, 1, 2)
    demo_coordinator = Member.objects.get(username="coordinator")
    a = services.person_create(actor=demo_coordinator, full_name="Li Wei", date_of_birth=born)
    b = services.person_create(actor=demo_coordinator, full_name="Li  Wei", date_of_birth=born)
    page = coordinator.get("/people/duplicates/")
    assert page.status_code == 200
    assert b"Li Wei" in page.content
    refused = coordinator.post("/people/merges/", {"kept": a.pk, "merged": b.pk, "reason": ""})
    assert refused.status_code == 400
    done = coordinator.post("/people/merges/", {"kept": a.pk, "merged": b.pk, "reason": "Same."})
    assert done.status_code == 302
    assert Person.objects.get(pk=b.pk).merged_into_id == a.pk
    assert client_for("member").get("/people/duplicates/").status_code == 403  # type: ignore[operator]
