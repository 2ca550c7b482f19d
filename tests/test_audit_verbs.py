"""Every audit verb the code writes is registered with a sentence, so no event reaches the gold
group's timeline without words.

Two nets: ``audit_record`` refuses an unregistered verb on any path a test runs, and a scan of the
source finds every verb the code can write (literals, and the few verbs built from a registry of
kinds) on paths no test runs.
"""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from conference.models import EntryKind
from notifications.ladder.kinds import ladder_kinds
from partnership.admin import AuditedAdmin
from partnership.audit_verbs import (
    VERB_SHAPE,
    UnregisteredVerbError,
    detail_format_known,
    detail_formats_used,
    registered_verbs,
    verb_registered,
    verbs_register,
)
from partnership.models import AuditEvent
from partnership.timeline import audit_record

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "config",
    "partnership",
    "notifications",
    "escalation",
    "casework",
    "conference",
    "review",
    "oversight",
    "gold",
]

# The places that build a verb from a registry of kinds, and every verb each can build.
_ADMIN_VERBS = ("created", "changed", "deleted")  # partnership/admin.py ``AuditedAdmin``
_ADMIN_INLINE_VERBS = ("saved", "deleted")


def _ladder_verbs() -> set[str]:
    # notifications/ladder/engine.py ``_save``: every kind climbs; a kind that waits for a due
    # time first falls due.
    verbs = {f"{kind.name}.escalated" for kind in ladder_kinds()}
    return verbs | {f"{kind.name}.overdue" for kind in ladder_kinds() if kind.waiting_states}


def _admin_verbs() -> set[str]:
    verbs = set()
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, AuditedAdmin):
            continue
        verbs |= {f"{model._meta.model_name}.{verb}" for verb in _ADMIN_VERBS}
        for inline in model_admin.inlines:
            name = inline.model._meta.model_name
            verbs |= {f"{name}.{verb}" for verb in _ADMIN_INLINE_VERBS}
    return verbs


def _room_verbs() -> set[str]:
    return {f"room.{kind}" for kind in EntryKind.values}


BUILT_VERBS = {
    ("notifications/ladder/engine.py", "_save"): _ladder_verbs,
    ("partnership/admin.py", "save_model"): _admin_verbs,
    ("partnership/admin.py", "delete_model"): _admin_verbs,
    ("partnership/admin.py", "save_formset"): _admin_verbs,
    ("conference/services/room.py", "_entry_add"): _room_verbs,
}


# --- Scanning the source -------------------------------------------------------------------------
@dataclass(frozen=True)
class Site:
    path: str
    function: str
    line: int


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative:
                continue
            yield relative, ast.parse(path.read_text(encoding="utf-8"))


def _strings(node: ast.expr) -> list[str]:
    """The verbs a literal expression can be (a string, or either side of ``a if c else b``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    return []


def _named_verbs(tree: ast.Module) -> list[str]:
    """Literals bound to a name ``verb`` in a module: ``verb = "..."`` and
    ``for verb, things in (("...", a), ("...", b))``."""
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "verb" for t in node.targets
        ):
            found += _strings(node.value)
        if isinstance(node, ast.For) and isinstance(node.iter, ast.Tuple | ast.List):
            targets = node.target.elts if isinstance(node.target, ast.Tuple) else [node.target]
            for position, target in enumerate(targets):
                if not (isinstance(target, ast.Name) and target.id == "verb"):
                    continue
                for item in node.iter.elts:
                    if isinstance(target, ast.Name) and isinstance(item, ast.Tuple):
                        found += _strings(item.elts[position])
                    elif len(targets) == 1:
                        found += _strings(item)
    return found


@dataclass
class Scan:
    literals: dict[str, list[Site]]
    built: set[tuple[str, str]]  # (path, function) building a verb from parts
    unresolved: list[Site]  # a verb the scan cannot follow: must not exist


def _scan() -> Scan:
    scan = Scan(literals={}, built=set(), unresolved=[])
    for path, tree in _modules():
        named = _named_verbs(tree)
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
        for function in functions:
            parameters = {a.arg for a in function.args.args + function.args.kwonlyargs}
            for call in ast.walk(function):
                if not isinstance(call, ast.Call):
                    continue
                for keyword in call.keywords:
                    if keyword.arg != "verb":
                        continue
                    site = Site(path, function.name, keyword.value.lineno)
                    value = keyword.value
                    literals = _strings(value)
                    if literals:
                        for verb in literals:
                            scan.literals.setdefault(verb, []).append(site)
                    elif isinstance(value, ast.JoinedStr):
                        scan.built.add((path, function.name))
                    elif isinstance(value, ast.Name) and value.id in parameters:
                        pass  # passed through: its callers' ``verb=`` are scanned
                    elif isinstance(value, ast.Name) and value.id == "verb" and named:
                        for verb in named:
                            scan.literals.setdefault(verb, []).append(site)
                    else:
                        scan.unresolved.append(site)
    return scan


def test_the_scan_finds_the_verbs_of_every_app() -> None:
    # A scan that found nothing would pass everything: it must see what is certainly there.
    scan = _scan()
    for verb in ("incident.declared_major", "notification.delivered", "calendar.day_added"):
        assert verb in scan.literals
    assert len(scan.literals) > 50


@pytest.mark.django_db
def test_every_verb_the_code_can_write_is_registered_with_its_description() -> None:
    scan = _scan()
    missing = {
        verb: [f"{s.path}:{s.line}" for s in sites]
        for verb, sites in scan.literals.items()
        if not verb_registered(verb)
    }
    assert not missing, f"verbs written with no registered description: {missing}"
    assert not scan.unresolved, (
        "verbs the scan cannot follow (pass a literal, or declare the site in BUILT_VERBS): "
        f"{scan.unresolved}"
    )
    assert scan.built == set(BUILT_VERBS), (
        "a verb built from parts must be declared in BUILT_VERBS with every verb it can build"
    )
    built = set().union(*(verbs() for verbs in BUILT_VERBS.values()))
    assert {"duty.escalated", "action.overdue", "agency.changed", "room.risk_agreed"} <= built
    assert not [verb for verb in sorted(built) if not verb_registered(verb)]


def test_every_description_is_a_sentence_whose_formats_the_reader_knows() -> None:
    verbs = registered_verbs()
    for verb, description in verbs.items():
        assert VERB_SHAPE.fullmatch(verb)
        assert description[0].isupper() or description[0] in "{", (verb, description)
        unknown = [
            spec
            for _field, spec in detail_formats_used(description)
            if not detail_format_known(spec)
        ]
        assert not unknown, f"{verb}: no words registered for {unknown}"
        # Codes are put into words: the sentence itself holds none.
        words = "".join(text for text, *_ in string.Formatter().parse(description))
        assert not re.search(r"\b(role|agency|member|deputy):|_", words), (verb, words)


@pytest.mark.django_db
def test_an_unregistered_verb_is_refused_and_leaves_no_event() -> None:
    with pytest.raises(UnregisteredVerbError, match=r"conference\.adjourned"), transaction.atomic():
        audit_record(actor=None, verb="conference.adjourned", subject_type="t", subject_id=1)
    assert not AuditEvent.objects.exists()


def test_a_verb_cannot_be_registered_twice_or_without_a_sentence() -> None:
    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        verbs_register({"incident.reported": "Incident reported again"})
    with pytest.raises(ImproperlyConfigured, match=r"is not '<kind>\.<what happened>'"):
        verbs_register({"reported": "Reported"})
    with pytest.raises(ImproperlyConfigured, match="needs a sentence"):
        verbs_register({"incident.whispered": " "})
    assert not verb_registered("incident.whispered")
