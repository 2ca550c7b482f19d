"""The one ladder engine: its kinds, its rung table, draining due work, and the acknowledgement
ladder's progress as a transition. (Each kind's climb is tested beside it: duties in
tests/escalation/test_ladder.py, actions in tests/conference, acknowledgements in
test_ack_ladder.py.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from escalation.models import Duty, DutyState
from escalation.services.duties import DUTIES
from notifications import services
from notifications.ack_ladder import AcknowledgementLadder
from notifications.jobs import ladders_run
from notifications.ladder import engine
from notifications.ladder.kinds import ladder_kinds, ladder_register
from notifications.models import Laddered, LadderRung, NotificationState
from partnership.models import AuditEvent, Member
from tests import factories

pytestmark = pytest.mark.django_db


def test_every_laddered_model_has_one_kind_with_a_name_of_its_own() -> None:
    laddered = {m._meta.label_lower for m in apps.get_models() if issubclass(m, Laddered)}
    kinds = {kind.model._meta.label_lower: kind.name for kind in ladder_kinds()}
    assert (
        set(kinds)
        == laddered
        == {
            "escalation.duty",
            "conference.action",
            "notifications.notification",
            "oversight.scrutinyrequest",
            "review.debrief",
            "review.planaction",
            "gold.decision",
            "casework.casetask",
        }
    )
    assert len(set(kinds.values())) == len(kinds)  # the name prefixes every rung's cause


def test_a_second_kind_for_a_model_or_name_is_refused() -> None:
    class Again(AcknowledgementLadder):
        pass

    with pytest.raises(ImproperlyConfigured):
        ladder_register(Again())


def test_the_rung_table_refuses_the_same_rung_twice(demo: dict[str, Member]) -> None:
    duty = Duty.objects.filter(
        incident=factories.incident_declared(), state=DutyState.PENDING
    ).first()
    assert duty is not None
    now = timezone.now()
    LadderRung.objects.create(
        thing=duty, index=0, to="owner", audience="x", due_at=now, fired_at=now
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        LadderRung.objects.create(
            thing=duty, index=0, to="owner", audience="x", due_at=now, fired_at=now
        )


def test_acknowledgement_rungs_are_recorded_with_how_late_they_fired(
    demo: dict[str, Member],
) -> None:
    referral = factories.referral_alert(factories.incident_declared())
    ladders_run(now=referral.created_at + timedelta(minutes=20))
    (rung,) = LadderRung.objects.filter(notification=referral)
    assert (rung.index, rung.to) == (0, "repeat")
    assert rung.due_at == referral.created_at + timedelta(minutes=15)
    assert rung.late_by == timedelta(minutes=5)
    event = AuditEvent.objects.get(verb="notification.escalated", subject_id=str(referral.pk))
    assert event.changes["late_by_seconds"] == 300
    assert event.changes["to"] == "repeat"


def test_the_acknowledgement_ladder_moves_only_by_its_transitions(demo: dict[str, Member]) -> None:
    referral = factories.referral_alert(factories.incident_declared())
    services.notification_acknowledge(member=demo["crro"], notification_id=referral.pk, via="web")
    referral.refresh_from_db()
    assert referral.state == NotificationState.ACKNOWLEDGED
    with pytest.raises(TransitionNotAllowed):
        referral.climb(next_rung_at=timezone.now(), escalates=False)
    with pytest.raises(TransitionNotAllowed):
        referral.stop_ladder(by=demo["ppc"])


def test_draining_takes_everything_due_longest_due_first_in_batches(
    demo: dict[str, Member], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "BATCH", 2)
    incident = factories.incident_declared()
    duties = list(incident.duties.filter(state=DutyState.PENDING).order_by("pk"))
    assert len(duties) >= 4
    now = timezone.now() + timedelta(days=60)
    # Test arrangement: due times in the opposite order to the ids.
    for n, duty in enumerate(duties):
        Duty.objects.filter(pk=duty.pk).update(due_at=now - timedelta(hours=n + 1))
    engine.ladder_run(DUTIES, now)
    overdue = AuditEvent.objects.filter(verb="duty.overdue", scope=f"incident:{incident.pk}")
    assert [int(e.subject_id) for e in overdue.order_by("seq")] == [d.pk for d in reversed(duties)]


def test_a_thing_waiting_on_another_does_not_climb_the_one_it_waits_on_does(
    demo: dict[str, Member],
) -> None:
    incident = factories.incident_declared()
    waiting = incident.duties.get(step_code="notify-chief-officer")
    blocking = incident.duties.get(step_code="inform-csp-coordinator")
    assert waiting.waits_for == ["inform-csp-coordinator"]
    assert waiting.state == DutyState.WAITING
    # Test arrangement: a duty that turned overdue before duties waited (migration 0009 leaves
    # those as they were) is held by ``waiting_on`` while what it waits for is open.
    Duty.objects.filter(pk=waiting.pk).update(
        state=DutyState.OVERDUE, overdue_at=waiting.due_at, next_rung_at=waiting.due_at
    )
    engine.ladder_run(DUTIES, waiting.due_at + timedelta(hours=3))
    assert LadderRung.objects.filter(duty=waiting).count() == 0
    assert [r.index for r in LadderRung.objects.filter(duty=blocking)] == [0, 1, 2, 3]
