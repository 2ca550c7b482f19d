"""What a ladder is made of: rungs, the words they use, and when each is due."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError

from notifications.audiences import audience_validate

# The words a rung's "to" may use besides an audience. "repeat" is the acknowledgement ladder's
# name for its owner (the recipient, reminded again).
OWNER = "owner"
REPEAT = "repeat"
DEPUTY = "deputy"


@dataclass(frozen=True)
class Rung:
    after_seconds: int
    to: str


def rungs_parse(ladder: Sequence[Mapping[str, Any]]) -> list[Rung]:
    """A ladder as stored (JSON copied onto the thing when it was made)."""
    return [Rung(after_seconds=int(rung["after_seconds"]), to=str(rung["to"])) for rung in ladder]


def rung_due_at(rungs: Sequence[Rung], index: int, start: datetime) -> datetime | None:
    """When rung ``index`` is due, counting from ``start``; None past the last rung."""
    if index >= len(rungs):
        return None
    return start + timedelta(seconds=rungs[index].after_seconds)


def ladder_validate(
    ladder: Sequence[Mapping[str, Any]], *, owner_word: str, least_seconds: int, too_soon: str
) -> None:
    """Each rung names the owner (``owner_word``), the deputy or a valid audience, and waits at
    least ``least_seconds`` (``too_soon`` says why not)."""
    for rung in ladder:
        if rung["to"] not in (owner_word, DEPUTY):
            audience_validate(rung["to"])
        if int(rung["after_seconds"]) < least_seconds:
            raise ValidationError(too_soon)
