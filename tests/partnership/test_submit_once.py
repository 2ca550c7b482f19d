"""Creating forms are safe to send twice (issue 14: the back button then submit made a second
identical incident). One mechanism in the page toolkit: ``{% submit_once %}`` puts a one-time key
in the form, ``partnership.pages.submit_once`` answers the same key again with what the first
made."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from casework.intake_models import PublicReport
from escalation.models import Incident
from partnership.demo import PARTNERSHIP_SLUG
from partnership.models import Area, FormSubmission, Member, Partnership
from partnership.pages import sends_once
from partnership.services import submission_claim, submission_done
from tests.world import ClientFor

pytestmark = pytest.mark.django_db

KEY = re.compile(r'name="submit_once" value="([0-9a-f-]{36})"')


def _report(key: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "submit_once": key,
        "title": "Abuse shouted at bus stop",
        "description": "Two men shouted religious abuse at a woman waiting for the bus.",
        "occurred_at_day": "1",
        "occurred_at_month": "7",
        "occurred_at_year": "2025",
        "occurred_at_time": "10:00",
        "area": str(Area.objects.get(name="Woughton").pk),
        "location": "Chaffron Way",
        "strands": ["religion"],
        "safeguarding_steps": "Officer stationed at the stop.",
        "tension_level": "elevated",
    }
    data.update(overrides)
    return data


def test_sending_the_same_form_again_shows_the_incident_it_made(client_for: ClientFor) -> None:
    client = client_for("crro")
    form = client.get("/incidents/new/").content.decode()
    key = KEY.search(form)
    assert key is not None, "the report form carries no one-time key"
    # Each drawing of the page gets its own key.
    assert KEY.search(client.get("/incidents/new/").content.decode()).group(1) != key.group(1)  # type: ignore[union-attr]

    first = client.post("/incidents/new/", _report(key.group(1)))
    assert first.status_code == 302
    incident = Incident.objects.get()
    assert first["Location"] == f"/incidents/{incident.pk}/"

    # The back button, then submit: the same form, the same key.
    again = client.post("/incidents/new/", _report(key.group(1)), follow=True)
    assert Incident.objects.count() == 1
    assert again.redirect_chain == [(f"/incidents/{incident.pk}/", 302)]
    assert "nothing new was made" in again.content.decode()

    # A new drawing of the form is a new report.
    fresh = KEY.search(client.get("/incidents/new/").content.decode()).group(1)  # type: ignore[union-attr]
    assert client.post("/incidents/new/", _report(fresh)).status_code == 302
    assert Incident.objects.count() == 2


def test_a_form_sent_back_with_errors_can_be_corrected_and_sent_with_its_key(
    client_for: ClientFor,
) -> None:
    client = client_for("crro")
    key = str(uuid.uuid4())
    refused = client.post("/incidents/new/", _report(key, title=""))
    assert refused.status_code == 400
    assert Incident.objects.count() == 0
    # The page it comes back on keeps a key, and the one sent is free again.
    assert KEY.search(refused.content.decode()) is not None
    assert client.post("/incidents/new/", _report(key)).status_code == 302
    assert Incident.objects.count() == 1


def test_a_key_is_the_senders_own(client_for: ClientFor) -> None:
    key = str(uuid.uuid4())
    assert client_for("crro").post("/incidents/new/", _report(key)).status_code == 302
    # Another member who somehow sends the same key makes their own report.
    assert client_for("officer").post("/incidents/new/", _report(key)).status_code == 302
    assert Incident.objects.count() == 2


def test_a_second_send_while_the_first_is_being_recorded_makes_nothing(
    demo: dict[str, Member], client_for: ClientFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing finishes the first here: the second waits a moment for it, then says so.
    monkeypatch.setattr("partnership.pages.SUBMIT_ONCE_WAIT_SECONDS", 0.2)
    key = uuid.uuid4()
    # The first request has claimed the key and is still recording (no location yet).
    assert submission_claim(member=demo["crro"], key=key) is None
    earlier = submission_claim(member=demo["crro"], key=key)
    assert earlier is not None
    assert earlier.location == ""
    response = client_for("crro").post("/incidents/new/", _report(str(key)), follow=True)
    assert Incident.objects.count() == 0
    assert "sent twice at the same moment" in response.content.decode()
    submission_done(member=demo["crro"], key=key, location="/incidents/1/")
    assert FormSubmission.objects.get(key=key).location == "/incidents/1/"


@pytest.mark.django_db(transaction=True)
def test_a_second_send_waits_for_the_first_and_shows_what_it_made(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    """A double click: the browser shows only the second answer, so it should be the first's
    record, not 'still being recorded'."""
    key = uuid.uuid4()
    assert submission_claim(member=demo["crro"], key=key) is None  # the first, recording

    def first_finishes() -> None:
        time.sleep(0.5)
        submission_done(member=demo["crro"], key=key, location="/incidents/first/")
        connection.close()

    finishing = threading.Thread(target=first_finishes)
    finishing.start()
    second = client_for("crro").post("/incidents/new/", _report(str(key)))
    finishing.join()
    assert second.status_code == 302
    assert second["Location"] == "/incidents/first/"
    assert Incident.objects.count() == 0


def _public_report(key: str) -> dict[str, Any]:
    return {
        "submit_once": key,
        "partnership": str(Partnership.objects.get(slug=PARTNERSHIP_SLUG).pk),
        "reporter_kind": "victim",
        "what_happened": "A man shouted racist abuse at me outside the library.",
        "where": "Central library",
        "strands": ["race"],
        "anonymous": "on",
        "contact_by": "none",
    }


def test_the_signed_out_report_form_sent_twice_records_one_report(demo: dict[str, Member]) -> None:
    reporter = Client()  # not signed in
    form = reporter.get("/report/").content.decode()
    key = KEY.search(form)
    assert key is not None, "the public report form carries no one-time key"

    first = reporter.post("/report/", _public_report(key.group(1)), follow=True)
    report = PublicReport.objects.get()
    assert report.reference in first.content.decode()
    [(received, _)] = first.redirect_chain

    # A double click or the back button: the same form again, from the same browser.
    again = reporter.post("/report/", _public_report(key.group(1)), follow=True)
    assert PublicReport.objects.count() == 1
    assert again.redirect_chain == [(received, 302)]
    page = again.content.decode()
    assert "Report received" in page
    assert "nothing new was made" in page
    assert report.reference in page  # the reference again: the second answer may be all it sees

    # The key is this browser's: sent from another, it is a report of its own, and the first
    # reporter's page (and reference) is not shown there.
    other = Client()
    other.get("/report/")
    elsewhere = other.post("/report/", _public_report(key.group(1)), follow=True)
    assert PublicReport.objects.count() == 2
    assert report.reference not in elsewhere.content.decode()
    assert other.get(received).status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/incidents/new/", "/people/new/", "/conferences/new/"],
)
def test_the_creating_forms_carry_a_key(client_for: ClientFor, path: str) -> None:
    page = client_for("coordinator").get(path)
    assert page.status_code == 200, path
    assert KEY.search(page.content.decode()) is not None, path


# --- Every creating form ------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parent.parent.parent
# Every page route whose form makes something (a record, a message, a report, an entry) or does a
# step that must not be done twice, by its name. Each must be a ``submit_once`` view, and every
# form in the templates that posts to it must carry the key.
SENT_ONCE = [
    "calendar-day-add",
    "incident-report",
    "incident-determine",
    "incident-situation-report",
    "duty-complete",
    "notification-acknowledge",
    "notification-reply",
    "person-create",
    "person-link",
    "person-share",
    "referral-create",
    "conference-create",
    "conference-agenda-add",
    "conference-minutes-correct",
    "research-file",
    "action-complete",
    "case-task-complete",
    "report-centre",
    "report-public",
    "intake-triage",
    "fourteen-day-compose",
    "strategy-plan",
    "plan-action-note",
    "six-monthly-list",
    "scrutiny-list",
    "gold-group-convene",
    "gold-group-seat",
    "gold-group-decide",
    "gold-group-comms",
    "plan-action-complete",
    "case-open",
    "case-action-add",
    "case-rule-add",
    "information-share",
    "tension-record",
    "gold-incident-links",
    "debrief",
    "debrief-action-add",
]
# Forms that post back to their own page (no {% url %} in the form's action): where they are.
POSTS_TO_ITSELF = {
    "referral-create": "conference/templates/conference/referral_form.html",
    "gold-group-convene": "gold/templates/gold/group_convene.html",
}


def _page_views() -> dict[str, Callable[..., Any]]:
    def walk(patterns: list[Any]) -> Iterator[URLPattern]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                yield pattern

    return {p.name: p.callback for p in walk(get_resolver().url_patterns) if p.name}


def _forms_posting_to(name: str) -> list[tuple[str, str]]:
    found = []
    for path in sorted(ROOT.glob("*/templates/**/*.html")):
        where = str(path.relative_to(ROOT))
        for form in re.findall(r"<form\b[^>]*>.*?</form>", path.read_text(), re.S):
            opening = form[: form.index(">") + 1]
            if f"{{% url '{name}'" in opening or (
                POSTS_TO_ITSELF.get(name) == where and 'method="post"' in opening
            ):
                found.append((where, form))
    return found


@pytest.mark.parametrize(
    "name",
    [
        *SENT_ONCE,
    ],
)
def test_every_creating_form_is_sent_once(name: str) -> None:
    view = _page_views()[name]
    assert sends_once(view), f"{name}: its view is not a submit_once view"
    forms = _forms_posting_to(name)
    assert forms, f"{name}: no form posts to it"
    for where, form in forms:
        assert "{% submit_once %}" in form, f"{name}: the form in {where} carries no key"
