"""One maker of marked documents (issue 14): every PDF a person takes away (the timeline's
export, the minutes, the 14-day report, the six-monthly report) comes from
``partnership.documents.marked_pdf``, so each carries the marking the service is configured with
(``PROTECTIVE_MARKING``) at the top and bottom of every page, and its page number. There used to
be two makers, and the reports' printed OFFICIAL-SENSITIVE whatever the setting said."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from conference.minutes import minutes_pdf
from partnership.models import Member
from review.services.fourteen_day import fourteen_day_compose, fourteen_day_pdf
from review.services.six_monthly import last_ended_period, six_monthly_pdf
from review.six_monthly import six_monthly_figures
from tests import factories

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent
MARKING = "OFFICIAL"  # what a partnership might configure instead of OFFICIAL-SENSITIVE


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_every_document_carries_the_configured_marking_and_page_numbers(
    demo: dict[str, Member], settings: Any
) -> None:
    settings.PROTECTIVE_MARKING = MARKING
    incident = factories.incident_declared(rationale="Crowds gathering outside the mosque.")
    factories.duty_done(incident, "inform-csp-coordinator", by=demo["crro"])
    gold = Client()
    gold.force_login(demo["gold"])
    report = fourteen_day_compose(actor=demo["coordinator"], incident=incident)
    period = last_ended_period(timezone.localdate(), 1)
    partnership = demo["coordinator"].partnership
    assert partnership is not None
    documents = {
        "timeline": gold.get(f"/incidents/{incident.pk}/timeline/export/?as=pdf").content,
        "minutes": minutes_pdf("PRESENT\nAmina Yusuf (chair)", title="Minutes of a conference"),
        "14-day report": fourteen_day_pdf(report, approved_by=demo["coordinator"], recipients=9),
        "six-monthly report": six_monthly_pdf(six_monthly_figures(partnership, period)),
    }
    for name, pdf in documents.items():
        pages = _pages(pdf)
        assert pages, name
        for number, text in enumerate(pages, start=1):
            assert "OFFICIAL-SENSITIVE" not in text, (name, text)
            assert text.count(MARKING) >= 2, (name, text)  # its top and its bottom
            assert f"Page {number} of {len(pages)}" in text, (name, text)


def test_no_app_draws_a_document_of_its_own() -> None:
    """A second canvas drifts from the first (ours did): only the toolkit builds a PDF."""
    builds = re.compile(r"SimpleDocTemplate|canvasmaker|pdfgen")
    apps = [path.parent for path in ROOT.glob("*/apps.py")] + [ROOT / "config"]
    makers = sorted(
        str(path.relative_to(ROOT))
        for app in apps
        for path in app.rglob("*.py")
        if builds.search(path.read_text())
    )
    assert makers == ["partnership/documents.py"]
