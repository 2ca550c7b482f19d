"""An overdue action's ladder: the same engine, owner and deputy as a duty's, and its lateness
recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conference.jobs import actions_run
from conference.models import Action, ActionState
from notifications.models import LadderRung, Notification
from partnership.models import AuditEvent, Member
from tests import factories

pytestmark = pytest.mark.django_db


def _action(demo: dict[str, Member], owner: str) -> Action:
    return factories.action(
        conference=factories.conference_with_a_case(),
        description="Fit a door alarm",
        owner=demo[owner],
        due_at=timezone.now() + timedelta(days=2),
    )


def test_an_overdue_action_records_how_late_it_turned_overdue_and_each_rung_fired(
    demo: dict[str, Member],
) -> None:
    action = _action(demo, "panel-housing")
    actions_run(now=action.due_at + timedelta(seconds=90))
    event = AuditEvent.objects.get(verb="action.overdue", subject_id=str(action.pk))
    assert event.changes["late_by_seconds"] == 90
    (rung,) = LadderRung.objects.filter(action=action)
    assert (rung.index, rung.audience) == (0, f"member:{demo['panel-housing'].pk}")
    assert rung.due_at == action.due_at
    assert rung.late_by == timedelta(seconds=90)
    escalated = AuditEvent.objects.get(verb="action.escalated", subject_id=str(action.pk))
    assert escalated.changes["late_by_seconds"] == 90


def test_an_actions_deputy_rung_reaches_the_deputy_of_the_member_who_owns_it(
    demo: dict[str, Member],
) -> None:
    action = _action(demo, "crro")  # the CRRO's deputy is the PPC
    # Test arrangement: a ladder with a deputy rung (the product's own goes to the co-ordinator).
    Action.objects.filter(pk=action.pk).update(
        ladder=[{"after_seconds": 0, "to": "owner"}, {"after_seconds": 60, "to": "deputy"}]
    )
    actions_run(now=action.due_at + timedelta(seconds=30))
    action.refresh_from_db()
    assert action.state == ActionState.OVERDUE  # the owner reminded: not escalated
    actions_run(now=action.due_at + timedelta(seconds=60))
    action.refresh_from_db()
    assert action.state == ActionState.ESCALATED
    chased = Notification.objects.filter(idempotency_key__startswith=f"action:{action.pk}:rung:")
    assert sorted(n.recipient.username for n in chased) == ["crro", "ppc"]
