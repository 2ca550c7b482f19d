"""How late the escalation engine turns a due duty overdue, and what its safety-net sweep costs.

A benchmark, not a test: it prints figures beside the floor each compares to, for N pending
duties (``--sizes``, default 10,000 and 100,000):

- the sweep: one ``escalation_run()`` with N pending duties and none due (median of 5), beside
  the bare query that finds due duties;
- lateness: ``--count`` duties fall due over ``--window`` seconds while the real
  ``config.scheduler.Scheduler`` runs with the settings' jobs and sweep interval; for each duty,
  how long after its due time it turned overdue, beside one direct ``duty_mark_overdue`` call;
- the same with a one-rung ladder that notifies the CSP Co-ordinator (``--rung-count`` duties);
- one working-day deadline computed over the calendar of working days, which it reads from the
  database (a year held as data, and a year still read from the holidays package), beside the
  same computation with the calendar already read.

It runs on PostgreSQL when it answers (``DATABASE_URL``, or the default below) in a database it
drops and recreates for every size, otherwise on a SQLite file under ``var/bench/``::

    .venv/bin/python -m bench.escalation_deadlines [--sizes 10000,100000]
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/coordinator_bench"
SQLITE_VAR_DIR = BASE_DIR / "var" / "bench"
FAR_FUTURE = timedelta(days=365)
# Time between starting the scheduler and the first due time: its first sweep runs at once, and
# lateness should measure the wake-ups, not a start-up.
LEAD_SECONDS = 3.0
FLOOR_REPEATS = 20
SWEEP_RUNS = 5
DEADLINE_REPEATS = 200


def _say(message: str) -> None:
    """Progress goes to stderr; stdout carries only the figures."""
    print(message, file=sys.stderr, flush=True)


# --- The database ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    postgres: bool
    url: str = ""
    name: str = ""


def _target_choose() -> Target:
    """PostgreSQL if it answers, else SQLite. Sets the environment ``django.setup()`` reads."""
    import dj_database_url
    import psycopg

    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    cfg = dj_database_url.parse(url)
    if cfg["ENGINE"].endswith("postgresql"):
        name = str(cfg["NAME"])
        if not name.endswith("bench"):
            # The benchmark drops its database. DATABASE_URL is often the one `make run` keeps,
            # so only a database named for benchmarks is ever dropped: same server, own name.
            name = f"{name}_bench"
            url = urlsplit(url)._replace(path=f"/{name}").geturl()
        try:
            psycopg.connect(**_conninfo(cfg, "postgres"), connect_timeout=3).close()
        except psycopg.Error as exc:
            _say(f"PostgreSQL did not answer ({type(exc).__name__}): running on SQLite.")
        else:
            os.environ["DATABASE_URL"] = url
            return Target(postgres=True, url=url, name=name)
    # Without DATABASE_URL the settings give SQLite its busy timeout and IMMEDIATE transactions,
    # which the scheduler's threads need; a sqlite:// URL would lose them.
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_VAR_DIR"] = str(SQLITE_VAR_DIR)
    return Target(postgres=False)


def _conninfo(cfg: Any, dbname: str) -> dict[str, Any]:
    return {
        "host": cfg.get("HOST") or None,
        "port": cfg.get("PORT") or None,
        "user": cfg.get("USER") or None,
        "password": cfg.get("PASSWORD") or None,
        "dbname": dbname,
    }


def _database_reset(target: Target) -> None:
    """An empty, migrated database, so every size starts from the same place."""
    import dj_database_url
    import psycopg
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import connections
    from psycopg import sql

    connections.close_all()
    if target.postgres:
        cfg = dj_database_url.parse(target.url)
        with psycopg.connect(**_conninfo(cfg, "postgres"), autocommit=True) as admin:
            # FORCE: a scheduler worker thread of the previous size may still hold a connection.
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(target.name)
                )
            )
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target.name)))
    else:
        path = Path(settings.DATABASES["default"]["NAME"])
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    ContentType.objects.clear_cache()


def _vendor() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


# --- Setting up N pending duties ------------------------------------------------------------------
@dataclass
class Seeded:
    template: Any  # a real pending Duty of a real declared incident
    pool: list[int]  # ids of bench duties due far in the future, in random order
    pending: int
    seconds: float


def _duty_copy(template: Any, *, code: str, due_at: datetime, ladder: list[Any]) -> Any:
    from escalation.models import Duty

    return Duty(
        incident_id=template.incident_id,
        order=template.order,
        step_code=code,  # unique per incident (one_duty_per_step), so one incident holds them all
        description=template.description,
        owner_role=template.owner_role,
        informs=template.informs,
        waits_for=[],
        completion=template.completion,
        ladder=ladder,
        due_at=due_at,
        due_explanation="Benchmark duty",
    )


def _seed(n: int, rng: random.Random) -> Seeded:
    from django.db import connection
    from django.test.utils import override_settings
    from django.utils import timezone

    from escalation.models import Duty, DutyState
    from escalation.services import incident_determine, incident_report
    from partnership.demo import demo_load
    from partnership.models import Area, Member

    started = time.perf_counter()
    # Fifteen PBKDF2 hashes would cost seconds and measure nothing.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        demo_load()
    officer = Member.objects.get(username="officer")
    incident = incident_report(
        reporter=officer,
        title="Benchmark incident",
        description="Duties for the escalation deadlines benchmark.",
        occurred_at=timezone.now() - timedelta(hours=1),
        area=Area.objects.order_by("pk")[0],
        strands=["race"],
        tension_level="elevated",
    )
    incident_determine(
        officer=officer, incident_id=incident.pk, is_major=True, rationale="Benchmark."
    )
    template = (
        Duty.objects.filter(incident=incident, state=DutyState.PENDING).order_by("order").first()
    )
    assert template is not None
    real = Duty.objects.filter(state=DutyState.PENDING).count()
    far = timezone.now() + FAR_FUTURE
    Duty.objects.bulk_create(
        (
            _duty_copy(template, code=f"bench-{i}", due_at=far + timedelta(seconds=i), ladder=[])
            for i in range(max(n - real, 0))
        ),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        # Autovacuum would get to a table this size within a minute, in the middle of the
        # lateness run: do its work now and measure the steady state.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    pool = list(Duty.objects.filter(step_code__startswith="bench-").values_list("pk", flat=True))
    rng.shuffle(pool)
    return Seeded(
        template=template,
        pool=pool,
        pending=Duty.objects.filter(state=DutyState.PENDING).count(),
        seconds=time.perf_counter() - started,
    )


# --- Measurements ---------------------------------------------------------------------------------
def _timed_ms(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


@dataclass
class Sweep:
    times_ms: list[float]
    queries: int


def _sweep_measure() -> Sweep:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from escalation.jobs import escalation_run

    escalation_run()  # warm-up: connection, prepared plans
    times = [_timed_ms(escalation_run) for _ in range(SWEEP_RUNS)]
    with CaptureQueriesContext(connection) as queries:
        escalation_run()
    return Sweep(times_ms=times, queries=len(queries))


def _due_query_ms() -> float:
    from django.utils import timezone

    from escalation.models import Duty

    def query() -> None:
        list(
            Duty.objects.filter(state="pending", due_at__lte=timezone.now()).values_list("pk")[:500]
        )

    query()
    return statistics.median(_timed_ms(query) for _ in range(FLOOR_REPEATS))


def _mark_overdue_ms(seeded: Seeded, *, ladder: list[Any], tag: str) -> float:
    """One direct ``duty_mark_overdue`` on a duty already due, nothing else running."""
    from django.utils import timezone

    from escalation.models import Duty
    from escalation.services import duty_mark_overdue
    from notifications.dispatch import senders_wait

    past = timezone.now() - timedelta(seconds=1)
    duties = Duty.objects.bulk_create(
        _duty_copy(seeded.template, code=f"floor-{tag}-{i}", due_at=past, ladder=ladder)
        for i in range(FLOOR_REPEATS + 1)
    )
    times = []
    for duty in duties:
        started = time.perf_counter()
        assert duty_mark_overdue(duty_id=duty.pk)
        times.append((time.perf_counter() - started) * 1000)
        # Deliveries leave on commit in sender threads: let them finish outside the timing, so
        # they neither count towards the floor nor slow the next call.
        senders_wait()
    return statistics.median(times[1:])  # the first pays for warming up


class JobLog(logging.Handler):
    """Counts what APScheduler did with the escalation job (runs, and runs it skipped or found
    missed) and how often the other registered jobs ran beside it."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.reset()

    def reset(self) -> None:
        self.sweeps = self.wakes = self.others = self.missed = self.failed = 0
        self.skipped: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = str(record.msg)
        job = record.args[0] if isinstance(record.args, tuple) and record.args else None
        job_id = str(getattr(job, "id", ""))
        if message.startswith("Running job"):
            if not job_id.startswith("escalation."):
                self.others += 1
            elif job_id.endswith(".sweep"):
                self.sweeps += 1
            else:
                self.wakes += 1
        elif "maximum number of running instances" in message:
            self.skipped.append(job_id)
        elif "was missed by" in message:
            self.missed += 1
        elif record.levelno >= logging.ERROR:
            self.failed += 1

    def install(self) -> None:
        aps = logging.getLogger("apscheduler")
        aps.setLevel(logging.INFO)
        aps.propagate = False  # counted here, reported in the table
        aps.addHandler(self)
        ours = logging.getLogger("config.scheduler")
        ours.setLevel(logging.ERROR)  # standing down is what the benchmark asks of it
        ours.addHandler(self)  # scheduler.job_failed

    def describe(self) -> str:
        return (
            f"escalation ran {self.wakes} wake-ups, {self.sweeps} sweeps; other jobs ran "
            f"{self.others} times; skipped (max instances): {', '.join(self.skipped) or 'none'}; "
            f"{self.missed} missed, {self.failed} failed"
        )


def _wait_for_scheduler_threads(timeout: float = 30) -> None:
    from notifications.dispatch import senders_wait

    # shutdown(wait=False) leaves a running job to finish in its worker thread, and deliveries
    # handed to the senders on commit may still be going.
    ends = time.monotonic() + timeout
    while time.monotonic() < ends and any(
        t.is_alive() and t.name.startswith(("APScheduler", "ThreadPoolExecutor", "scheduler"))
        for t in threading.enumerate()
    ):
        time.sleep(0.05)
    senders_wait(timeout=max(ends - time.monotonic(), 1))


@dataclass
class DeadlineCost:
    held_ms: list[float]  # the year held as data: one query per call
    package_ms: list[float]  # a year not yet held: the query finds nothing, the package answers
    floor_ms: float  # the same computation with the calendar already read
    queries: int


def _deadline_measure() -> DeadlineCost:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from escalation.deadlines import LONDON, deadline_compute
    from partnership.calendar.selectors import BankHolidays, package_days
    from partnership.calendar.services import calendar_import
    from partnership.models import Division

    year = timezone.localdate().year
    # The package's days imported as GOV.UK's list: the year is then held as data.
    calendar_import(
        actor=None,
        data={
            division.value: {
                "division": division.value,
                "events": [
                    {"title": d.title, "date": d.date.isoformat(), "notes": d.notes}
                    for d in package_days(division, year)
                ],
            }
            for division in Division
        },
        source="benchmark",
    )
    held = datetime(year, 12, 24, 15, 0, tzinfo=LONDON)  # over Christmas in Scotland
    unheld = held.replace(year=year + 3)

    def compute(start: datetime, bank_holidays: Any = None) -> None:
        deadline_compute(
            start=start, kind="working_days", amount=1, nation="SCT", bank_holidays=bank_holidays
        )

    compute(held)
    compute(unheld)
    held_ms = [_timed_ms(lambda: compute(held)) for _ in range(DEADLINE_REPEATS)]
    package_ms = [_timed_ms(lambda: compute(unheld)) for _ in range(DEADLINE_REPEATS)]
    read = BankHolidays()
    compute(held, read)
    floor = statistics.median(
        _timed_ms(lambda: compute(held, read)) for _ in range(DEADLINE_REPEATS)
    )
    with CaptureQueriesContext(connection) as queries:
        compute(held)
    return DeadlineCost(
        held_ms=held_ms, package_ms=package_ms, floor_ms=floor, queries=len(queries)
    )


@dataclass
class Lateness:
    count: int
    window_s: float
    turned: int = 0
    overdue_at_ms: list[float] = field(default_factory=list)  # overdue_at - due_at
    audited_ms: list[float] = field(default_factory=list)  # duty.overdue event time - due_at
    notified_ms: list[float] = field(default_factory=list)  # rung notification time - due_at
    jobs: str = ""
    connections: int = 0  # the most connections to the benchmark's database seen meanwhile
    wall_s: float = 0.0


def _lateness_measure(
    seeded: Seeded,
    *,
    count: int,
    window_s: float,
    ladder: list[Any],
    timeout_s: float,
    job_log: JobLog,
) -> Lateness:
    from django.utils import timezone

    from config.scheduler import Scheduler
    from escalation.models import Duty, DutyState
    from notifications.models import Notification
    from partnership.models import AuditEvent

    ids, seeded.pool = seeded.pool[:count], seeded.pool[count:]
    first = timezone.now() + timedelta(seconds=LEAD_SECONDS)
    spacing = timedelta(seconds=window_s / count)
    Duty.objects.bulk_update(
        [
            Duty(pk=pk, due_at=first + spacing * i, ladder=ladder)
            for i, pk in enumerate(ids)  # random ids: due order is not id order
        ],
        ["due_at", "ladder"],
        batch_size=500,
    )
    result = Lateness(count=count, window_s=window_s)
    job_log.reset()
    started = time.monotonic()
    scheduler = Scheduler()  # the settings' jobs, sweep interval and leader poll
    scheduler.start()
    gives_up = started + LEAD_SECONDS + window_s + timeout_s
    try:
        while Duty.objects.filter(pk__in=ids, state=DutyState.PENDING).exists():
            result.connections = max(result.connections, _connections())
            if time.monotonic() > gives_up:
                _say(f"  gave up waiting after {time.monotonic() - started:.0f} s")
                break
            time.sleep(0.2)
    finally:
        scheduler.stop()
        _wait_for_scheduler_threads()
    result.wall_s = time.monotonic() - started
    result.jobs = job_log.describe()

    due: dict[str, datetime] = {}
    for pk, due_at, overdue_at in Duty.objects.filter(
        pk__in=ids, overdue_at__isnull=False
    ).values_list("pk", "due_at", "overdue_at"):
        assert overdue_at is not None
        due[str(pk)] = due_at
        result.overdue_at_ms.append(_ms(overdue_at - due_at))
    result.turned = len(due)
    for subject_id, at in AuditEvent.objects.filter(
        verb="duty.overdue", subject_type="escalation.duty", subject_id__in=list(due)
    ).values_list("subject_id", "occurred_at"):
        result.audited_ms.append(_ms(at - due[subject_id]))
    if ladder:
        for subject_id, at in Notification.objects.filter(
            subject_type="escalation.duty",
            subject_id__in=list(due),
            idempotency_key__contains=":rung:0:",
        ).values_list("subject_id", "created_at"):
            result.notified_ms.append(_ms(at - due[subject_id]))
    return result


def _connections() -> int:
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


def _ms(delta: timedelta) -> float:
    return delta.total_seconds() * 1000


# --- Report ---------------------------------------------------------------------------------------
def _fmt(ms: float) -> str:
    if ms >= 1000:
        return f"{ms / 1000:.2f} s"
    if ms >= 100:
        return f"{ms:.0f} ms"
    return f"{ms:.2f} ms"


def _p99(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(0.99 * len(ordered)) - 1, 0)]


HEADINGS = ("", "median", "p99", "max", "floor", "the floor is")
NOTES = """\
overdue_at is the clock escalation_run() read as it started, shared by every duty that run handled,
so it can sit below the floor; the audit event is written inside each duty's own transaction, so
"audit event - due_at" is the truer lateness. The floor is the work one duty needs once it is due:
lateness near it means the scheduler woke on time."""


@dataclass
class Report:
    lines: list[str | tuple[str, ...]] = field(default_factory=list)

    def section(self, text: str) -> None:
        self.lines.append(text)

    def row(self, figure: str, values: Sequence[float], floor_ms: float, floor_is: str) -> None:
        if not values:
            self.lines.append(f"  {figure}: none")
            return
        p99 = _fmt(_p99(values)) if len(values) >= 100 else ""
        self.lines.append(
            (
                f"  {figure}",
                _fmt(statistics.median(values)),
                p99,
                _fmt(max(values)),
                _fmt(floor_ms),
                floor_is,
            )
        )

    def print(self, title: str) -> None:
        rows = [line for line in self.lines if isinstance(line, tuple)]
        widths = [max(len(r[i]) for r in [HEADINGS, *rows]) for i in range(len(HEADINGS))]
        rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
        print(f"\n{title}\n{rule}")
        for line in [HEADINGS, *self.lines]:
            if isinstance(line, str):
                print(line)
                continue
            cells = [f"{line[0]:<{widths[0]}}"]
            cells += [f"{cell:>{widths[i]}}" for i, cell in enumerate(line[1:-1], 1)]
            print("  ".join([*cells, line[-1]]).rstrip())
        print(f"{rule}\n{NOTES}", flush=True)


def _run_size(n: int, target: Target, options: argparse.Namespace, job_log: JobLog) -> None:
    from django.conf import settings

    from config.scheduler import registered_jobs
    from partnership.models import Role

    _say(f"N = {n:,}: fresh database, demo partnership, {n:,} pending duties …")
    _database_reset(target)
    seeded = _seed(n, random.Random(n))
    needed = options.count + options.rung_count
    if len(seeded.pool) < needed:
        raise SystemExit(f"N = {n:,} is too small: the lateness runs need {needed:,} duties.")
    _say(f"  set up in {seeded.seconds:.1f} s; measuring the sweep and the floors …")

    sweep = _sweep_measure()
    due_query = _due_query_ms()
    rung_ladder = [{"after_seconds": 0, "to": f"role:{Role.CSP_COORDINATOR.value}"}]
    mark = _mark_overdue_ms(seeded, ladder=[], tag="plain")
    mark_rung = _mark_overdue_ms(seeded, ladder=rung_ladder, tag="rung")
    deadline = _deadline_measure()

    _say(f"  lateness: {options.count:,} duties due over {options.window:g} s …")
    plain = _lateness_measure(
        seeded,
        count=options.count,
        window_s=options.window,
        ladder=[],
        timeout_s=options.timeout,
        job_log=job_log,
    )
    # Over the same window, not at the same rate: a rung costs several times a bare mark, and
    # this measures how late the engine wakes, not how many duties a second it can take.
    rung_window = options.window
    _say(f"  lateness with a rung: {options.rung_count:,} duties due over {rung_window:g} s …")
    rung = _lateness_measure(
        seeded,
        count=options.rung_count,
        window_s=rung_window,
        ladder=rung_ladder,
        timeout_s=options.timeout,
        job_log=job_log,
    )

    report = Report()
    report.section(f"Sweep: {seeded.pending:,} pending duties, none due")
    report.row(
        f"escalation_run(), median of {SWEEP_RUNS} ({sweep.queries} queries)",
        sweep.times_ms,
        due_query,
        f"bare due-duties query, median of {FLOOR_REPEATS}",
    )
    report.section("Deadlines over the calendar: 1 working day from 24 Dec, Scotland")
    for figure, values in (
        (f"deadline_compute(), year held as data ({deadline.queries} query)", deadline.held_ms),
        ("deadline_compute(), year still the package's", deadline.package_ms),
    ):
        report.row(
            figure,
            values,
            deadline.floor_ms,
            f"the same, calendar already read, median of {DEADLINE_REPEATS}",
        )
    for title, run, floor_ms, floor_is in (
        ("empty ladder", plain, mark, "duty_mark_overdue(), one duty, direct"),
        ("one-rung ladder + notification", rung, mark_rung, "the same, with that rung"),
    ):
        report.section(
            f"Lateness, {title}: {run.turned:,} of {run.count:,} overdue "
            f"(due over {run.window_s:g} s, all done {run.wall_s:.1f} s after start)"
        )
        report.row("overdue_at - due_at", run.overdue_at_ms, floor_ms, floor_is)
        report.row("audit event - due_at", run.audited_ms, floor_ms, floor_is)
        if run is rung:
            report.row("notification - due_at", run.notified_ms, floor_ms, floor_is)
        report.section(f"  scheduler: {run.jobs}")
        if run.connections:
            report.section(f"  database connections, most at once: {run.connections}")
    jobs = ", ".join(job.name for job in registered_jobs())
    report.print(
        f"Escalation deadlines: N = {seeded.pending:,} pending duties, {_vendor()}, "
        f"set up in {seeded.seconds:.1f} s\nScheduler jobs: {jobs}; sweep every "
        f"{settings.SCHEDULER_SWEEP_SECONDS:g} s"
    )


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("sizes are whole numbers: 10000,100000") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("give at least one size above zero")
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.escalation_deadlines", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--sizes", type=_sizes, default=_sizes("10000,100000"))
    parser.add_argument("--count", type=int, default=1000, help="duties in the lateness window")
    parser.add_argument("--window", type=float, default=20.0, help="seconds they fall due over")
    parser.add_argument("--rung-count", type=int, default=200, help="duties with a one-rung ladder")
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds to wait after the window ends"
    )
    options = parser.parse_args(argv)

    target = _target_choose()
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # JSON log lines would bury the figures
    import django

    django.setup()
    from django.conf import settings

    # Deliveries run beside the escalation job; the console backend would print every email
    # into the figures.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    job_log = JobLog()
    job_log.install()
    started = time.monotonic()
    for n in options.sizes:
        _run_size(n, target, options, job_log)
    _say(f"Done in {time.monotonic() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
