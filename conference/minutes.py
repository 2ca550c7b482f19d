"""Reading minutes: what a conference decided, as one reader may see it.

Until the conference concludes, the minutes are a draft made from the room's record on each
read. When it concludes they are frozen (``services.minutes``): a ``MinutesVersion`` holds their
canonical content and its SHA-256, and every later change (an action completed, a correction)
is a new version. Readers see the current version (or one they ask for by number) and the list
of versions; what the content holds is filtered for the reader when it is shown, by the room's
own rule (``rules.visible_to``), so one stored version serves every reader.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.http import Http404
from django.utils import timezone

from conference.models import (
    AgendaKind,
    Attendance,
    CarriedAction,
    Conference,
    EntryKind,
    MinutesVersion,
    Referral,
    Visibility,
)
from conference.rules import visible_to
from partnership.chain import canonical
from partnership.documents import marked_pdf
from partnership.models import AuditEvent, Member
from partnership.permissions import can

FORMAT = 1


# Free text in the minutes (what was shared, what an action says, a correction) is personal data
# that retention removes. The hash covers each piece of free text through its own SHA-256, so a
# piece removed under retention ({"removed": <its sha256>}) leaves the version's hash unchanged,
# while any other change to it, or to anything else, does not.
FREE_TEXT = frozenset({"text", "description"})
REMOVED_TEXT = "[removed under retention]"


def _text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _sealed(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        if key in FREE_TEXT and set(value) == {"removed"}:
            return f"sha256:{value['removed']}"
        return {k: _sealed(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_sealed(v) for v in value]
    if key in FREE_TEXT and isinstance(value, str):
        return f"sha256:{_text_sha256(value)}"
    return value


def content_sha256(content: str) -> str:
    """The hash of a version's canonical content, free text counted by its own hash."""
    return hashlib.sha256(canonical(_sealed(json.loads(content))).encode()).hexdigest()


def free_text_remove(content: str, *, referral_ids: set[int]) -> str:
    """The content with the free text about these referrals' cases replaced by its hash (for
    retention): the version's hash stays the same."""

    def remove(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: remove(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [remove(v) for v in value]
        if key in FREE_TEXT and isinstance(value, str):
            return {"removed": _text_sha256(value)}
        return value

    data = json.loads(content)
    for item in data["items"]:
        if item.get("referral_id") in referral_ids:
            item["shared"] = remove(item["shared"])
            item["actions"] = remove(item["actions"])
        item["carried"] = [
            remove(c) if c["referral_id"] in referral_ids else c for c in item.get("carried", [])
        ]
    return canonical(data)


def _shown(text: Any) -> str:
    return text if isinstance(text, str) else REMOVED_TEXT


def _due(action: Any) -> str:
    return f"{timezone.localtime(action.due_at):%d %b %Y}"


def _action(action: Any) -> dict[str, Any]:
    return {
        "id": action.pk,
        "description": action.description,
        "owner": str(action.owner),
        "owner_agency": str(action.owner_agency),
        "due": _due(action),
        "state": action.get_state_display(),
    }


def _carried(item: Any) -> list[dict[str, Any]]:
    rows = CarriedAction.objects.filter(agenda_item=item).select_related(
        "action__conference", "action__owner", "action__owner_agency"
    )
    return [
        {
            **_action(row.action),
            "from_conference_id": row.action.conference_id,
            "from_conference": row.action.conference.title,
            "referral_id": row.action.referral_id,
        }
        for row in rows.order_by("action_id")
    ]


def minutes_snapshot(
    conference: Conference,
    *,
    number: int,
    previous_sha256: str,
    corrections: list[dict[str, str]],
) -> str:
    """The minutes' content as it stands, as canonical JSON: everything the whole panel may
    read (restricted entries never enter it), with what decides who else may read each part."""
    local = timezone.localtime(conference.starts_at)
    attendance = list(
        conference.attendance.select_related("member", "agency").order_by(
            "agency__name", "member__last_name"
        )
    )
    items = []
    for item in conference.agenda.select_related("referral__person").order_by("order"):
        entry: dict[str, Any] = {"order": item.order, "kind": item.kind}
        if item.kind == AgendaKind.CASE and item.referral is not None:
            shared = item.entries.filter(
                kind="information", visibility=Visibility.PANEL
            ).select_related("author")
            entry |= {
                "case": item.referral.person.reference,
                "referral_id": item.referral_id,
                "risk_at_referral": item.referral.get_level_display(),
                "risk_agreed": item.get_agreed_risk_display() if item.agreed_risk else "",
                "shared": [
                    {"author": str(e.author), "author_id": e.author_id, "text": e.text}
                    for e in shared.order_by("pk")
                ],
                "carried": _carried(item),
            }
        elif item.kind == AgendaKind.CASE_REVIEW:
            # Only the outcomes: what was said of a case under review stays in the room's record
            # and on the case, where casework's retention reaches it (frozen minutes it cannot).
            outcomes = item.entries.filter(kind=EntryKind.REVIEW_OUTCOME).order_by("pk")
            entry |= {
                "subject": item.subject,
                "outcomes": [e.text for e in outcomes],
            }
        entry["actions"] = [
            _action(a) for a in item.actions.select_related("owner", "owner_agency").order_by("pk")
        ]
        items.append(entry)
    loose = conference.actions.filter(agenda_item__isnull=True).select_related(
        "owner", "owner_agency"
    )
    content = {
        "format": FORMAT,
        "conference_id": conference.pk,
        "number": number,
        "previous_sha256": previous_sha256,
        "title": conference.title,
        "kind": conference.get_kind_display(),
        "starts": f"{local:%A %d %B %Y %H:%M}",
        "location": conference.location,
        "chair": str(conference.chair),
        "present": [
            f"{a.member} ({a.agency})" for a in attendance if a.status == Attendance.Status.PRESENT
        ],
        "apologies": [
            f"{a.member} ({a.agency})"
            for a in attendance
            if a.status == Attendance.Status.APOLOGIES
        ],
        "items": items,
        "other_actions": [_action(a) for a in loose.order_by("pk")],
        "corrections": corrections,
    }
    return canonical(content)


# --- Showing them to one reader ------------------------------------------------------------------
def _panel_sees(reader: Member, conference: Conference, author_id: int) -> bool:
    return visible_to(
        reader, conference, visibility=Visibility.PANEL, agency_ids=[], author_id=author_id
    )


def _carried_sees(reader: Member, conference: Conference, carried: dict[str, Any]) -> bool:
    """A carried action is about its case: shown to a reader of this conference's panel who may
    see that case's referral now (access can be withdrawn after the minutes were frozen)."""
    if not _panel_sees(reader, conference, 0):  # 0: nobody's own entry
        return False
    referral = Referral.objects.filter(pk=carried["referral_id"]).first()
    return referral is not None and can(reader, "referral.view", referral)


def _action_text(action: dict[str, Any]) -> str:
    return (
        f"{_shown(action['description'])} | owner {action['owner']} ({action['owner_agency']}) "
        f"| due {action['due']} | {action['state']}"
    )


def _action_line(action: dict[str, Any]) -> str:
    return f"  ACTION: {_action_text(action)}"


def minutes_render(content: dict[str, Any], *, conference: Conference, reader: Member) -> str:
    """The minutes' text for ``reader``: what the whole panel shared only if the room would show
    it to them, carried actions only if they may see the case."""
    lines = [
        f"MINUTES: {content['title']}",
        f"{content['kind']}, {content['starts']}, {content['location']}",
        f"Chair: {content['chair']}",
        "",
        "PRESENT",
        *[f"  {name}" for name in content["present"]],
    ]
    if content["apologies"]:
        lines += ["", "APOLOGIES", *[f"  {name}" for name in content["apologies"]]]
    for item in content["items"]:
        lines.append("")
        if item["kind"] == AgendaKind.ACTION_REVIEW:
            # Agendas made before actions were carried with their case.
            lines.append(f"ITEM {item['order']}: REVIEW OF OPEN ACTIONS")
            lines.append("  (Open actions are reviewed with their case.)")
        elif item["kind"] == AgendaKind.CASE_REVIEW:
            lines.append(f"ITEM {item['order']}: REVIEW OF {item['subject'].upper()}")
            lines += [f"  Outcome: {text}" for text in item["outcomes"]] or [
                "  Outcome: not recorded"
            ]
        else:
            lines.append(
                f"ITEM {item['order']}: CASE {item['case']} (referral {item['referral_id']})"
            )
            lines.append(f"  Risk at referral: {item['risk_at_referral']}")
            lines.append(f"  Risk agreed: {item['risk_agreed'] or 'not agreed'}")
            for carried in item["carried"]:
                if _carried_sees(reader, conference, carried):
                    lines.append(
                        f"  Carried from {carried['from_conference']}: {_action_text(carried)}"
                    )
            for shared in item["shared"]:
                if _panel_sees(reader, conference, shared["author_id"]):
                    lines.append(f"  Shared by {shared['author']}: {_shown(shared['text'])}")
        lines += [_action_line(action) for action in item["actions"]]
    if content["other_actions"]:
        lines += ["", "OTHER ACTIONS", *[_action_line(a) for a in content["other_actions"]]]
    if content["corrections"]:
        lines += ["", "CORRECTIONS"]
        lines += [
            f"  CORRECTION by {c['by']}, {c['at']}: {_shown(c['text'])}"
            for c in content["corrections"]
        ]
    return "\n".join(lines) + "\n"


def minutes_pdf(text: str, *, title: str) -> bytes:
    """The minutes as a document: their text laid out with its headings (PRESENT, APOLOGIES, each
    agenda item, the actions, corrections), marked and numbered on every page."""
    from xml.sax.saxutils import escape

    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph

    styles = getSampleStyleSheet()
    story: list[Any] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("MINUTES: "):
            story.append(Paragraph(escape(line.removeprefix("MINUTES: ")), styles["Title"]))
        elif line == line.upper() and not line.startswith(" "):
            story.append(Paragraph(escape(line.capitalize()), styles["Heading2"]))
        elif line.startswith("ITEM "):
            story.append(Paragraph(escape(line), styles["Heading3"]))
        else:
            story.append(Paragraph(escape(line.strip()), styles["BodyText"]))
    return marked_pdf(title, story)


# --- Versions and their hashes -------------------------------------------------------------------
def version_problem(version: MinutesVersion) -> str:
    """Why a stored version cannot be trusted, or "" when it verifies: its content must hash to
    its ``sha256``, name its own number and its predecessor's hash, and the timeline must have
    recorded the same hash when it was made (so recomputing the hash after an edit is caught)."""
    if content_sha256(version.content) != version.sha256:
        return "its content no longer matches its hash (it was edited)"
    data = version.data()
    if data.get("number") != version.number or data.get("previous_sha256") != (
        version.previous_sha256
    ):
        return "it does not name its own place among the versions"
    previous = (
        MinutesVersion.objects.filter(
            conference_id=version.conference_id, number=version.number - 1
        )
        .values_list("sha256", flat=True)
        .first()
    )
    if (previous or "") != version.previous_sha256:
        return "it does not link to the version before it"
    recorded = AuditEvent.objects.filter(
        verb="minutes.versioned",
        subject_type=Conference._meta.label_lower,
        subject_id=str(version.conference_id),
        changes__number=version.number,
    ).first()
    if recorded is None or recorded.changes.get("sha256") != version.sha256:
        return "its hash is not the one the timeline recorded when it was made"
    return ""


def version_verifies(version: MinutesVersion) -> bool:
    return not version_problem(version)


@dataclass(frozen=True)
class Minutes:
    text: str
    version: MinutesVersion | None  # None: a draft, the conference has not concluded
    versions: list[MinutesVersion]
    problem: str = ""

    @property
    def verifies(self) -> bool | None:
        return None if self.version is None else not self.problem


def minutes_for(conference: Conference, *, reader: Member, number: int | None = None) -> Minutes:
    """The minutes ``reader`` may read: the current version, or version ``number`` (Http404 if
    there is none), or a draft before the conference concludes. The caller has checked that the
    reader may see the conference (``selectors.conference_for``)."""
    versions = list(conference.minutes_versions.select_related("made_by").order_by("number"))
    if not versions:
        if number is not None:
            raise Http404("These minutes have no versions yet: the conference has not concluded.")
        draft = minutes_snapshot(conference, number=0, previous_sha256="", corrections=[])
        return Minutes(
            text=minutes_render(json.loads(draft), conference=conference, reader=reader),
            version=None,
            versions=[],
        )
    chosen = (
        versions[-1] if number is None else next((v for v in versions if v.number == number), None)
    )
    if chosen is None:
        raise Http404("These minutes have no version with that number.")
    return Minutes(
        text=minutes_render(chosen.data(), conference=conference, reader=reader),
        version=chosen,
        versions=versions,
        problem=version_problem(chosen),
    )
