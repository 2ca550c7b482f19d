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
- ``chain_check(key, resume=True)`` (the review's pages, API and exports) also remembers how far
  a walk from the last checkpoint found the chain whole (``Walked``: the event it reached and
  that event's hash, signed like a checkpoint, in the cache) and the next check walks on from
  there once that event is shown still to carry that hash, as it does from the checkpoint: a
  page costs what is new since the last page, not since the last checkpoint. A rewrite of any
  event before it changes that hash and is found. An event edited in place with its hash left
  as it was is not read again until the next checkpoint's walk, which reads everything since
  the last checkpoint, refuses to sign over it, and forgets the remembered walk so the pages
  walk again and name it (any walk that finds the chain broken forgets it).

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
from django.core.cache import cache
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


def _signed(message: dict[str, Any]) -> str:
    key = str(settings.TIMELINE_CHECKPOINT_KEY).encode()
    return hmac.new(key, canonical(message).encode(), hashlib.sha256).hexdigest()


def checkpoint_signature(checkpoint: TimelineCheckpoint) -> str:
    return _signed(checkpoint_message(checkpoint))


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


# --- Walks remembered since the last checkpoint ---------------------------------------------------
@dataclass(frozen=True)
class Walked:
    """A walk from a checkpoint that found the chain whole up to event ``seq``, whose hash was
    ``head_hash``, at ``at``."""

    seq: int
    head_hash: str
    at: datetime


def _walked_key(key: ChainKey, checkpoint: TimelineCheckpoint) -> str:
    return f"timeline-walked:{chain_label(key)}:{checkpoint.number}"


def _walked_message(
    key: ChainKey, checkpoint: TimelineCheckpoint, walked: Walked
) -> dict[str, Any]:
    # Bound to the checkpoint's own signature: a remembered walk answers for that checkpoint only.
    return {
        "chain": chain_label(key),
        "checkpoint": checkpoint.number,
        "checkpoint_signature": checkpoint.signature,
        "seq": walked.seq,
        "hash": walked.head_hash,
        "at": utc_iso(walked.at),
    }


def _walked_of(key: ChainKey, checkpoint: TimelineCheckpoint) -> Walked | None:
    """The walk remembered since ``checkpoint``, if there is one carrying the service's
    signature (the cache is a hint: anything else in it is ignored)."""
    held = cache.get(_walked_key(key, checkpoint))
    if not isinstance(held, dict):
        return None
    try:
        walked = Walked(
            seq=int(held["seq"]),
            head_hash=str(held["hash"]),
            at=datetime.fromisoformat(str(held["at"])),
        )
    except (KeyError, TypeError, ValueError):
        return None
    signature = _signed(_walked_message(key, checkpoint, walked))
    if walked.seq <= checkpoint.seq or not hmac.compare_digest(signature, str(held.get("sig"))):
        return None
    return walked


def _walked_remember(key: ChainKey, checkpoint: TimelineCheckpoint, report: ChainReport) -> None:
    walked = Walked(seq=report.last_seq, head_hash=report.last_hash, at=timezone.now())
    held = {
        "seq": walked.seq,
        "hash": walked.head_hash,
        "at": walked.at.isoformat(),
        "sig": _signed(_walked_message(key, checkpoint, walked)),
    }
    # Kept past the next checkpoint's interval only for a chain whose job is late; a newer
    # checkpoint has a key of its own.
    cache.set(_walked_key(key, checkpoint), held, settings.TIMELINE_CHECKPOINT_MINUTES * 120)


def _walked_forget(key: ChainKey) -> None:
    checkpoint = checkpoints_of(key).order_by("-number").first()
    if checkpoint is not None:
        cache.delete(_walked_key(key, checkpoint))


@dataclass(frozen=True)
class ChainCheck:
    """One chain's verification: from its last checkpoint (``checkpoint``), resumed from a walk
    since it (``walked``), or whole (``full``)."""

    key: ChainKey
    name: str
    report: ChainReport
    checkpoint: TimelineCheckpoint | None = None
    full: bool = False
    checkpoints_checked: int = 0
    walked: Walked | None = None

    @property
    def ok(self) -> bool:
        return self.report.ok

    @property
    def after_checkpoint(self) -> int:
        """How many events after the checkpoint (from the first without one) are verified: those
        of the remembered walk and those walked now."""
        walked, checkpoint = self.walked, self.checkpoint
        earlier = walked.seq - checkpoint.seq if self.ok and walked and checkpoint else 0
        return earlier + self.report.checked

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
        checkpoint, walked = self.checkpoint, self.walked
        since = (
            f"The timeline verifies since checkpoint {checkpoint.number} of "
            f"{timezone.localtime(checkpoint.made_at):%d %b %Y %H:%M}: the events of {self.name} "
            f"up to number {checkpoint.seq} were verified and signed then, and still lead to the "
            f"hash signed; "
        )
        if walked is None:
            return f"{since}{report.checked} events after it checked; {last}"
        return (
            f"{since}events {checkpoint.seq + 1} to {walked.seq} were walked at "
            f"{timezone.localtime(walked.at):%H:%M:%S on %d %b %Y} and event {walked.seq} still "
            f"carries the hash it had then; {report.checked} events after it checked; {last}"
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


def chain_check(
    key: ChainKey, *, full: bool = False, upto_seq: int | None = None, resume: bool = False
) -> ChainCheck:
    """Verify one chain (``key``: a partnership's id, None for the service's): from its last
    checkpoint, or, with ``full``, the whole chain and every checkpoint; with ``resume``, on
    from the walk since the checkpoint remembered by an earlier check (see the module's
    docstring). ``upto_seq`` stops the walk there (and is not resumed). Whichever it does, the
    event a remembered walk reached must still carry the hash it had then."""
    if full:
        check = _full_check(key, upto_seq)
    else:
        check = _check_since_checkpoint(key, upto_seq, resume=resume and upto_seq is None)
    if not check.ok and check.walked is None:
        # Found by a walk through what the remembered walk covered: the pages walk from the
        # checkpoint again, and name the event themselves.
        _walked_forget(key)
    return check


def _still_walked(
    key: ChainKey, checkpoint: TimelineCheckpoint | None, *, onward: bool
) -> tuple[Walked | None, ChainReport | None]:
    """The walk remembered since ``checkpoint``, the chain's last (if any), and whether the
    event it reached still carries the hash it had: a report of that event alone, or,
    ``onward``, of the walk on from it to the head."""
    walked = _walked_of(key, checkpoint) if checkpoint is not None else None
    if walked is None:
        return None, None
    after = (walked.seq, walked.head_hash)
    return walked, TIMELINE.verify(key, after=after, upto_seq=None if onward else walked.seq)


def _check_since_checkpoint(key: ChainKey, upto_seq: int | None, *, resume: bool) -> ChainCheck:
    checkpoint = checkpoints_of(key).order_by("-number").first()
    if checkpoint is None:
        report = TIMELINE.verify(key, upto_seq=upto_seq)
        return ChainCheck(key=key, name=chain_name(key), report=report)
    if not checkpoint_signed(checkpoint):
        return _broken(key, checkpoint.seq, _forged(checkpoint), checkpoint)
    walked, since = _still_walked(key, checkpoint, onward=resume)
    if resume and walked is not None and since is not None and since.ok:
        if since.checked:
            _walked_remember(key, checkpoint, since)
        return ChainCheck(
            key=key, name=chain_name(key), report=since, checkpoint=checkpoint, walked=walked
        )
    report = TIMELINE.verify(key, after=(checkpoint.seq, checkpoint.head_hash), upto_seq=upto_seq)
    if report.ok and since is not None and not since.ok:
        return _rewritten_since(key, since, checkpoint, walked)
    if resume and report.ok and report.checked:
        _walked_remember(key, checkpoint, report)
    return ChainCheck(key=key, name=chain_name(key), report=report, checkpoint=checkpoint)


def _rewritten_since(
    key: ChainKey,
    since: ChainReport,
    checkpoint: TimelineCheckpoint | None,
    walked: Walked | None,
    *,
    full: bool = False,
) -> ChainCheck:
    # The chain links up, yet the event a remembered walk reached no longer carries the hash
    # it had then (or is gone): it, or events before it, were rewritten since with every later
    # hash recomputed. Say so rather than trust the new links; the remembered walk is kept, as
    # the evidence.
    return ChainCheck(
        key=key,
        name=chain_name(key),
        report=since,
        checkpoint=checkpoint,
        full=full,
        walked=walked,
    )


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
    walked, since = _still_walked(key, checkpoints[-1] if checkpoints else None, onward=False)
    if since is not None and not since.ok:
        return _rewritten_since(key, since, checkpoints[-1], walked, full=True)
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
