"""Referrals, research visibility in the API, overdue actions escalating, and minutes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from conference import services
from conference.jobs import actions_run
from conference.minutes import minutes_for
from conference.models import (
    ActionState,
    Conference,
    Person,
    PersonAccess,
    ReferralState,
)
from notifications.models import Notification
from partnership.errors import ConflictError
from partnership.models import Agency, Member
from tests import factories
from tests.world import ClientFor

pytestmark = pytest.mark.django_db


def test_risk_assessment_maps_the_score_and_judgement_may_only_raise_it(person: Person) -> None:
    standard = factories.referral(person=person, answers=factories.checklist(repeat=True))
    assert (standard.score, standard.level) == (1, "standard")
    medium = factories.referral(
        person=person, answers=factories.checklist(repeat=True, threats=True, frightened=True)
    )
    assert (medium.score, medium.level) == (4, "medium")
    high = factories.referral(
        person=person,
        answers=factories.checklist(
            escalating=True, threats=True, weapons=True, home_targeted=True
        ),
    )
    assert (high.score, high.level) == (8, "high")
    raised = factories.referral(
        person=person,
        answers=factories.checklist(repeat=True),
        raised_level="high",
        raised_reason="Perpetrator released today.",
    )
    assert (raised.assessed_level, raised.level, raised.raised_reason) == (
        "standard",
        "high",
        "Perpetrator released today.",
    )
    with pytest.raises(ValidationError, match="raise the level, not lower"):
        factories.referral(
            person=person,
            answers=factories.checklist(
                threats=True, weapons=True, home_targeted=True, escalating=True
            ),
            raised_level="standard",
        )
    with pytest.raises(ValidationError, match="Say why professional judgement"):
        factories.referral(person=person, answers=factories.checklist(), raised_level="medium")
    with pytest.raises(ValidationError, match="Answer every question"):
        factories.referral(person=person, answers={"repeat": True})
    with pytest.raises(ValidationError, match="lawful basis"):
        factories.referral(person=person, lawful_basis="because")


def test_sharing_without_consent_records_its_lawful_basis(person: Person) -> None:
    referral = factories.referral(
        person=person,
        lawful_basis="public_task_safeguarding",
        consent_notes="Declined; at serious risk.",
    )
    assert "Art 6(1)(e)" in referral.get_lawful_basis_display()
    assert "Sch 1 para 18" in referral.get_lawful_basis_display()


def test_agenda_takes_open_referrals_once(demo: dict[str, Member]) -> None:
    conference = factories.conference_with_a_case(open_it=False)
    referral = conference.agenda.get().referral
    assert referral is not None
    assert referral.state == ReferralState.ON_AGENDA
    with pytest.raises(ConflictError, match="only open referrals"):
        services.agenda_add(
            actor=demo["coordinator"], conference_id=conference.pk, referral=referral
        )
    with pytest.raises(PermissionDenied):
        services.agenda_add(actor=demo["chair"], conference_id=conference.pk, referral=referral)


def test_invitations_go_out_with_a_calendar_invite(demo: dict[str, Member]) -> None:
    from django.core import mail

    from notifications.dispatch import deliveries_send

    conference = factories.conference_with_a_case(open_it=False)
    invitation = Notification.objects.get(
        recipient=demo["panel-health"], subject_type="conference.conference"
    )
    assert invitation.urgency == "urgent"  # an emergency conference
    deliveries_send([invitation.pk])
    (email,) = [m for m in mail.outbox if m.to == ["panel-health@demo.invalid"]]
    assert email.attachments[0][0] == "invite.ics"
    assert f"UID:conference-{conference.pk}@" in email.attachments[0][1]


def test_research_visibility_holds_in_the_api(
    client_for: ClientFor, demo: dict[str, Member]
) -> None:
    conference = factories.conference_with_a_case(open_it=False)
    item = conference.agenda.get()
    police = Agency.objects.get(name="Thames Valley Police")
    response = client_for("panel-police").post(
        f"/api/agenda-items/{item.pk}/research/",
        {
            "facts": "Two prior arrests of the neighbour for criminal damage.",
            "opinion": "Likely to escalate when he is released.",
            "withheld": "Intelligence source details",
            "withheld_reason": "Would identify a covert source.",
            "visibility": "agencies",
            "visible_agency_ids": [police.pk],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    client_for("panel-housing").post(
        f"/api/agenda-items/{item.pk}/research/",
        {"facts": "Tenancy in good standing.", "opinion": "Transfer would help."},
        content_type="application/json",
    )
    seen_by_police = client_for("panel-police").get(f"/api/agenda-items/{item.pk}/research/").json()
    seen_by_housing = (
        client_for("panel-housing").get(f"/api/agenda-items/{item.pk}/research/").json()
    )
    seen_by_chair = client_for("chair").get(f"/api/agenda-items/{item.pk}/research/").json()
    assert sorted(r["agency"] for r in seen_by_police) == [
        "Milton Keynes Housing",
        "Thames Valley Police",
    ]
    assert [r["agency"] for r in seen_by_housing] == ["Milton Keynes Housing"]
    assert "neighbour" not in str(seen_by_housing)
    assert len(seen_by_chair) == 2
    # Seeing a restricted contribution is logged against the person, like viewing their record.
    assert PersonAccess.objects.filter(
        member=demo["chair"], what__startswith="restricted research"
    ).exists()
    bad = client_for("panel-health").post(
        f"/api/agenda-items/{item.pk}/research/",
        {"withheld": "Medical records", "visibility": "agencies"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert {"withheld_reason", "visible_agencies"} <= set(bad.json())
    outsider = client_for("staff").get(f"/api/agenda-items/{item.pk}/research/")
    assert outsider.status_code == 404


def test_person_records_are_shared_on_need_and_every_view_is_logged(
    client_for: ClientFor, demo: dict[str, Member], person: Person
) -> None:
    assert client_for("panel-housing").get(f"/api/people/{person.pk}/").status_code == 404
    # Puts the case before the invited panel.
    factories.conference_with_a_case(person=person, open_it=False)
    body = client_for("panel-housing").get(f"/api/people/{person.pk}/").json()
    assert body["full_name"] == "Amina Yusuf"
    assert client_for("staff").get(f"/api/people/{person.pk}/").status_code == 404
    logged = PersonAccess.objects.filter(person=person, member=demo["panel-housing"], what="record")
    assert logged.count() == 1


def test_an_overdue_action_escalates_to_owner_then_coordinator_then_gold(
    demo: dict[str, Member],
) -> None:
    conference = factories.conference_with_a_case()
    action = factories.action(
        conference=conference,
        description="Visit the victim with a safety plan",
        owner=demo["panel-housing"],
        due_at=timezone.now() + timedelta(days=2),
    )
    due = action.due_at
    actions_run(now=due - timedelta(minutes=1))
    action.refresh_from_db()
    assert action.state == ActionState.OPEN
    actions_run(now=due)
    action.refresh_from_db()
    assert action.state == ActionState.OVERDUE

    def chased() -> list[str]:
        return [
            n.recipient.username
            for n in Notification.objects.filter(
                idempotency_key__startswith=f"action:{action.pk}:rung:"
            ).order_by("pk")
        ]

    assert chased() == ["panel-housing"]
    actions_run(now=due + timedelta(days=1))
    action.refresh_from_db()
    assert action.state == ActionState.ESCALATED
    assert chased() == ["panel-housing", "coordinator"]
    services.action_complete(
        actor=demo["panel-housing"], action_id=action.pk, outcome="Visited; plan in place."
    )
    actions_run(now=due + timedelta(days=10))
    assert chased() == ["panel-housing", "coordinator"]  # done: no gold


def test_only_the_owner_or_coordinator_completes_an_action(demo: dict[str, Member]) -> None:
    conference = factories.conference_with_a_case()
    action = factories.action(
        conference=conference,
        description="Refer to victim support",
        owner=demo["panel-health"],
        due_at=timezone.now() + timedelta(days=3),
    )
    with pytest.raises(PermissionDenied):
        services.action_complete(actor=demo["panel-police"], action_id=action.pk, outcome="x")
    done = services.action_complete(
        actor=demo["coordinator"], action_id=action.pk, outcome="Referred."
    )
    assert done.state == ActionState.DONE


def test_minutes_list_what_was_agreed(demo: dict[str, Member], client_for: ClientFor) -> None:
    conference = factories.conference_with_a_case()
    item = conference.current_item
    assert item is not None
    police = Agency.objects.get(name="Thames Valley Police")
    services.room_share(
        actor=demo["panel-police"], conference_id=conference.pk, text="Arrest made this morning"
    )
    services.room_share(
        actor=demo["panel-police"],
        conference_id=conference.pk,
        text="Covert operation planned",
        visibility="agencies",
        visible_agencies=[police],
    )
    services.room_agree_risk(
        actor=demo["chair"], conference_id=conference.pk, item_id=item.pk, level="high"
    )
    factories.action(
        conference=conference,
        item=item,
        description="Install CCTV at the front door",
        owner=demo["panel-housing"],
        due_at=timezone.now() + timedelta(days=14),
    )
    services.conference_conclude(actor=demo["chair"], conference_id=conference.pk)
    text = minutes_for(Conference.objects.get(pk=conference.pk), reader=demo["chair"]).text
    assert "Chair: Harold Chen" in text
    assert "Paul Reid (Thames Valley Police)" in text
    assert "Hana Ali (Milton Keynes Housing)" in text
    assert "Risk agreed: High" in text
    assert "Shared by Paul Reid: Arrest made this morning" in text
    assert "ACTION: Install CCTV at the front door | owner Hana Ali (Milton Keynes Housing)" in text
    assert "Covert operation planned" not in text  # restricted entries stay out of the minutes
    assert "Amina" not in text
    download = client_for("panel-health").get(
        f"/api/conferences/{conference.pk}/minutes/?download=1"
    )
    assert download["Content-Type"].startswith("text/plain")
    assert b"Install CCTV" in download.content
    heard = conference.agenda.get().referral
    assert heard is not None
    assert heard.state == ReferralState.HEARD


def test_conclusion_marks_heard_cases_and_returns_unreached_ones(
    demo: dict[str, Member], person: Person
) -> None:
    conference = factories.conference_with_a_case(person=person)
    second = factories.referral(person=person)
    services.agenda_add(actor=demo["coordinator"], conference_id=conference.pk, referral=second)
    services.conference_conclude(actor=demo["chair"], conference_id=conference.pk)
    first_item, second_item = conference.agenda.order_by("order")
    assert second_item.referral == second
    assert first_item.referral is not None
    assert first_item.referral.state == ReferralState.HEARD
    second.refresh_from_db()
    assert second.state == ReferralState.OPEN  # not reached: back for the next conference
