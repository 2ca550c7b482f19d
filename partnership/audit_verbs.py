"""The audit verbs every app writes on the timeline, each with the sentence that describes it.

Each app registers its verbs when it is ready (``<app>/audit.py``), as it registers its permission
rules; ``audit_record`` refuses a verb that is not registered, and the review app describes each
event with its verb's sentence. So a new kind of event cannot reach the timeline without words a
gold group can read.

A description is a sentence in plain words, with the event's recorded details in braces
(``{reason}``). A detail kept as a code is put into words with a format after a colon: one of the
reader's own (``DETAIL_FORMATS``: ``{to:audience}``, ``{due_at:time}``, ``{late:late}``...) or a
list of words an app registers for its codes (``detail_words_register("visibility",
Visibility.choices)``, then ``{visibility:visibility}``). A part in square brackets is left out when
a detail in it was not recorded or is empty (an event written before the detail existed, or by a
second writer that records less): ``Agency added[: {name}]``.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping

from django.core.exceptions import ImproperlyConfigured

# The formats the timeline's reader applies itself (``review.timeline``): an audience or a list
# of them in words (a named member by name), a member (by id) by name and agency, an incident (by
# id) by its reference, a moment in UK time, a number of seconds as a duration, a yes/no
# lateness, form fields by name, a count of people, a list.
DETAIL_FORMATS = frozenset(
    {
        "audience",
        "audiences",
        "time",
        "duration",
        "late",
        "fields",
        "people",
        "list",
        "member",
        "incident",
    }
)

VERB_SHAPE = re.compile(r"[a-z][a-z_]*\.[a-z][a-z_]*")
# A part of a description left out when a detail in it is missing.
OPTIONAL_PART = re.compile(r"\[([^\[\]]*)\]")

_VERBS: dict[str, str] = {}
_WORDS: dict[str, dict[str, str]] = {}


class UnregisteredVerbError(LookupError):
    """A verb no app registered: a programming error, never a timeline row without words."""


def _check(verb: str, description: str) -> None:
    if not VERB_SHAPE.fullmatch(verb):
        raise ImproperlyConfigured(f"audit verb {verb!r} is not '<kind>.<what happened>'")
    if not description.strip() or description != description.strip():
        raise ImproperlyConfigured(f"audit verb {verb!r} needs a sentence without outer spaces")
    for field, spec in detail_formats_used(description):
        if not field.isidentifier():
            raise ImproperlyConfigured(f"{verb}: {{{field}}} is not the name of a detail")
        if spec and not spec.isidentifier():
            raise ImproperlyConfigured(f"{verb}: {spec!r} is not the name of a detail format")


def verbs_register(descriptions: Mapping[str, str]) -> None:
    """Register an app's verbs with their sentences, once each (two apps cannot both own one)."""
    for verb, description in descriptions.items():
        _check(verb, description)
        if verb in _VERBS:
            raise ImproperlyConfigured(f"audit verb {verb!r} registered twice")
        _VERBS[verb] = description


def detail_words_register(name: str, words: Iterable[tuple[str, str]] | Mapping[str, str]) -> None:
    """Register the words for an app's codes (a ``TextChoices``' ``choices``), used in
    descriptions as ``{detail:name}``."""
    if name in _WORDS or name in DETAIL_FORMATS:
        raise ImproperlyConfigured(f"detail words {name!r} registered twice")
    pairs = words.items() if isinstance(words, Mapping) else words
    _WORDS[name] = {str(code): str(label) for code, label in pairs}


def detail_words(name: str) -> dict[str, str] | None:
    """The words registered under ``name``, or None."""
    return _WORDS.get(name)


def detail_formats_used(description: str) -> list[tuple[str, str]]:
    """The (detail, format) pairs a description uses, the bracketed parts included."""
    return [
        (field, spec or "")
        for _text, field, spec, _conversion in string.Formatter().parse(
            OPTIONAL_PART.sub(r"\1", description)
        )
        if field is not None
    ]


def detail_format_known(spec: str) -> bool:
    return not spec or spec in DETAIL_FORMATS or spec in _WORDS


def verb_registered(verb: str) -> bool:
    return verb in _VERBS


def verb_require(verb: str) -> None:
    if verb not in _VERBS:
        raise UnregisteredVerbError(
            f"audit verb {verb!r} is not registered: add it, with the sentence that describes "
            "it, to its app's audit.py"
        )


def verb_description(verb: str) -> str:
    """The sentence of a registered verb (``UnregisteredVerbError`` for any other)."""
    verb_require(verb)
    return _VERBS[verb]


def registered_verbs() -> dict[str, str]:
    return dict(_VERBS)
