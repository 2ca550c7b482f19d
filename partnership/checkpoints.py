"""Signed checkpoints of the timeline's chains, and verification from the last one forward.

Regularly (the scheduler's ``timeline-checkpoints`` job) and on demand (``manage.py
checkpoint_timeline``) each chain with events since its last checkpoint is verified from that
checkpoint to its head, and the head is signed: HMAC-SHA256 with ``TIMELINE_CHECKPOINT_KEY``
over the chain, the checkpoint's number, the head's ``seq`` and hash, and the time. A checkpoint
says "this chain verified up to here, and here is the hash it led to"; the events before it are
not read again:

- ``chain_check(key)`` (what the review pages and exports state) checks the last checkpoint's
  signature, that the event it names still carries the hash it signed (any rewrite of an event
  before it, even with every later hash recomputed, changes that hash), and walks on from there:
  its cost grows with what is new, not with the whole history.
- ``chain_check(key, full=True)`` (``manage.py verify_timeline --full``) walks the whole chain
  and checks every checkpoint against it, and that none is missing: it also finds an event
  edited in place with its hash left as it was, which only a walk through it can see.

Checkpoints are append-only on PostgreSQL (a trigger, as for the events).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from partnership.chain import ChainKey, ChainReport, canonical, utc_iso
from partnership.locks import advisory_xact_lock
from partnership.models import Partnership, TimelineCheckpoint
from partnership.timeline import TIMELINE, chain_label

log = structlog.get_logger(__name__)


# --- Signing -------------------------------------------------------------------------------------
def checkpoint_message(checkpoint: TimelineCheckpoint) -> dict[str, Any]:
    """What a checkpoint's signature covers."""
    return {
        "chain": chain_label(checkpoint.partnership_id),
        "number": checkpoint.number,
        "seq": checkpoint.seq,
        "hash": checkpoint.head_hash,
        "at": utc_iso(checkpoint.made_at),
    }


def checkpoint_signature(checkpoint: TimelineCheckpoint) -> str:
    key = str(settings.TIMELINE_CHECKPOINT_KEY).encode()
    message = canonical(checkpoint_message(checkpoint)).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def checkpoint_signed(checkpoint: TimelineCheckpoint) -> bool:
    """Whether the checkpoint carries this service's signature of what it states."""
    return hmac.compare_digest(checkpoint_signature(checkpoint), checkpoint.signature)


# --- Chains --------------------------------------------------------------------------------------
def chain_keys() -> list[ChainKey]:
    """Every chain: the service's, then each partnership's."""
    return [None, *Partnership.objects.order_by("pk").values_list("pk", flat=True)]


def chain_name(key: ChainKey) -> str:
    if key is None:
        return "the service (signing in, accounts, agencies)"
    partnership = Partnership.objects.filter(pk=key).only("name").first()
    return partnership.name if partnership else f"partnership {key}"


def checkpoints_of(key: ChainKey) -> Any:
    rows = TimelineCheckpoint.objects.all()
    return rows.filter(partnership__isnull=True) if key is None else rows.filter(partnership_id=key)


@dataclass(frozen=True)
class ChainCheck:
    """One chain's verification: from its last checkpoint (``checkpoint``) or whole (``full``)."""

    key: ChainKey
    name: str
    report: ChainReport
    checkpoint: TimelineCheckpoint | None = None
    full: bool = False
    checkpoints_checked: int = 0

    @property
    def ok(self) -> bool:
        return self.report.ok

    def describe(self) -> str:
        report = self.report
        if not report.ok:
            return (
                f"The timeline is broken at event {report.broken_seq} of {self.name}: "
                f"{report.problem}"
            )
        last = f"last hash {report.last_hash}."
        if self.full:
            signed = (
                f", and its {self.checkpoints_checked} signed checkpoint"
                f"{' matches' if self.checkpoints_checked == 1 else 's match'} it"
                if self.checkpoints_checked
                else ""
            )
            return (
                f"The timeline verifies: all {report.checked} events of {self.name} walked"
                f"{signed}; {last}"
            )
        if self.checkpoint is None:
            return (
                f"The timeline verifies: all {report.checked} events of {self.name} walked from "
                f"the first (no checkpoint signed yet); {last}"
            )
        checkpoint = self.checkpoint
        return (
            f"The timeline verifies since checkpoint {checkpoint.number} of "
            f"{timezone.localtime(checkpoint.made_at):%d %b %Y %H:%M}: the events of {self.name} "
            f"up to number {checkpoint.seq} were verified and signed then, and still lead to the "
            f"hash signed; {report.checked} events after it checked; {last}"
        )


def _broken(
    key: ChainKey, seq: int, problem: str, checkpoint: TimelineCheckpoint | None = None
) -> ChainCheck:
    report = ChainReport(ok=False, checked=0, last_hash="", broken_seq=seq, problem=problem)
    return ChainCheck(key=key, name=chain_name(key), report=report, checkpoint=checkpoint)


def _forged(checkpoint: TimelineCheckpoint) -> str:
    return (
        f"checkpoint {checkpoint.number} (at event {checkpoint.seq}) does not carry this "
        f"service's signature of what it states: it was forged or altered"
    )


def chain_check(key: ChainKey, *, full: bool = False, upto_seq: int | None = None) -> ChainCheck:
    """Verify one chain (``key``: a partnership's id, None for the service's): from its last
    checkpoint, or, with ``full``, the whole chain and every checkpoint (see the module's
    docstring). ``upto_seq`` stops the walk there."""
    if full:
        return _full_check(key, upto_seq)
    checkpoint = checkpoints_of(key).order_by("-number").first()
    if checkpoint is None:
        report = TIMELINE.verify(key, upto_seq=upto_seq)
        return ChainCheck(key=key, name=chain_name(key), report=report)
    if not checkpoint_signed(checkpoint):
        return _broken(key, checkpoint.seq, _forged(checkpoint), checkpoint)
    report = TIMELINE.verify(key, after=(checkpoint.seq, checkpoint.head_hash), upto_seq=upto_seq)
    return ChainCheck(key=key, name=chain_name(key), report=report, checkpoint=checkpoint)


def chains_check(*, full: bool = False) -> list[ChainCheck]:
    """Every chain checked (``chain_check``): the service's, then each partnership's."""
    return [chain_check(key, full=full) for key in chain_keys()]


def _full_check(key: ChainKey, upto_seq: int | None) -> ChainCheck:
    report = TIMELINE.verify(key, upto_seq=upto_seq)
    if not report.ok:
        return ChainCheck(key=key, name=chain_name(key), report=report, full=True)
    checkpoints = list(checkpoints_of(key).order_by("number"))
    hashes = dict(
        TIMELINE.rows_of(key)
        .filter(seq__in=[c.seq for c in checkpoints])
        .values_list("seq", "hash")
    )
    for number, checkpoint in enumerate(checkpoints, start=1):
        if checkpoint.number != number:
            return _broken(
                key,
                checkpoint.seq,
                f"checkpoint {number} is missing (the next one present is {checkpoint.number})",
                checkpoint,
            )
        if not checkpoint_signed(checkpoint):
            return _broken(key, checkpoint.seq, _forged(checkpoint), checkpoint)
        if hashes.get(checkpoint.seq) != checkpoint.head_hash:
            return _broken(
                key,
                checkpoint.seq,
                f"it does not carry the hash checkpoint {checkpoint.number} signed for it: the "
                f"chain up to it was rewritten after it was signed",
                checkpoint,
            )
    return ChainCheck(
        key=key,
        name=chain_name(key),
        report=report,
        full=True,
        checkpoints_checked=len(checkpoints),
    )


# --- Writing -------------------------------------------------------------------------------------
class ChainBrokenError(Exception):
    """The chain does not verify: nothing is signed over it."""

    def __init__(self, check: ChainCheck) -> None:
        super().__init__(check.describe())
        self.check = check


def checkpoint_write(key: ChainKey, *, now: datetime | None = None) -> TimelineCheckpoint | None:
    """Verify the chain from its last checkpoint to its head and sign the head; None when there
    is nothing new since the last checkpoint. Raises ``ChainBrokenError`` when the chain does not
    verify: nothing is signed over a broken chain."""
    with transaction.atomic():
        # Two schedulers that both believe they lead write one checkpoint between them; the
        # chain's writers are not held up (they take the chain's own lock).
        advisory_xact_lock(f"checkpoint:{chain_label(key)}")
        last = checkpoints_of(key).order_by("-number").first()
        head_seq, head_hash = TIMELINE.head(key)
        if head_seq == 0 or (last is not None and last.seq >= head_seq):
            return None
        check = chain_check(key, upto_seq=head_seq)
        if not check.ok:
            raise ChainBrokenError(check)
        checkpoint = TimelineCheckpoint(
            partnership_id=key,
            number=last.number + 1 if last else 1,
            seq=head_seq,
            head_hash=head_hash,
            made_at=now or timezone.now(),
        )
        checkpoint.signature = checkpoint_signature(checkpoint)
        checkpoint.save(force_insert=True)
    return checkpoint


def checkpoints_due(now: datetime) -> list[ChainKey]:
    """Chains with events since their last checkpoint, which is older than the interval."""
    interval = timedelta(minutes=settings.TIMELINE_CHECKPOINT_MINUTES)
    latest: dict[ChainKey, tuple[datetime, int]] = {
        key: (made, seq)
        for key, made, seq in TimelineCheckpoint.objects.values("partnership")
        .annotate(made=Max("made_at"), last_seq=Max("seq"))
        .values_list("partnership", "made", "last_seq")
    }
    due: list[ChainKey] = []
    for key in chain_keys():
        made, seq = latest.get(key, (None, 0))
        if made is not None and made > now - interval:
            continue
        if TIMELINE.head(key)[0] > seq:
            due.append(key)
    return due


def checkpoints_run(now: datetime | None = None) -> datetime | None:
    """The scheduled job: a checkpoint of every chain that is due. Finds its work in the
    database; run twice, the second run finds nothing new to sign."""
    now = now or timezone.now()
    for key in checkpoints_due(now):
        try:
            checkpoint_write(key, now=now)
        except ChainBrokenError as broken:
            # The other chains are still signed; this one is left for someone to investigate
            # (``manage.py verify_timeline`` names the event; the review pages say so too).
            log.error("timeline.checkpoint_refused", chain=chain_label(key), why=str(broken))
    return None
