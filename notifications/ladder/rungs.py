"""What a ladder is made of: rungs, the words they use, and when each is due."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError

from partnership.audiences import Audience

# The words a rung's "to" may use besides an audience: "owner" ("repeat" on an acknowledgement
# ladder, whose owner is the recipient, reminded again) and "deputy" (the owner's deputies).
OWNER = Audience.owner()
REPEAT = Audience.repeat()
DEPUTY = Audience.owners_deputies()


@dataclass(frozen=True)
class Rung:
    after_seconds: int
    to: Audience

    def stored(self) -> dict[str, Any]:
        """The rung as a ladder keeps it (JSON copied onto the thing when it is made)."""
        return {"after_seconds": self.after_seconds, "to": str(self.to)}


def ladder_stored(*rungs: Rung) -> list[dict[str, Any]]:
    return [rung.stored() for rung in rungs]


def rungs_parse(ladder: Sequence[Mapping[str, Any]]) -> list[Rung]:
    """A ladder as stored (JSON copied onto the thing when it was made)."""
    return [
        Rung(after_seconds=int(rung["after_seconds"]), to=Audience.parse(str(rung["to"])))
        for rung in ladder
    ]


def rung_due_at(rungs: Sequence[Rung], index: int, start: datetime) -> datetime | None:
    """When rung ``index`` is due, counting from ``start``; None past the last rung."""
    if index >= len(rungs):
        return None
    return start + timedelta(seconds=rungs[index].after_seconds)


def ladder_validate(
    ladder: Sequence[Mapping[str, Any]], *, owner_word: Audience, least_seconds: int, too_soon: str
) -> None:
    """Each rung names the owner (``owner_word``), the deputy or a valid audience, and waits at
    least ``least_seconds`` (``too_soon`` says why not)."""
    for rung in ladder:
        to = Audience.parse(str(rung["to"]))
        if to.is_relative and to not in (owner_word, DEPUTY):
            raise ValidationError(f"{str(to)!r} is not a word this ladder uses")
        if int(rung["after_seconds"]) < least_seconds:
            raise ValidationError(too_soon)
