"""Hash chains: append-only tables whose rows each carry the hash of their content and of the row
before, so that an edited, deleted, inserted or reordered row is found by walking the chain.

One mechanism for every chained table (the audit timeline, the access log of personal data). A
table joins by having ``seq`` (gapless from 1 in each chain), ``prev_hash`` and ``hash`` columns
and describing the content its hash covers; ``HashChain`` appends (under a lock that serialises
the writers of one chain until the caller's transaction commits, so two transactions never link
to the same predecessor) and verifies.

A table may hold several independent chains, one per value of a column (``chain_field``: the
audit timeline has one chain per partnership and one for the service): each has its own ``seq``,
its own genesis and its own lock, so writers of different chains never wait for each other.
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

# The key of a chain: the value of the table's ``chain_field`` (a foreign key's id, or None).
ChainKey = int | None


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
    # The walk began after this row (a checkpoint's), trusting the rows up to it; 0: from the start.
    after_seq: int = 0
    last_seq: int = 0

    def describe(self) -> str:
        if self.ok:
            since = f" after {self.noun} {self.after_seq}" if self.after_seq else ""
            return (
                f"{self.name} verifies: {self.checked} {self.plural}{since}, "
                f"last hash {self.last_hash}."
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
    # A foreign key splitting the table into independent chains, one per value (None included);
    # "" for one chain over the whole table.
    chain_field: str = ""

    def _lock(self, key: ChainKey) -> str:
        name = f"chain:{self.model._meta.label_lower}"
        if self.chain_field:
            name += f":{'none' if key is None else key}"
        return name

    def key_of(self, row: Row) -> ChainKey:
        """The chain ``row`` belongs to."""
        if not self.chain_field:
            return None
        key: ChainKey = getattr(row, f"{self.chain_field}_id")
        return key

    def rows_of(self, key: ChainKey = None) -> models.QuerySet[Row]:
        """Every row of one chain (of the whole table when it is one chain)."""
        rows = self.model._default_manager.all()
        if not self.chain_field:
            return rows
        if key is None:
            return rows.filter(**{f"{self.chain_field}__isnull": True})
        return rows.filter(**{f"{self.chain_field}_id": key})

    def head(self, key: ChainKey = None) -> tuple[int, str]:
        """The last row's ``seq`` and ``hash`` (0 and the genesis hash for an empty chain)."""
        last = self.rows_of(key).order_by("-seq").values_list("seq", "hash").first()
        return (int(last[0]), str(last[1])) if last else (0, GENESIS_HASH)

    def hash_of(self, row: Row) -> str:
        """The hash a row must carry: its content, its place and its predecessor's hash."""
        payload = self.content(row)
        payload["seq"] = row.seq  # type: ignore[attr-defined]
        payload["prev_hash"] = row.prev_hash  # type: ignore[attr-defined]
        return sha256_of(payload)

    def append(self, rows: Sequence[Row]) -> list[Row]:
        """Link and insert ``rows`` in order after the last row of their chain (they all belong
        to one). The caller is inside the transaction that makes the change the rows record;
        the chain's lock is held until it ends."""
        if not connection.in_atomic_block:
            raise RuntimeError(
                f"{self.name} is appended to inside the transaction of what it records"
            )
        if not rows:
            return []
        key = self.key_of(rows[0])
        if any(self.key_of(row) != key for row in rows):
            raise ValueError(f"{self.plural} appended together must belong to one chain")
        advisory_xact_lock(self._lock(key))
        seq, prev = self.head(key)
        for row in rows:
            seq += 1
            row.seq = seq  # type: ignore[attr-defined]
            row.prev_hash = prev  # type: ignore[attr-defined]
            row.hash = prev = self.hash_of(row)  # type: ignore[attr-defined]
        if len(rows) == 1:
            rows[0].save(force_insert=True)
            return list(rows)
        return self.model._default_manager.bulk_create(rows)

    def _report(self, **fields: Any) -> ChainReport:
        return ChainReport(name=self.name, noun=self.noun, plural=self.plural, **fields)

    def _anchor_problem(self, key: ChainKey, seq: int, expected_hash: str) -> str:
        """Why the row at ``seq`` is not the one trusted with ``expected_hash`` ("" if it is)."""
        row = self.rows_of(key).filter(seq=seq).first()
        if row is None:
            return f"{self.noun} {seq}, which the walk starts from, is missing"
        if row.hash != expected_hash:  # type: ignore[attr-defined]
            return (
                f"its hash is not the one it had when the chain was last verified and signed "
                f"(it, or {self.plural} before it, were changed since)"
            )
        if self.hash_of(row) != expected_hash:
            return "its content no longer matches its hash (the row was edited)"
        return ""

    def verify(
        self,
        key: ChainKey = None,
        *,
        after: tuple[int, str] | None = None,
        upto_seq: int | None = None,
    ) -> ChainReport:
        """Walk one chain and report the first row where it breaks.

        ``after`` (a ``seq`` and the hash trusted for it, such as a signed checkpoint's) starts
        the walk after that row, once the row is shown still to carry that hash: the rows before
        it are not read again. ``upto_seq`` stops the walk there (rows appended meanwhile are
        left to the next walk)."""
        after_seq, expected_prev = after or (0, GENESIS_HASH)
        if after_seq:
            problem = self._anchor_problem(key, after_seq, expected_prev)
            if problem:
                return self._report(
                    ok=False,
                    checked=0,
                    last_hash=expected_prev,
                    broken_seq=after_seq,
                    problem=problem,
                    after_seq=after_seq,
                )
        rows = self.rows_of(key).filter(seq__gt=after_seq)
        if upto_seq is not None:
            rows = rows.filter(seq__lte=upto_seq)
        expected_seq = after_seq + 1
        checked = 0
        for row in self._walk(rows):
            problem = self._row_problem(row, expected_seq, expected_prev)
            if problem:
                return self._report(
                    ok=False,
                    checked=checked,
                    last_hash=expected_prev,
                    broken_seq=expected_seq,
                    problem=problem,
                    after_seq=after_seq,
                )
            expected_prev = row.hash  # type: ignore[attr-defined]
            expected_seq += 1
            checked += 1
        return self._report(
            ok=True,
            checked=checked,
            last_hash=expected_prev,
            after_seq=after_seq,
            last_seq=expected_seq - 1,
        )

    @staticmethod
    def _walk(rows: models.QuerySet[Row]) -> Iterator[Row]:
        return rows.order_by("seq").iterator(chunk_size=2000)

    def _row_problem(self, row: Row, expected_seq: int, expected_prev: str) -> str:
        seq: int = row.seq  # type: ignore[attr-defined]
        if seq > expected_seq:
            return (
                f"{self.plural} {expected_seq} to {seq - 1} are missing "
                f"(the next {self.noun} present is {seq})"
            )
        if seq < expected_seq:
            return f"{self.noun} {seq} appears out of order"
        if row.prev_hash != expected_prev:  # type: ignore[attr-defined]
            article = "an" if self.noun[0] in "aeiou" else "a"
            return (
                f"it does not link to the {self.noun} before it "
                f"({article} {self.noun} was removed or replaced)"
            )
        if self.hash_of(row) != row.hash:  # type: ignore[attr-defined]
            return "its content no longer matches its hash (the row was edited)"
        return ""
