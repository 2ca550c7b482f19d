"""Marked documents: every page carries its security marking at the top and the bottom and
"Page N of M" (the Government Security Classifications' rule for OFFICIAL-SENSITIVE papers), so
a page that leaves the pack still says what it is and where it belongs. Drawn with reportlab, as
the timeline's exports are (``review.exports``)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, SimpleDocTemplate

MARKING = "OFFICIAL-SENSITIVE"
MARGIN = 18 * mm


class _MarkedCanvas(Canvas):  # type: ignore[misc]  # reportlab has no types
    """Holds each page back until the document ends, so each can say how many pages there are."""

    marking = MARKING
    footer = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held)
        for number, page in enumerate(self._held, start=1):
            self.__dict__.update(page)
            self._mark(number, total)
            super().showPage()
        super().save()

    def _mark(self, number: int, total: int) -> None:
        width, height = self._pagesize
        self.saveState()
        self.setFont("Helvetica-Bold", 11)
        self.drawCentredString(width / 2, height - 10 * mm, self.marking)
        self.drawCentredString(width / 2, 8 * mm, self.marking)
        self.setFont("Helvetica", 8)
        self.drawString(MARGIN, 8 * mm, self.footer[:90])
        self.drawRightString(width - MARGIN, 8 * mm, f"Page {number} of {total}")
        self.restoreState()


def marked_pdf(*, title: str, story: Sequence[Flowable], footer: str = "") -> bytes:
    """The document ``story`` makes, on A4, marked OFFICIAL-SENSITIVE and numbered on every page;
    ``footer`` (the document's name) is printed beside the page number."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author="Hate crime partnership coordinator",
        subject=MARKING,
    )
    canvas = type("Canvas", (_MarkedCanvas,), {"footer": footer or title})
    doc.build(list(story), canvasmaker=canvas)
    return buffer.getvalue()
