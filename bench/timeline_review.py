"""What a gold group waits for: an incident's timeline page, and its full PDF export, with
``--events`` (default 10,000) events on the incident.

A benchmark, not a test. It prints medians beside floors measured in the same run:

- first page: ``review.timeline.timeline_page`` (100 events, keyed on the sequence) plus the
  integrity statement (``review.timeline.integrity``, which verifies the partnership's chain
  from its last signed checkpoint), beside the floor of the bare query for the same 100 rows;
- the same page as served: ``GET /incidents/<id>/timeline/`` through Django's test client
  (in-process, signed in as the gold group), so everything the view does is in it (the filter's
  kinds and agencies present, the replay and compliance panels, the template), going on from its
  walk as a reader's repeated look does;
- the integrity check on its own, from a checkpoint signed ``--after`` (default 100) events
  before the head, beside the full walk of the same chain (``--full``, what every view cost
  before checkpoints);
- both again "going on" from the walk an earlier page remembered (``chain_check``'s ``resume``:
  nothing new since, so nothing walked); the first two rows forget it before each repeat;
- the full PDF export (``review.exports.export_pdf`` over every event), beside the floor of the
  same rows written as CSV (the cheapest complete export), and the same PDF as the export page
  makes it (``review.exports.timeline_file``: each event's own hash checked, roles read once,
  the export recorded on the timeline).

It runs on PostgreSQL (``BENCH_DATABASE_URL``, default below) in a database whose name contains
``bench``, dropped and recreated for each run::

    .venv/bin/python -m bench.timeline_review [--events 10000] [--after 100] [--repeats 5]
        [--pdf-events N] [--analyze] [--reuse] [--no-pdf]

``--pdf-events N`` exports the incident's first N events (and the CSV floor the same N), so the
page can be measured at 100,000 events without an export of them all; by default every event is
exported. ``--analyze`` gives PostgreSQL the events' statistics after writing them, as autovacuum
would (this machine's server runs without it, so by default the planner has none). ``--reuse``
keeps the database a previous run with the same ``--events`` and ``--after`` left (writing
100,000 events takes minutes), and refuses one that does not match. ``--no-pdf`` leaves out the
PDF and CSV rows (a run about the page alone).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/coordinator_bench_timeline"


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _database(url: str, *, reuse: bool = False) -> bool:
    """Drop and create the benchmark's database; with ``reuse``, keep it when it exists. True
    when it was kept."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    if not name.endswith("bench") and "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: a benchmark database's name contains 'bench'")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin.replace("postgres://", "postgresql://"), autocommit=True) as db:
        if reuse and db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return True
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')
    return False


def _median(
    action: Callable[[], Any], repeats: int, before: Callable[[], Any] | None = None
) -> float:
    times = []
    for _ in range(repeats):
        if before is not None:
            before()  # untimed
        began = time.perf_counter()
        action()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def _row(label: str, ms: float, floor_label: str, floor_ms: float | None) -> str:
    ratio = ms / floor_ms if floor_ms else 0.0
    shown = f"{ratio:4.0f}x" if ratio >= 1 else f"{ratio:4.2f}x"
    floor = f"{floor_ms:8.1f} | {shown}" if floor_ms else f"{'':8} |"
    return f"{label:36}| {ms:9.1f} | {floor_label:27} | {floor}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--after", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--pdf-events",
        type=int,
        default=None,
        help="export only the incident's first N events (PDF and its CSV floor); default: all",
    )
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="ANALYZE the events after writing them, as autovacuum would (off on some servers)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database a previous run with the same --events and --after wrote",
    )
    parser.add_argument(
        "--no-pdf", action="store_true", help="leave out the PDF and CSV rows (the page alone)"
    )
    options = parser.parse_args(argv)

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    kept = _database(url, reuse=options.reuse)
    os.environ.update(
        DATABASE_URL=url, DJANGO_SETTINGS_MODULE="config.settings", LOG_LEVEL="WARNING"
    )
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from datetime import timedelta

    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from escalation import services
    from escalation.models import Incident
    from partnership.checkpoints import chain_check, checkpoint_write
    from partnership.demo import demo_load
    from partnership.models import Area, AuditEvent, Member
    from partnership.scopes import Scope
    from partnership.timeline import audit_record
    from review import exports as review_exports
    from review import timeline as review

    call_command("migrate", verbosity=0)
    incident = Incident.objects.filter(title="Benchmark incident").first() if kept else None
    if incident is not None:
        scope = Scope.incident(incident.pk)
        written = 0.0
        head = AuditEvent.objects.filter(partnership_id=incident.partnership_id).order_by("-seq")
        last_checkpoint = chain_check(incident.partnership_id).checkpoint
        ours = AuditEvent.objects.filter(scope=str(scope), changes__title="t").count()
        if (
            last_checkpoint is None
            # A run's exports are recorded on the timeline, after the checkpoint's --after.
            or head.values_list("seq", flat=True)[0] - last_checkpoint.seq < options.after
            or ours != options.events
        ):
            raise SystemExit("--reuse: the database holds another run's events; run without it")
        _say(f"reusing {options.events:,} timeline events on {incident.reference}")
    else:
        demo_load()
        officer = Member.objects.get(username="officer")
        incident = services.incident_report(
            reporter=officer,
            title="Benchmark incident",
            description="For the timeline benchmark.",
            occurred_at=timezone.now() - timedelta(hours=1),
            area=Area.objects.first(),  # type: ignore[arg-type]
            strands=["race"],
            tension_level="high",
        )
        scope = Scope.incident(incident.pk)
        _say(f"writing {options.events:,} timeline events on {incident.reference}…")
        began = time.perf_counter()

        def write(first: int, end: int, batch: int = 500) -> None:
            for start in range(first, end, batch):
                with transaction.atomic():
                    for n in range(start, min(start + batch, end)):
                        audit_record(
                            actor=officer,
                            verb="duty.escalated" if n % 3 else "notification.sent",
                            subject=incident,
                            scope=scope,
                            changes={
                                "step": "inform-rec",
                                "rung": n % 4,
                                "audience": "role:crro",
                                "title": "t",
                            },
                        )

        # A checkpoint signed ``--after`` events before the head, as the scheduler leaves one.
        write(0, options.events - options.after)
        checkpoint_write(incident.partnership_id)
        write(options.events - options.after, options.events)
        written = time.perf_counter() - began
    if options.analyze:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE partnership_auditevent")
    total = AuditEvent.objects.count()
    chain = incident.partnership_id
    chain_total = AuditEvent.objects.filter(partnership_id=chain).count()
    since = chain_check(chain)
    if not since.ok or since.checkpoint is None:
        raise SystemExit(since.describe())
    query = review.events_in([scope])
    wanted = review.TimelineFilter()
    exported = review.events_filtered(query, wanted)
    if options.pdf_events is not None:
        exported = exported[: options.pdf_events]

    def first_page() -> None:
        page = review.timeline_page(query, wanted, limit=review.PAGE_SIZE)
        review.integrity(scope, edited=page.edited)

    def floor_page() -> None:
        list(AuditEvent.objects.filter(scope=scope).order_by("seq").values()[: review.PAGE_SIZE])

    rows_cache: list[dict[str, Any]] = []

    def rows() -> list[dict[str, Any]]:
        if not rows_cache:
            rows_cache.extend(review.event_row(e) for e in exported.iterator(chunk_size=2000))
        return rows_cache

    statement = review.integrity(scope)

    def pdf() -> None:
        review_exports.export_pdf(
            "Benchmark",
            [review.event_row(e) for e in exported.iterator(chunk_size=2000)],
            statement,
            exported_by="bench",
        )

    def floor_csv() -> None:
        review_exports.export_csv(rows(), statement)

    last_exported = exported.values_list("seq", flat=True)
    upto = list(last_exported)[-1]
    reader = Member.objects.get(username="gold")

    def export_file() -> None:
        # The PDF as the export page makes it: rows (roles read once), each event's own hash,
        # the integrity statement, the document, and the export recorded on the timeline.
        review_exports.timeline_file(
            events=query.filter(seq__lte=upto),
            wanted=wanted,
            export_type="pdf",
            member=reader,
            scope=scope,
            title="Benchmark",
        )

    from django.test import Client

    browser = Client()
    browser.force_login(reader)
    page_url = f"/incidents/{incident.pk}/timeline/"

    def served() -> None:
        response = browser.get(page_url)
        if response.status_code != 200:
            raise SystemExit(f"GET {page_url}: {response.status_code}")

    # What a page remembers of its walk since the checkpoint (``chain_check(resume=True)``) is
    # forgotten before each repeat of the first rows, so they measure the first page after a
    # checkpoint, as before; the rows "going on" keep it (a reader's next page, nothing new).
    page_ms = _median(first_page, options.repeats, before=cache.clear)
    floor_page_ms = _median(floor_page, options.repeats)
    verify_ms = _median(lambda: review.integrity(scope), options.repeats, before=cache.clear)
    full_ms = _median(lambda: chain_check(chain, full=True), options.repeats)
    review.integrity(scope)
    page_on_ms = _median(first_page, options.repeats)
    verify_on_ms = _median(lambda: review.integrity(scope), options.repeats)
    served()  # the first request of a process pays for imports and template loading
    served_ms = _median(served, options.repeats)
    if not options.no_pdf:
        pdf_ms = _median(pdf, max(1, options.repeats // 2))
        csv_ms = _median(floor_csv, options.repeats)
        file_ms = _median(export_file, max(1, options.repeats // 2))
        pdf_bytes = len(
            review_exports.export_pdf("Benchmark", rows(), statement, exported_by="bench")
        )

    version = connection.cursor().connection.info.server_version
    lines = [
        f"Timeline review: {options.events:,} events on one incident "
        f"({total:,} in the whole timeline)",
        f"machine: {os.cpu_count()} CPUs; PostgreSQL {version}; events written in {written:.1f} s",
        "",
        f"{'':36}| median ms | floor                       | floor ms | ratio",
        f"{'-' * 36}+-----------+-----------------------------+----------+------",
        _row(
            "first page (100) + integrity check",
            page_ms,
            "bare query for the 100 rows",
            floor_page_ms,
        ),
        _row(
            f"integrity from checkpoint ({since.report.checked} new)",
            verify_ms,
            f"full walk ({chain_total:,} events)",
            full_ms,
        ),
        _row(
            "first page, going on from its walk",
            page_on_ms,
            "bare query for the 100 rows",
            floor_page_ms,
        ),
        _row(
            "integrity going on (0 new)",
            verify_on_ms,
            f"full walk ({chain_total:,} events)",
            full_ms,
        ),
        _row("the first page as served", served_ms, "bare query for the 100 rows", floor_page_ms),
    ]
    if not options.no_pdf:
        lines += [
            _row(
                f"full PDF export ({pdf_bytes / 1e6:.1f} MB)"
                if options.pdf_events is None
                else f"PDF of {len(rows()):,} events ({pdf_bytes / 1e6:.1f} MB)",
                pdf_ms,
                "the same rows as CSV",
                csv_ms,
            ),
            _row("the same as the export page makes it", file_ms, "the same rows as CSV", csv_ms),
        ]
    lines += [
        "",
        "The integrity check reads the events after the chain's last signed checkpoint (a ratio",
        "under 1: a fraction of the full walk), so the page's cost no longer grows with history;",
        "the rows themselves come from an index on (scope, seq), with no OFFSET.",
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
