"""The migration to one audit chain per partnership: a populated database from before moves its
events onto the default partnership's chain with nothing lost, every hash as it was, and the
chain still verifies (and goes on from where it was)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from partnership.checkpoints import chain_check, checkpoint_write
from partnership.models import AuditEvent, Partnership
from partnership.timeline import GENESIS_HASH, TIMELINE, audit_record

pytestmark = pytest.mark.django_db(transaction=True)

# Before partnerships were tenants (and so before the timeline had more than one chain).
BEFORE = [
    ("partnership", "0008_one_line_fields"),
    ("escalation", "0005_one_line_fields"),
    ("conference", "0003_one_line_fields"),
]


def _migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)


def _populate(apps: Any, count: int) -> list[tuple[int, str, str]]:
    """A member and ``count`` events chained as the one global chain chained them."""
    event_model = apps.get_model("partnership", "AuditEvent")
    member = apps.get_model("partnership", "Member").objects.create(
        username="old-officer", password="!"
    )
    prev = GENESIS_HASH
    began = timezone.now() - timedelta(days=30)
    for seq in range(1, count + 1):
        event = event_model(
            seq=seq,
            occurred_at=began + timedelta(minutes=seq),
            actor_id=member.pk if seq % 2 else None,
            actor_label="old-officer" if seq % 2 else "system",
            verb="incident.reported" if seq % 3 else "member.login_locked",
            subject_type="escalation.incident",
            subject_id=str(seq),
            scope=f"incident:{seq}" if seq % 3 else "",
            changes={"n": seq, "note": "ünïcode"},
            prev_hash=prev,
        )
        event.hash = prev = TIMELINE.hash_of(event)
        event.save()
    return list(event_model.objects.order_by("seq").values_list("seq", "prev_hash", "hash"))


def test_existing_events_become_the_default_partnerships_chain_and_still_verify() -> None:
    executor = _migrate(BEFORE)
    before = _populate(executor.loader.project_state(BEFORE).apps, 40)

    _migrate(executor.loader.graph.leaf_nodes())

    partnership = Partnership.objects.get()
    assert not AuditEvent.objects.filter(partnership=None).exists()
    moved = list(
        TIMELINE.rows_of(partnership.pk).order_by("seq").values_list("seq", "prev_hash", "hash")
    )
    assert moved == before  # nothing lost, nothing rehashed
    check = chain_check(partnership.pk, full=True)
    assert check.ok, check.describe()
    assert check.report.checked == 40
    # The chain goes on from where it was, and can be checkpointed.
    with transaction.atomic():
        event = audit_record(
            actor=None, verb="area.created", subject_type="t", subject_id=1, partnership=partnership
        )
    assert (event.seq, event.prev_hash) == (41, before[-1][2])
    checkpoint = checkpoint_write(partnership.pk)
    assert checkpoint is not None
    assert checkpoint.seq == 41
    assert chain_check(partnership.pk).ok
