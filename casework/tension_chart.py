"""Community tension in an area over time, drawn as a step chart in SVG by the server (no
script): each record holds its level until the next one, the last until now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from casework.info_models import TENSION_ORDER, TensionRecord
from escalation.models import TensionLevel

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 200, 90, 30, 10


@dataclass(frozen=True)
class Chart:
    points: str  # the polyline's points
    levels: list[tuple[str, float]]  # each level's label and its y
    start_label: str
    end_label: str
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    plot_bottom: int = HEIGHT - BOTTOM


def _y(level: str) -> float:
    steps = len(TensionLevel.values) - 1
    return TOP + (HEIGHT - BOTTOM - TOP) * (1 - TENSION_ORDER[level] / steps)


def tension_chart(records: list[TensionRecord], now: datetime) -> Chart | None:
    """The chart of ``records`` (oldest first), or None when there are none."""
    if not records:
        return None
    start = records[0].recorded_at
    span = max((now - start).total_seconds(), 1.0)

    def x(moment: datetime) -> float:
        return LEFT + (WIDTH - LEFT - 10) * (moment - start).total_seconds() / span

    points: list[tuple[float, float]] = []
    for index, record in enumerate(records):
        y = _y(record.level)
        points.append((x(record.recorded_at), y))
        until = records[index + 1].recorded_at if index + 1 < len(records) else now
        points.append((x(until), y))
    return Chart(
        points=" ".join(f"{px:.1f},{py:.1f}" for px, py in points),
        levels=[(label, _y(value)) for value, label in TensionLevel.choices],
        start_label=f"{start:%d %b %Y}",
        end_label=f"{now:%d %b %Y}",
    )
