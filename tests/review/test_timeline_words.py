"""The gold group's record in human language (issue 14): on the timeline page and in its exports
every event is a sentence, people are named with their role and agency, times are UK local
times, and each message says whom it reached and how. No step codes, audience codes, usernames
or ISO times in what a person reads."""

from __future__ import annotations

import csv
import html
import io
import re

from django.core import mail
from django.utils.html import strip_tags
from pypdf import PdfReader

from notifications.dispatch import deliveries_send
from notifications.models import Notification
from partnership.models import Member
from tests import factories
from tests.world import ClientFor

STEP_CODES = re.compile(
    r"\b(refer-to-crro|inform-rec|inform-csp-coordinator|tell-safeguarding-steps|"
    r"notify-chief-officer|inform-operational-staff|organise-debrief|partnership-report)\b"
)
CODES = re.compile(r"\b(role|member|agency|deputy):[a-z0-9_]+")
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
USERNAMES = ("officer", "crro", "ppc", "coordinator", "coordinator2", "rec", "chief", "gold")


def _readable(text: str) -> None:
    assert not STEP_CODES.search(text), STEP_CODES.search(text)
    assert not CODES.search(text), CODES.search(text)
    assert not ISO.search(text), ISO.search(text)
    for username in USERNAMES:
        # A username alone, as the old "Who" column showed it (names are "Ravi Chandra, …").
        assert not re.search(rf"^\s*{username}\s*$", text, re.M), username
    assert "1 people" not in text


def test_the_timeline_page_and_its_exports_read_as_sentences(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = factories.incident_declared()
    factories.duty_done(incident, "inform-rec", by=demo["crro"], message="REC told.")
    told = list(Notification.objects.filter(scope=f"incident:{incident.pk}"))
    deliveries_send([n.pk for n in told])
    mail.outbox.clear()
    gold = client_for("gold")

    page = gold.get(f"/incidents/{incident.pk}/timeline/").content.decode()
    table = page[page.index("<tbody", page.index('class="timeline')) :]
    table = table[: table.index("</table>")]
    # What a person reads: the text, not the machine-readable attributes (<time datetime=…>).
    table = html.unescape(strip_tags(table))
    _readable(table)
    assert "Step done: Inform the Racial Equality Council" in table
    assert "Ravi Chandra, Community and Race Relations Officer" in table
    assert "The service itself" in table
    # Whom each message reached, by name, and how.
    assert re.search(r"Sent “[^”]+” to 1 person: Ravi Chandra, Thames Valley Police", table)
    assert "Recorded, not sent, for Ravi Chandra, Thames Valley Police: Email" in table

    text = gold.get(f"/incidents/{incident.pk}/timeline/export/?as=csv").content.decode()
    rows = list(csv.DictReader(io.StringIO(text.split("\n", 1)[1])))
    assert set(rows[0]) == {"Event", "When (UK time)", "Who", "Agency", "What happened", "Hash"}
    _readable("\n".join(f"{r['When (UK time)']},{r['Who']},{r['What happened']}" for r in rows))

    pdf = gold.get(f"/incidents/{incident.pk}/timeline/export/?as=pdf").content
    pages = PdfReader(io.BytesIO(pdf)).pages
    words = "\n".join(p.extract_text() for p in pages)
    # The protective marking at the top and bottom of every page, and its number.
    for number, sheet in enumerate(pages, start=1):
        printed = sheet.extract_text()
        assert printed.count("OFFICIAL-SENSITIVE") == 2, printed
        assert f"Page {number} of {len(pages)}" in printed
    assert "What this means:" in words
    assert "Step done: Inform the Racial Equality Council" in words
    assert not STEP_CODES.search(words)
    assert not ISO.search(words)
