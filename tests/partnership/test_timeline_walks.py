"""Walks remembered since the last checkpoint (``chain_check(resume=True)``, what the review's
pages state): a page reads only what is new since the last page, and remembering cannot hide
tampering. Rewritten events, with every later hash recomputed, are found by the hash the
remembered walk reached; an event edited in place inside the remembered walk is found by the
next checkpoint's walk, which refuses to sign and makes the pages walk again; a forged memory is
ignored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from partnership.checkpoints import (
    ChainBrokenError,
    _walked_key,
    chain_check,
    checkpoint_write,
    checkpoints_run,
)
from partnership.models import Partnership, TimelineCheckpoint
from partnership.timeline import TIMELINE, audit_record
from tests import factories
from tests.tampering import behind_the_back, rewritten_from

pytestmark = pytest.mark.django_db


def _riverside() -> Partnership:
    return factories.partnership_new(name="Riverside CSP", slug="riverside")


def _record(partnership: Partnership, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        with transaction.atomic():
            audit_record(
                actor=None,
                verb="area.created",
                subject_type="test",
                subject_id=i,
                changes={"name": f"area {i}"},
                partnership=partnership,
            )


def _walked_to_9() -> Partnership:
    """Riverside with a checkpoint at event 6 and a page's walk remembered up to event 9."""
    riverside = _riverside()
    _record(riverside, 5)  # events 2 to 6, after the partnership's own first
    checkpoint = checkpoint_write(riverside.pk)
    assert checkpoint is not None
    assert checkpoint.seq == 6
    _record(riverside, 3, start=10)  # 7 to 9
    first = chain_check(riverside.pk, resume=True)
    assert first.ok
    assert first.walked is None
    assert first.report.checked == 3
    return riverside


def test_a_page_goes_on_from_the_last_walk_and_reads_only_what_is_new() -> None:
    riverside = _walked_to_9()
    _record(riverside, 2, start=20)  # 10 and 11
    check = chain_check(riverside.pk, resume=True)
    assert check.ok, check.describe()
    assert check.walked is not None
    assert check.walked.seq == 9
    assert (check.report.after_seq, check.report.checked) == (9, 2)
    assert check.after_checkpoint == 5
    assert "events 7 to 9 were walked at" in check.describe()
    assert "2 events after it checked" in check.describe()
    # Nothing new: nothing walked, the same statement.
    again = chain_check(riverside.pk, resume=True)
    assert again.ok
    assert again.walked is not None
    assert again.walked.seq == 11
    assert (again.report.checked, again.after_checkpoint) == (0, 5)
    # The checkpoint job and verify_timeline do not go on from it: they walk from the checkpoint.
    plain = chain_check(riverside.pk)
    assert plain.walked is None
    assert plain.report.checked == 5


def test_an_event_after_the_checkpoint_rewritten_with_every_hash_recomputed_is_found() -> None:
    riverside = _walked_to_9()
    _record(riverside, 2, start=20)
    event = TIMELINE.rows_of(riverside.pk).get(seq=8)
    rewritten_from(
        riverside.pk,
        8,
        "UPDATE partnership_auditevent SET changes = %s WHERE id = %s",
        ['{"name": "forged"}', event.pk],
    )
    # The links are whole again from the checkpoint: a walk from it alone is fooled ...
    assert TIMELINE.verify(riverside.pk, after=(6, TIMELINE.rows_of(riverside.pk).get(seq=6).hash))
    # ... but event 9, where the page's walk ended, no longer carries the hash it had.
    for _ in range(2):  # and it stays found: the memory is the evidence, it is not forgotten
        check = chain_check(riverside.pk, resume=True)
        assert not check.ok
        assert check.report.broken_seq == 9
        assert "changed since" in check.report.problem
    assert not chain_check(riverside.pk).ok
    assert not chain_check(riverside.pk, full=True).ok
    # Nothing is signed over it.
    with pytest.raises(ChainBrokenError, match="broken at event 9"):
        checkpoint_write(riverside.pk)


def test_events_removed_from_the_end_after_a_page_walked_them_are_found() -> None:
    riverside = _walked_to_9()
    behind_the_back(
        "DELETE FROM partnership_auditevent WHERE partnership_id = %s AND seq > 7",
        [riverside.pk],
    )
    check = chain_check(riverside.pk, resume=True)
    assert not check.ok
    assert check.report.broken_seq == 9
    assert "missing" in check.report.problem


def test_an_event_appended_after_the_walk_and_edited_is_found() -> None:
    riverside = _walked_to_9()
    _record(riverside, 2, start=20)
    behind_the_back(
        "UPDATE partnership_auditevent SET subject_id = 'forged' WHERE partnership_id = %s "
        "AND seq = 10",
        [riverside.pk],
    )
    check = chain_check(riverside.pk, resume=True)
    assert not check.ok
    assert check.report.broken_seq == 10
    assert "edited" in check.report.problem


def test_an_event_edited_in_place_inside_the_walk_is_found_by_the_next_checkpoint(
    settings: Any,
) -> None:
    riverside = _walked_to_9()
    # Edited in place, its hash left as it was: the page's memory does not read event 8 again ...
    behind_the_back(
        "UPDATE partnership_auditevent SET subject_id = 'forged' WHERE partnership_id = %s "
        "AND seq = 8",
        [riverside.pk],
    )
    _record(riverside, 1, start=20)
    assert chain_check(riverside.pk, resume=True).ok
    # ... the hourly job does: it walks everything since the checkpoint, refuses to sign, and
    # forgets the page's walk, so the pages walk from the checkpoint again and name the event.
    later = timezone.now() + timedelta(minutes=settings.TIMELINE_CHECKPOINT_MINUTES + 1)
    checkpoints_run(later)
    assert TimelineCheckpoint.objects.filter(partnership=riverside).count() == 1
    check = chain_check(riverside.pk, resume=True)
    assert not check.ok
    assert check.report.broken_seq == 8
    assert "edited" in check.report.problem


def test_a_memory_not_signed_by_the_service_is_ignored() -> None:
    riverside = _walked_to_9()
    _record(riverside, 2, start=20)  # 10 and 11
    behind_the_back(
        "UPDATE partnership_auditevent SET subject_id = 'forged' WHERE partnership_id = %s "
        "AND seq = 10",
        [riverside.pk],
    )
    # Someone who can write to the cache claims the chain was walked to 11 (which would skip the
    # edited event 10), without the service's key.
    checkpoint = TimelineCheckpoint.objects.get(partnership=riverside)
    seq, head = TIMELINE.head(riverside.pk)
    forged = {"seq": seq, "hash": head, "at": timezone.now().isoformat(), "sig": "0" * 64}
    cache.set(_walked_key(riverside.pk, checkpoint), forged)
    check = chain_check(riverside.pk, resume=True)
    assert not check.ok
    assert check.report.broken_seq == 10
