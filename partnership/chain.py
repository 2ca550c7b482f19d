"""Hash chains: append-only tables whose rows each carry the hash of their content and of the row
before, so that an edited, deleted, inserted or reordered row is found by walking the chain.

One mechanism for every chained table (the audit timeline, the access log of personal data). A
table joins by having ``seq`` (unique, gapless from 1), ``prev_hash`` and ``hash`` columns and
describing the content its hash covers; ``HashChain`` appends (under a lock that serialises writers
until the caller's transaction commits, so two transactions never link to the same predecessor)
and verifies.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from django.db import connection, models

from partnership.locks import advisory_xact_lock

GENESIS_HASH = "0" * 64

Row = TypeVar("Row", bound=models.Model)


def canonical(payload: dict[str, Any]) -> str:
    """The one text a payload hashes as: sorted keys, no spaces, unicode kept."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_of(payload: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(payload).encode()).hexdigest()


def utc_iso(moment: datetime) -> str:
    """A moment as hashed: UTC to the microsecond, as the database gives it back."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    last_hash: str
    broken_seq: int | None = None
    problem: str = ""
    name: str = "The timeline"
    noun: str = "event"
    plural: str = "events"

    def describe(self) -> str:
        if self.ok:
            return (
                f"{self.name} verifies: {self.checked} {self.plural}, last hash {self.last_hash}."
            )
        return f"{self.name} is broken at {self.noun} {self.broken_seq}: {self.problem}"


@dataclass(frozen=True)
class HashChain(Generic[Row]):
    """A chained table. ``content`` gives what a row's hash covers besides ``seq`` and
    ``prev_hash`` (values as the database gives them back: ids, text, ``utc_iso`` moments)."""

    model: type[Row]
    content: Callable[[Row], dict[str, Any]]
    name: str  # "The timeline", as a report begins
    noun: str  # "event", what one row is called
    plural: str  # "events"

    @property
    def _lock(self) -> str:
        return f"chain:{self.model._meta.label_lower}"

    def hash_of(self, row: Row) -> str:
        """The hash a row must carry: its content, its place and its predecessor's hash."""
        payload = self.content(row)
        payload["seq"] = row.seq  # type: ignore[attr-defined]
        payload["prev_hash"] = row.prev_hash  # type: ignore[attr-defined]
        return sha256_of(payload)

    def append(self, rows: Sequence[Row]) -> list[Row]:
        """Link and insert ``rows`` in order after the chain's last row. The caller is inside the
        transaction that makes the change the rows record; the lock is held until it ends."""
        if not connection.in_atomic_block:
            raise RuntimeError(
                f"{self.name} is appended to inside the transaction of what it records"
            )
        if not rows:
            return []
        advisory_xact_lock(self._lock)
        last = self.model._default_manager.order_by("-seq").only("seq", "hash").first()
        seq = last.seq if last else 0  # type: ignore[attr-defined]
        prev = last.hash if last else GENESIS_HASH  # type: ignore[attr-defined]
        for row in rows:
            seq += 1
            row.seq = seq  # type: ignore[attr-defined]
            row.prev_hash = prev  # type: ignore[attr-defined]
            row.hash = prev = self.hash_of(row)  # type: ignore[attr-defined]
        if len(rows) == 1:
            rows[0].save(force_insert=True)
            return list(rows)
        return self.model._default_manager.bulk_create(rows)

    def _rows(self) -> Iterator[Row]:
        return self.model._default_manager.order_by("seq").iterator(chunk_size=2000)

    def verify(self) -> ChainReport:
        """Walk the whole chain and report the first row where it breaks."""
        expected_prev = GENESIS_HASH
        expected_seq = 1
        checked = 0
        for row in self._rows():
            seq: int = row.seq  # type: ignore[attr-defined]
            problem = ""
            broken = seq
            if seq != expected_seq:
                broken = expected_seq
                problem = (
                    f"{self.plural} {expected_seq} to {seq - 1} are missing "
                    f"(the next {self.noun} present is {seq})"
                    if seq > expected_seq
                    else f"{self.noun} {seq} appears out of order"
                )
            elif row.prev_hash != expected_prev:  # type: ignore[attr-defined]
                article = "an" if self.noun[0] in "aeiou" else "a"
                problem = (
                    f"it does not link to the {self.noun} before it "
                    f"({article} {self.noun} was removed or replaced)"
                )
            elif self.hash_of(row) != row.hash:  # type: ignore[attr-defined]
                problem = "its content no longer matches its hash (the row was edited)"
            if problem:
                return ChainReport(
                    ok=False,
                    checked=checked,
                    last_hash=expected_prev,
                    broken_seq=broken,
                    problem=problem,
                    name=self.name,
                    noun=self.noun,
                    plural=self.plural,
                )
            expected_prev = row.hash  # type: ignore[attr-defined]
            expected_seq += 1
            checked += 1
        return ChainReport(
            ok=True,
            checked=checked,
            last_hash=expected_prev,
            name=self.name,
            noun=self.noun,
            plural=self.plural,
        )
