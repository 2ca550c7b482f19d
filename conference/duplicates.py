"""Possible duplicate people: two records of one partnership with the same date of birth and a
similar name, or the same address. Offered to the CSP Co-ordinator, who merges them (or not);
nothing is merged by itself.

"Similar" is decided on names folded to lower-case letters: the same name, one name inside the
other ("Amira Khan" and "Amira Begum Khan"), or names whose difflib ratio is at least 0.85 (a
typing slip: "Jon Smith" and "John Smith"). Addresses match when equal once folded.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import combinations

from conference.models import Person
from partnership.models import Partnership

SIMILAR = 0.85


@dataclass(frozen=True)
class Candidate:
    first: Person
    second: Person
    reason: str


def _fold(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def names_similar(a: str, b: str) -> bool:
    a, b = _fold(a), _fold(b)
    if not a or not b:
        return False
    if a == b:
        return True
    words_a, words_b = set(a.split()), set(b.split())
    if len(words_a) > 1 and len(words_b) > 1 and (words_a <= words_b or words_b <= words_a):
        return True
    return SequenceMatcher(None, a, b).ratio() >= SIMILAR


def duplicates_find(partnership: Partnership) -> list[Candidate]:
    """Pairs of live records (not merged, not anonymised) that may be one person."""
    people = list(
        Person.objects.filter(
            partnership=partnership, merged_into__isnull=True, anonymised_at__isnull=True
        ).order_by("pk")
    )
    found: dict[tuple[int, int], Candidate] = {}
    by_birth: dict[object, list[Person]] = defaultdict(list)
    by_address: dict[str, list[Person]] = defaultdict(list)
    for person in people:
        if person.date_of_birth is not None:
            by_birth[person.date_of_birth].append(person)
        if _fold(person.address):
            by_address[_fold(person.address)].append(person)
    for group in by_birth.values():
        for a, b in combinations(group, 2):
            if names_similar(a.full_name, b.full_name):
                found[(a.pk, b.pk)] = Candidate(a, b, "same date of birth and a similar name")
    for group in by_address.values():
        for a, b in combinations(group, 2):
            if (a.pk, b.pk) not in found:
                found[(a.pk, b.pk)] = Candidate(a, b, "same address")
    return [found[key] for key in sorted(found)]
