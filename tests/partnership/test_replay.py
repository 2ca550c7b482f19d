"""Pruning the logs live pages replay from (partnership/replay.py): board changes and live
events older than the retention go, in batches, except each owner's newest; recent ones stay."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from config.scheduler import registered_jobs
from escalation import services
from escalation.models import BoardChange
from notifications.dispatch import live_publish
from notifications.models import LiveEvent
from partnership import replay
from partnership.models import Member
from partnership.replay import replay_log_prune
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

RETENTION_HOURS = 24


@pytest.fixture(autouse=True)
def _retention(settings: Any) -> None:
    settings.LIVE_REPLAY_RETENTION_HOURS = RETENTION_HOURS


def _aged(model: type[BoardChange] | type[LiveEvent], ids: list[int], hours: float) -> None:
    at = "changed_at" if model is BoardChange else "created_at"
    model.objects.filter(pk__in=ids).update(**{at: timezone.now() - timedelta(hours=hours)})


def _changes(incident_id: int, partnership_id: int, count: int) -> list[int]:
    return [
        services.board_change_publish(
            partnership_id=partnership_id, incident_id=incident_id, state="reported"
        )
        for _ in range(count)
    ]


def _events(member: Member, count: int) -> list[int]:
    before = set(LiveEvent.objects.filter(member=member).values_list("pk", flat=True))
    for _ in range(count):
        live_publish(member.pk, {"type": "notification.updated", "state": "open"}, None)
    after = set(LiveEvent.objects.filter(member=member).values_list("pk", flat=True))
    return sorted(after - before)


def test_old_board_changes_go_recent_ones_stay_and_each_board_keeps_its_newest(
    demo: dict[str, Member],
) -> None:
    incident = factories.incident()
    other = factories.partnership_new(name="Other borough")
    old = _changes(incident.pk, incident.partnership_id, 5)
    quiet = _changes(incident.pk, other.pk, 3)  # a board nothing happened on since
    recent = _changes(incident.pk, incident.partnership_id, 2)
    _aged(BoardChange, old + quiet, hours=RETENTION_HOURS + 1)
    _aged(BoardChange, recent, hours=RETENTION_HOURS - 1)

    assert replay_log_prune(BoardChange, owner="partnership", at="changed_at") == 5 + 2
    kept = set(BoardChange.objects.values_list("pk", flat=True))
    assert kept == {*recent, quiet[-1]}


def test_old_live_events_go_recent_ones_stay_in_batches_and_each_member_keeps_the_newest(
    demo: dict[str, Member], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(replay, "BATCH", 3)  # a backlog bigger than one batch
    crro, coordinator = demo["crro"], demo["coordinator"]
    LiveEvent.objects.all().delete()
    old = _events(crro, 7)
    away = _events(coordinator, 2)
    recent = _events(crro, 2)
    _aged(LiveEvent, old + away, hours=RETENTION_HOURS * 3)

    assert replay_log_prune(LiveEvent, owner="member", at="created_at") == 7 + 1
    assert set(LiveEvent.objects.values_list("pk", flat=True)) == {*recent, away[-1]}
    # The member's events still name the one before them: a page can tell what it missed.
    assert LiveEvent.objects.get(pk=recent[0]).previous == old[-1]


def test_pruning_twice_is_harmless(demo: dict[str, Member]) -> None:
    incident = factories.incident()
    old = _changes(incident.pk, incident.partnership_id, 4)
    _aged(BoardChange, old, hours=RETENTION_HOURS + 1)
    recent = _changes(incident.pk, incident.partnership_id, 1)

    assert replay_log_prune(BoardChange, owner="partnership", at="changed_at") == 4
    assert replay_log_prune(BoardChange, owner="partnership", at="changed_at") == 0
    assert list(BoardChange.objects.values_list("pk", flat=True)) == recent
    # Everything old, nothing new since: the newest stays, however old.
    _aged(BoardChange, recent, hours=RETENTION_HOURS * 10)
    assert replay_log_prune(BoardChange, owner="partnership", at="changed_at") == 0
    assert list(BoardChange.objects.values_list("pk", flat=True)) == recent


def test_the_scheduler_prunes_both_logs_once_in_a_while(
    demo: dict[str, Member], monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = {job.name: job for job in registered_jobs()}
    monkeypatch.setattr(replay, "_due", {})
    incident = factories.incident()
    old = _changes(incident.pk, incident.partnership_id, 3)
    _aged(BoardChange, old, hours=RETENTION_HOURS + 1)
    events = _events(demo["crro"], 3)
    _aged(LiveEvent, events, hours=RETENTION_HOURS + 1)

    due = jobs["board-changes-prune"].run()
    jobs["live-events-prune"].run()
    assert list(BoardChange.objects.values_list("pk", flat=True)) == [old[-1]]
    assert list(LiveEvent.objects.filter(member=demo["crro"]).values_list("pk", flat=True)) == [
        events[-1]
    ]
    # The sweep calls every few seconds: the next calls wait for the interval.
    old = _changes(incident.pk, incident.partnership_id, 2)
    _aged(BoardChange, old, hours=RETENTION_HOURS + 1)
    assert jobs["board-changes-prune"].run() == due
    assert BoardChange.objects.filter(pk=old[0]).exists()
    assert due is not None
    assert due > timezone.now() + replay.EVERY - timedelta(minutes=1)
