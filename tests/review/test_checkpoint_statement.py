"""The review's integrity statement from the last signed checkpoint: the timeline page, the API
and the exports say "verifies since checkpoint N of <time>" without walking the whole chain, and
an event shown that was edited before the checkpoint is still reported."""

from __future__ import annotations

import html
import io
import re

import pytest
from pypdf import PdfReader

from partnership.checkpoints import checkpoint_write
from partnership.models import AuditEvent, Member
from tests import factories
from tests.tampering import behind_the_back
from tests.world import ClientFor

pytestmark = pytest.mark.django_db


def _text(content: bytes) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", content.decode())))


def test_the_statement_says_since_which_checkpoint_and_reads_only_what_is_new(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = factories.incident_declared()
    checkpoint = checkpoint_write(incident.partnership_id)
    assert checkpoint is not None
    factories.duty_done(incident, "inform-rec", by=demo["crro"])
    new = AuditEvent.objects.filter(
        partnership=incident.partnership, seq__gt=checkpoint.seq
    ).count()
    assert new > 0
    gold = client_for("gold")

    page = _text(gold.get(f"/incidents/{incident.pk}/timeline/").content)
    assert "The timeline verifies since checkpoint 1 of " in page
    assert f"{new} event{'s' if new != 1 else ''} recorded after it checked" in page
    assert f"up to event {checkpoint.seq}" in page

    integrity = gold.get(f"/api/incidents/{incident.pk}/timeline/").json()["integrity"]
    assert integrity["verifies"] is True
    assert integrity["checked_events"] == new
    assert integrity["chain"] == incident.partnership.name
    assert integrity["checkpoint"]["number"] == 1
    assert integrity["checkpoint"]["seq"] == checkpoint.seq
    assert integrity["checkpoint"]["signature"] == checkpoint.signature

    csv_text = gold.get(f"/api/incidents/{incident.pk}/timeline/export/?as=csv").content.decode()
    first_line = csv_text.split("\n", 1)[0]
    assert first_line.startswith("# The timeline verifies since checkpoint 1 of ")
    assert checkpoint.signature in first_line
    pdf = gold.get(f"/api/incidents/{incident.pk}/timeline/export/?as=pdf").content
    words = PdfReader(io.BytesIO(pdf)).pages[0].extract_text().replace("\n", " ")
    assert "verifies since checkpoint 1 of" in words


def test_an_event_shown_that_was_edited_before_the_checkpoint_is_reported(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = factories.incident_declared()
    assert checkpoint_write(incident.partnership_id) is not None
    edited = AuditEvent.objects.get(scope=f"incident:{incident.pk}", verb="protocol.started")
    # Edited in place, its hash left as it was: the chain from the checkpoint does not read it,
    # but the page and the export check every event they show against its own hash.
    behind_the_back(
        "UPDATE partnership_auditevent SET verb = 'duty.waived' WHERE id = %s", [edited.pk]
    )
    gold = client_for("gold")
    page = _text(gold.get(f"/incidents/{incident.pk}/timeline/").content)
    assert f"The timeline is BROKEN at event {edited.seq}:" in page
    assert "The timeline verifies" not in page
    integrity = gold.get(f"/api/incidents/{incident.pk}/timeline/").json()["integrity"]
    assert (integrity["verifies"], integrity["broken_at_seq"]) == (False, edited.seq)
    csv_text = gold.get(f"/api/incidents/{incident.pk}/timeline/export/?as=csv").content.decode()
    assert csv_text.startswith(f"# The timeline is broken at event {edited.seq} of ")


def test_the_next_look_goes_on_from_the_last_walk_and_says_so(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = factories.incident_declared()
    checkpoint = checkpoint_write(incident.partnership_id)
    assert checkpoint is not None
    factories.duty_done(incident, "inform-rec", by=demo["crro"])
    gold = client_for("gold")
    api = f"/api/incidents/{incident.pk}/timeline/"

    first = gold.get(api).json()["integrity"]
    assert first["walked"] is None
    new = first["checked_events"]
    assert first["checked_now"] == new > 0

    # The page reads nothing again: it goes on from the walk the API's check remembered.
    page = _text(gold.get(f"/incidents/{incident.pk}/timeline/").content)
    assert f"{new} event{'s' if new != 1 else ''} recorded after it checked" in page
    walked_to = checkpoint.seq + new
    assert f"the service walked on to event {walked_to} and found the chain whole" in page
    assert "the 0 events after it were checked now" in page

    second = gold.get(api).json()["integrity"]
    assert second["verifies"] is True
    assert (second["checked_events"], second["checked_now"]) == (new, 0)
    assert second["walked"]["seq"] == walked_to
    assert f"events {checkpoint.seq + 1} to {walked_to} were walked at" in second["statement"]
