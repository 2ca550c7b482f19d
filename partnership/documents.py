"""Documents people take away as PDF (an incident's timeline, a conference's minutes, the 14-day
and six-monthly reports, gold's papers): every page carries the protective marking at its top and
bottom (``settings.PROTECTIVE_MARKING``, OFFICIAL-SENSITIVE by default: the Government Security
Classifications' rule for such papers) and "Page N of M" beside the document's name, so a page
that leaves the pack still says what it is and where it belongs. Drawn with reportlab.

The one maker of marked documents: every app's PDFs come through ``marked_pdf`` (it sits here, on
the lowest floor, because the minutes in conference need it as well as review and gold)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from django.conf import settings


def protective_marking() -> str:
    """The marking printed on every page ("" when the service is configured to print none)."""
    return str(settings.PROTECTIVE_MARKING)


def handling_words() -> str:
    """The sentence a document's introduction ends with: "Handle as OFFICIAL-SENSITIVE."."""
    marking = protective_marking()
    return f"Handle as {marking}." if marking else ""


def _marked_canvas(footer: str) -> type[Any]:
    """A canvas that holds each page until the document ends, so each can say how many there
    are, then marks and numbers them."""
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    marking = protective_marking()

    class Marked(Canvas):  # type: ignore[misc]  # reportlab has no types
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
                width, height = self._pagesize
                self.saveState()
                if marking:
                    self.setFont("Helvetica-Bold", 10)
                    self.drawCentredString(width / 2, height - 7 * mm, marking)
                    self.drawCentredString(width / 2, 4 * mm, marking)
                self.setFont("Helvetica", 7)
                self.drawString(12 * mm, 4 * mm, footer[:90])
                self.drawRightString(width - 12 * mm, 4 * mm, f"Page {number} of {total}")
                self.restoreState()
                super().showPage()
            super().save()

    return Marked


def marked_pdf(
    title: str, story: Sequence[Any], *, landscape: bool = False, footer: str = ""
) -> bytes:
    """The document ``story`` (reportlab flowables) makes on A4, marked and numbered on every
    page; ``footer`` (the document's name, ``title`` when not given) is printed beside the page
    number."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.pagesizes import landscape as turned
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=turned(A4) if landscape else A4,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=title,
        author="Hate crime partnership coordinator",
        subject=protective_marking(),
    )
    doc.build(list(story), canvasmaker=_marked_canvas(footer or title))
    return buffer.getvalue()
