"""Documents people take away as PDF (an incident's timeline, a conference's minutes, the 14-day
and six-monthly reports, gold's papers): every page carries the protective marking at its top and
bottom (``settings.PROTECTIVE_MARKING``, OFFICIAL-SENSITIVE by default: the Government Security
Classifications' rule for such papers) and "Page N of M" beside the document's name, so a page
that leaves the pack still says what it is and where it belongs. Drawn with reportlab.

The one maker of marked documents: every app's PDFs come through ``marked_pdf`` (it sits here, on
the lowest floor, because the minutes in conference need it as well as review and gold)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
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
    from reportlab import rl_config
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.pagesizes import landscape as turned
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    # Page streams compressed but not also written as ASCII85 text (reportlab's default, for
    # 7-bit channels a PDF download never passes through): a fifth smaller, and the encoding
    # was an eighth of the time of a 10,000-event timeline.
    rl_config.useA85 = 0
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


# A row taller than this many lines is continued on the next row (and page if need be), so that
# every piece fits a page whichever way it is turned.
ROW_LINES = 40


class _Widths(dict[str, float]):
    """The width of each character of one font at one size, measured once: a table's cells are
    measured a character at a time without reportlab's per-call overhead (its standard fonts are
    not kerned, so a text's width is the sum of its characters')."""

    def __init__(self, font: str, size: float) -> None:
        super().__init__()
        self.font, self.size = font, size

    def __missing__(self, character: str) -> float:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        width = self[character] = float(stringWidth(character, self.font, self.size))
        return width

    def of(self, text: str) -> float:
        return sum(map(self.__getitem__, text))


def _fitted(text: str, widths: _Widths, width: float) -> list[str]:
    """``text`` wrapped at spaces to ``width`` (its own line breaks kept); a word wider than a
    whole line (a hash, an address) is broken where it reaches the edge rather than drawn over
    the next column."""
    lines: list[str] = []
    space = widths[" "]
    for paragraph in text.split("\n"):
        line: list[str] = []
        used = 0.0
        for word in paragraph.split():
            wide = widths.of(word)
            if line and used + space + wide > width:
                lines.append(" ".join(line))
                line, used = [], 0.0
            while wide > width and len(word) > 1:
                cut, room = 0, 0.0
                while cut < len(word) - 1 and room + widths[word[cut]] <= width:
                    room += widths[word[cut]]
                    cut += 1
                lines.append(word[: max(cut, 1)])
                word = word[max(cut, 1) :]
                wide = widths.of(word)
            used += (space if line else 0.0) + wide
            line.append(word)
        lines.append(" ".join(line))
    return lines


class _Laid:
    """A plain table's every row wrapped once, with the running total of the rows' heights, so
    that any run of rows is measured in constant time."""

    PAD_X, PAD_Y = 3.0, 2.0

    def __init__(
        self,
        headings: Sequence[str],
        rows: Iterable[Sequence[str]],
        widths: Sequence[float],
        *,
        size: float,
        leading: float,
    ) -> None:
        from itertools import accumulate

        self.widths = list(widths)
        self.size, self.leading = size, leading
        inner = [w - 2 * self.PAD_X for w in self.widths]
        bold, plain = _Widths("Helvetica-Bold", size), _Widths("Helvetica", size)
        self.heading = [_fitted(h, bold, w) for h, w in zip(headings, inner, strict=True)]
        self.heading_height = self.height_of(self.heading)
        self.rows: list[list[list[str]]] = []
        # Cells repeat (the same person, agency, minute, sentence): each text is wrapped once.
        wrapped: dict[tuple[str, float], list[str]] = {}
        for row in rows:
            cells = []
            for text, w in zip(row, inner, strict=True):
                lines = wrapped.get((text, w))
                if lines is None:
                    lines = wrapped[text, w] = _fitted(str(text), plain, w)
                cells.append(lines)
            tallest = max(len(lines) for lines in cells)
            for first in range(0, tallest, ROW_LINES):
                self.rows.append([lines[first : first + ROW_LINES] for lines in cells])
        heights = [self.height_of(cells) for cells in self.rows]
        self.tops = [0.0, *accumulate(heights)]  # tops[i]: rows before row i, stacked

    def height_of(self, cells: Sequence[Sequence[str]]) -> float:
        return max((len(lines) for lines in cells), default=0) * self.leading + 2 * self.PAD_Y


def _rows_flowable() -> type[Any]:
    from reportlab.platypus import Flowable

    class Rows(Flowable):  # type: ignore[misc]  # reportlab has no types
        """Rows ``start`` to ``end`` of a laid-out table under its headings: split at a page's
        foot in time proportional to the rows on that page (reportlab's ``Table`` measures all
        the rows left at every page break: a minute for 20,000 events)."""

        def __init__(self, laid: _Laid, start: int, end: int) -> None:
            super().__init__()
            self.laid, self.start, self.end = laid, start, end
            self.width = sum(laid.widths)
            self.height = self._span(start, end)

        def _span(self, start: int, end: int) -> float:
            return self.laid.heading_height + self.laid.tops[end] - self.laid.tops[start]

        def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
            return self.width, self.height

        def split(self, available_width: float, available_height: float) -> list[Any]:
            from bisect import bisect_right

            room = available_height - self.laid.heading_height + self.laid.tops[self.start]
            fits = bisect_right(self.laid.tops, room, lo=self.start, hi=self.end + 1) - 1
            if fits <= self.start:
                return []  # not one row here: the next page
            if fits >= self.end:
                return [self]
            return [Rows(self.laid, self.start, fits), Rows(self.laid, fits, self.end)]

        def draw(self) -> None:
            from reportlab.lib import colors

            laid, canvas = self.laid, self.canv
            xs = [0.0]
            for width in laid.widths:
                xs.append(xs[-1] + width)
            top = self.height
            ys = [top]
            canvas.saveState()
            canvas.setFillColor(colors.HexColor("#dddddd"))
            canvas.rect(
                0, top - laid.heading_height, self.width, laid.heading_height, stroke=0, fill=1
            )
            canvas.setFillColor(colors.black)
            text = canvas.beginText()
            shown = laid.rows[self.start : self.end]
            rows = [(laid.heading, "Helvetica-Bold"), *((cells, "Helvetica") for cells in shown)]
            drawn_in = ""
            for cells, font in rows:
                if font != drawn_in:
                    text.setFont(font, laid.size, laid.leading)
                    drawn_in = font
                for x, lines in zip(xs[:-1], cells, strict=True):
                    if lines:
                        text.setTextOrigin(x + laid.PAD_X, top - laid.PAD_Y - laid.size)
                        for line in lines:
                            text.textLine(line)
                top -= laid.height_of(cells)
                ys.append(top)
            canvas.drawText(text)
            canvas.setStrokeColor(colors.grey)
            canvas.setLineWidth(0.25)
            canvas.grid(xs, ys)
            canvas.restoreState()

    return Rows


def plain_table(
    headings: Sequence[str],
    rows: Iterable[Sequence[str]],
    widths: Sequence[float],
    *,
    size: float = 8,
    leading: float = 10,
) -> Any:
    """A flowable for ``marked_pdf``'s story: a grid of plain text (no markup), its headings
    repeated on every page, long cells wrapped, for tables of thousands of rows (a timeline's
    export). Each cell is wrapped once and each page's rows are drawn as one block of text."""
    laid = _Laid(headings, rows, widths, size=size, leading=leading)
    return _rows_flowable()(laid, 0, len(laid.rows))
