"""The figures ``bench.surge`` prints."""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence

from bench.surge.run import Phase
from bench.surge.verify import Checked
from bench.surge.workload import ENDPOINTS


def rank(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile, in milliseconds."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] * 1000


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"


def triple(values: Sequence[float]) -> str:
    return " / ".join(_ms(rank(values, share)) for share in (0.5, 0.99, 1.0))


def _ratio(product: Sequence[float], floor: Sequence[float], share: float) -> str:
    p, f = rank(product, share), rank(floor, share)
    if p is None or f is None or f <= 0 or p <= 0:
        return "n/a"
    return f"{p / f:.1f}x"


def table(header: Sequence[str], rows: list[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        return " | ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()

    return [line(header), "-+-".join("-" * w for w in widths), *(line(row) for row in rows)]


def _per_alert(seconds: float, alerts: int) -> str:
    return f"{seconds / alerts * 1000:.1f}" if alerts else "-"


def summary(phases: list[Phase]) -> list[str]:
    rows: list[Sequence[str]] = []
    for phase in phases:
        check = phase.checked or Checked()
        floor = phase.floor
        floor_lat = floor.latencies if floor else []
        rows.append(
            (
                str(phase.servers),
                str(phase.workers),
                triple(check.latencies),
                triple(floor_lat),
                f"{_ratio(check.latencies, floor_lat, 0.5)} / "
                f"{_ratio(check.latencies, floor_lat, 0.99)}",
                triple(check.board_latencies),
                f"{check.board_received:,}/{check.board_expected:,}",
                triple(floor.board_latencies if floor else []),
                f"{check.received:,}/{check.expected:,}",
                str(check.lost),
                str(check.doubled),
                f"{_per_alert(phase.cpu.get('servers', 0.0), check.received)} / "
                f"{_per_alert(sum(phase.cpu.values()), check.received)}",
                _per_alert(
                    sum(phase.floor_cpu.values()), floor.received - len(floor.board_latencies)
                )
                if floor
                else "-",
            )
        )
    return table(
        (
            "Daphne",
            "workers",
            "alert p50/p99/max ms",
            "floor p50/p99/max ms",
            "ratio p50 / p99",
            "board push p50/p99/max ms",
            "board arrived",
            "floor board p50/p99/max",
            "alerts",
            "lost",
            "doubled",
            "CPU ms/alert servers / all",
            "floor CPU ms/alert",
        ),
        rows,
    )


def endpoints(phases: list[Phase]) -> list[str]:
    rows: list[Sequence[str]] = []
    for key, name in ENDPOINTS.items():
        row = [name]
        for phase in phases:
            calls = [c.seconds for c in phase.calls if c.endpoint == key]
            errors = sum(1 for c in phase.calls if c.endpoint == key and not 200 <= c.status < 300)
            row.append(
                f"{len(calls):,}: {_ms(rank(calls, 0.5))} / {_ms(rank(calls, 0.99))}"
                + (f" ({errors} errors)" if errors else "")
            )
        rows.append(row)
    return table(["endpoint", *(f"{p.servers} Daphne: n: p50 / p99 ms" for p in phases)], rows)


def details(phase: Phase, options: argparse.Namespace) -> list[str]:
    check = phase.checked or Checked()
    plural = "es" if phase.servers > 1 else ""
    senders = (
        f" + {phase.workers} sender worker{'s' if phase.workers > 1 else ''}"
        if phase.workers
        else " (sending in Daphne's threads)"
    )
    lines = [f"== {phase.servers} Daphne process{plural} + 1 scheduler{senders} =="]
    if phase.error:
        lines.append(f"NOT FINISHED: {phase.error[:2000]}")
    lines.append(
        f"sockets: {phase.connected:,}/{phase.sockets:,} open in {phase.connect_seconds:.1f} s"
        + (f" ({phase.connect_error})" if phase.connect_error else "")
        + (f"; {phase.closed} closed by the server" if phase.closed else "")
    )
    requests = len(phase.calls)
    wall = max(phase.workload_seconds, 1e-9)
    drained = (
        f"every delivery made {phase.drained_seconds:.1f} s after the last response"
        if phase.drained_seconds is not None
        else f"deliveries still pending {options.timeout:g} s after the last response"
    )
    lines.append(
        f"workload: {phase.declared} of {options.declarations} declared, {phase.chains} chains "
        f"complete; {requests:,} requests in {wall:.1f} s ({requests / wall:.1f}/s); {drained}"
    )
    for problem, count in sorted(phase.problems.items(), key=lambda x: -x[1])[:6]:
        lines.append(f"  {count} x {problem}")
    lines.append(
        f"alerts: {check.received:,} of {check.expected:,} live notifications to listening "
        f"pages received ({check.replayed:,} first seen in a replay); LOST {check.lost}, "
        f"DOUBLED {check.doubled}, unsent {check.unsent}, strays {check.strays}; numbered twice "
        f"in the database {check.db_doubled}; {check.unattributed} caused by no request (not "
        f"timed); {phase.resumes:,} resumes, {phase.gaps} gaps"
    )
    for kind, values in sorted(check.by_kind.items()):
        lines.append(f"  {kind}: {len(values):,} alerts, p50/p99/max ms {triple(values)}")
    lines.append(
        f"board changes: {check.board_received:,} of {check.board_expected:,} the database "
        f"numbered for the watchers reached them ({check.board_replayed:,} first seen in a "
        f"replay); LOST {check.board_lost}, extra {check.board_extra}; "
        f"{check.board_unattributed} made by no request (not timed); pushes alone p50/p99/max "
        f"ms {triple(check.board_push_latencies)}; {phase.board_resumes:,} board resumes"
    )
    lines.append(
        "deliveries by channel and state: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(check.deliveries.items()))
    )
    cpu = phase.cpu
    lines.append(
        f"CPU seconds over the workload and its drain: servers (Daphne, scheduler, workers) "
        f"{cpu.get('servers', 0):.1f} ("
        + ", ".join(f"{name} {seconds:.1f}" for name, seconds in phase.process_cpu.items())
        + f"), PostgreSQL backends {cpu.get('postgres', 0):.1f}, Redis "
        f"{cpu.get('redis', 0):.1f}; the benchmark's own process {phase.client_cpu:.1f}"
    )
    floor = phase.floor
    if floor is not None:
        lines.append(
            f"floor: {floor.connected:,} sockets in {floor.connect_seconds:.1f} s; "
            f"{floor.fires:,} fires ({floor.fire_errors} failed); {floor.received:,} of "
            f"{floor.expected:,} messages arrived, {floor.doubled} doubled; CPU servers "
            f"{phase.floor_cpu.get('servers', 0):.1f} s, "
            f"Redis {phase.floor_cpu.get('redis', 0):.1f} s, the benchmark's own process "
            f"{phase.floor_client_cpu:.1f} s"
        )
    return lines
