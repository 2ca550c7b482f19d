"""The six-monthly report: figures that match a hand-built history (several counts, conferences
held against arranged, each beside the previous period), produced by itself once per period
however many schedulers run, on demand for a chosen period, and its PDF and CSV read back."""

from __future__ import annotations

import csv
import io
import json
import re
import threading
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from casework import services as casework_services
from casework.models import Case, CaseTask
from conference import services as conference_services
from conference.models import Action, Referral, RepeatFlag
from escalation.deadlines import LONDON
from notifications.models import Notification
from partnership.auth import token_issue
from partnership.models import Area, Member, Role
from partnership.selectors import members_active
from review.jobs import six_monthly_run
from review.models import ReportingSettings, SixMonthlyReport
from review.services.six_monthly import last_ended_period
from review.six_monthly import figure, half_year_of, previous_period, six_monthly_figures
from tests import factories


def _at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON)


def _api(member: Member) -> Client:
    return Client(headers={"Authorization": f"Token {token_issue(member=member).key}"})


def test_half_years_follow_the_partnership_s_own_start() -> None:
    assert half_year_of(date(2026, 3, 4)).label() == "01 Jan 2026 to 30 Jun 2026"
    assert half_year_of(date(2026, 11, 30)).label() == "01 Jul 2026 to 31 Dec 2026"
    april = half_year_of(date(2026, 2, 1), first_month=4)
    assert (april.start, april.end) == (date(2025, 10, 1), date(2026, 3, 31))
    assert previous_period(half_year_of(date(2026, 3, 4))).label() == "01 Jul 2025 to 31 Dec 2025"
    assert last_ended_period(date(2026, 7, 1), 1).label() == "01 Jan 2026 to 30 Jun 2026"


@pytest.mark.django_db
def test_the_figures_match_a_hand_built_history(demo: dict[str, Member]) -> None:
    this = last_ended_period(timezone.localdate(), 1)
    before = previous_period(this)
    woughton = Area.objects.get(name="Woughton")
    # This period: three incidents, one declared major; a victim of two of them.
    major = factories.incident_declared(
        at=_at(this.start + timedelta(days=10)), strands=("race", "religion"), tension_level="high"
    )
    calm = factories.incident(
        occurred_at=_at(this.start + timedelta(days=40)),
        strands=("religion",),
        area=woughton,
        tension_level="low",
    )
    tense = factories.incident(
        occurred_at=_at(this.start + timedelta(days=70)),
        strands=("disability",),
        tension_level="critical",
    )
    repeat, once = factories.person(), factories.person()
    for incident, person in ((major, repeat), (calm, repeat), (tense, once)):
        conference_services.incident_person_link(
            actor=demo["coordinator"], incident=incident, person=person
        )
    referral = factories.referral(person=repeat)
    Referral.objects.filter(pk=referral.pk).update(created_at=_at(this.start + timedelta(days=41)))
    held = factories.conference(
        cases=[referral],
        invite=[demo["panel-housing"]],
        present=[demo["panel-housing"]],
        open_it=True,
        starts_at=_at(this.start + timedelta(days=45)),
    )
    item = held.agenda.get()
    conference_services.room_agree_risk(
        actor=demo["chair"], conference_id=held.pk, item_id=item.pk, level="high"
    )
    on_time = factories.action(conference=held, item=item, description="Door camera.")
    forgotten = factories.action(conference=held, item=item, description="Letterbox.")
    conference_services.action_complete(
        actor=demo["panel-housing"], action_id=on_time.pk, outcome="Fitted."
    )
    conference_services.conference_conclude(actor=demo["chair"], conference_id=held.pk)
    due = _at(this.start + timedelta(days=60))
    Action.objects.filter(pk__in=[on_time.pk, forgotten.pk]).update(due_at=due)
    Action.objects.filter(pk=on_time.pk).update(completed_at=due - timedelta(days=1))
    factories.conference(title="Never met", starts_at=_at(this.start + timedelta(days=100)))
    # The casework group met and a strategy group was arranged: neither is a risk conference.
    casework_group = factories.conference(
        kind="casework",
        title="Casework group",
        open_it=True,
        starts_at=_at(this.start + timedelta(days=50)),
    )
    conference_services.conference_conclude(actor=demo["chair"], conference_id=casework_group.pk)
    factories.conference(
        kind="strategy", title="Strategy group", starts_at=_at(this.start + timedelta(days=90))
    )
    # Perpetrators: one in two of the period's incidents (a repeat perpetrator, flagged during
    # the period), one in one; the same flag raised in the period before is not this period's.
    twice, single = factories.person(full_name="Twice Over"), factories.person(full_name="Single")
    for incident, person in ((major, twice), (tense, twice), (calm, single)):
        conference_services.incident_person_link(
            actor=demo["coordinator"], incident=incident, person=person, involvement="perpetrator"
        )
    flag = RepeatFlag.objects.get(person=twice, kind="repeat_perpetrator")
    RepeatFlag.objects.filter(pk=flag.pk).update(raised_at=_at(this.start + timedelta(days=71)))
    # Casework: two cases opened in the period. The first's contact was on time and its visit
    # late; the second's contact is still not done and late, its visit still in time.
    first = casework_services.case_open(actor=demo["coordinator"], incident_id=calm.pk)
    second = casework_services.case_open(actor=demo["coordinator"], incident_id=tense.pk)
    Case.objects.filter(pk=first.pk).update(opened_at=_at(this.start + timedelta(days=40), 13))
    Case.objects.filter(pk=second.pk).update(opened_at=_at(this.start + timedelta(days=70), 13))
    opened = _at(this.start + timedelta(days=40), 13)
    _task(first, "contact", due=opened + timedelta(days=1), done=opened + timedelta(hours=5))
    _task(first, "visit", due=opened + timedelta(days=5), done=opened + timedelta(days=8))
    _task(second, "contact", due=timezone.now() - timedelta(days=1), done=None)
    _task(second, "visit", due=timezone.now() + timedelta(days=2), done=None)
    # The period before: one incident, and a conference arranged that never met.
    earlier = factories.incident(
        occurred_at=_at(before.start + timedelta(days=20)), strands=("race",)
    )
    earlier_case = casework_services.case_open(actor=demo["coordinator"], incident_id=earlier.pk)
    Case.objects.filter(pk=earlier_case.pk).update(opened_at=_at(before.start + timedelta(days=21)))
    back_then = _at(before.start + timedelta(days=21))
    _task(earlier_case, "contact", due=back_then + timedelta(days=1), done=back_then)
    CaseTask.objects.filter(case=earlier_case, kind="visit").update(
        state="cancelled", due_at=back_then + timedelta(days=5)
    )
    factories.conference(title="Also never met", starts_at=_at(before.start + timedelta(days=30)))
    # Something after the period counts in neither.
    factories.incident(occurred_at=timezone.now() - timedelta(minutes=5), strands=("race",))

    figures = six_monthly_figures(factories.partnership(), this)
    expected = {
        ("incidents", "recorded"): (3, 1),
        ("incidents", "declared major"): (1, 0),
        ("incidents", "not declared major"): (2, 1),
        ("by_strand", "Race"): (1, 1),
        ("by_strand", "Religion or faith"): (2, 0),
        ("by_strand", "Disability"): (1, 0),
        ("by_area", "Bletchley"): (2, 1),
        ("by_area", "Woughton"): (1, 0),
        ("by_month", "month 1"): (1, 1),
        ("by_month", "month 2"): (1, 0),
        ("by_month", "month 4"): (0, 0),
        ("high_tension_by_month", "month 1"): (1, 1),
        ("high_tension_by_month", "month 2"): (0, 0),
        ("high_tension_by_month", "month 3"): (1, 0),
        ("victims", "victims"): (2, 0),
        ("victims", "repeat victims"): (1, 0),
        ("perpetrators", "perpetrators or suspects"): (2, 0),
        ("perpetrators", "in two or more incidents of the period"): (1, 0),
        ("perpetrators", "repeat-perpetrator flags raised"): (1, 0),
        ("casework", "cases opened"): (2, 1),
        ("casework", "First contact with the victim: done on time"): (1, 1),
        ("casework", "First contact with the victim: not yet done, late"): (1, 0),
        ("casework", "First contact with the victim: done late"): (0, 0),
        ("casework", "Visit to the victim: done late"): (1, 0),
        ("casework", "Visit to the victim: not yet done, still in time"): (1, 0),
        ("casework", "Visit to the victim: cancelled when the case closed"): (0, 1),
        ("casework", "Follow-up with the victim after the visit: done on time"): (0, 0),
        ("referrals", "referrals"): (1, 0),
        ("agreed_risk", "High"): (1, 0),
        ("agreed_risk", "Medium"): (0, 0),
        ("conferences", "arranged"): (2, 1),
        ("conferences", "held"): (1, 0),
        ("conferences", "arranged, not held"): (1, 1),
        ("actions", "due"): (2, 0),
        ("actions", "done on time"): (1, 0),
        ("actions", "not done"): (1, 0),
        ("agencies", "Thames Valley Police: incidents reported"): (3, 1),
        ("agencies", "Milton Keynes Housing: actions owned"): (2, 0),
        ("agencies", "Milton Keynes Housing: present at conferences held"): (1, 0),
    }
    got = {key: figure(figures, *key) for key in expected}
    assert got == expected
    # Compliance per step counts the one incident declared in the period (none before): each
    # step once, as met, missed, waived or still open.
    step = "Refer the incident to the Community and Race Relations Officer"
    outcomes = [
        figure(figures, "compliance", f"{step}: {o}") for o in ("met", "missed", "waived", "open")
    ]
    assert sum(now for now, _ in outcomes) == 1
    assert sum(earlier for _, earlier in outcomes) == 0
    assert figures["period"]["start"] == this.start.isoformat()
    assert figures["previous"]["end"] == before.end.isoformat()


def _task(case: Case, kind: str, *, due: datetime, done: datetime | None) -> None:
    """A step of victim contact as history left it: due then, and done then (or still open)."""
    CaseTask.objects.filter(case=case, kind=kind).update(
        due_at=due, done_at=done, state="done" if done else "pending"
    )


def _report(member: Member, start: date, end: date) -> Any:
    return _api(member).post(
        "/api/reports/six-monthly/",
        data=json.dumps({"start": start.isoformat(), "end": end.isoformat()}),
        content_type="application/json",
    )


@pytest.mark.django_db
def test_on_demand_it_is_stored_circulated_and_read_back_as_pdf_and_csv(
    demo: dict[str, Member],
) -> None:
    this = last_ended_period(timezone.localdate(), 1)
    factories.incident(occurred_at=_at(this.start + timedelta(days=3)), strands=("race",))
    assert _report(demo["gold"], this.start, this.end).status_code == 403
    response = _report(demo["coordinator"], this.start, this.end)
    assert response.status_code == 201, response.content
    data = response.json()
    row = next(r for r in data["rows"] if (r["section"], r["item"]) == ("incidents", "recorded"))
    assert (row["value"], row["previous"]) == (1, 0)
    report = SixMonthlyReport.objects.get(pk=data["id"])
    members = members_active(factories.partnership()).filter(agency__isnull=False)
    told = Notification.objects.filter(
        subject_type="review.sixmonthlyreport", subject_id=str(report.pk)
    )
    assert told.count() == members.count()

    pdf = _api(demo["member"]).get(f"/api/reports/six-monthly/{report.pk}/pdf/").content
    reader = PdfReader(io.BytesIO(pdf))
    pages = len(reader.pages)
    assert pages >= 2
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert text.count("OFFICIAL-SENSITIVE") >= 2
        assert f"Page {number} of {pages}" in text
    whole = "\n".join(page.extract_text() for page in reader.pages)
    assert "Risk conferences" in whole
    assert "arranged, not held" in whole
    # When it was produced, in UK local time and words, not an ISO stamp.
    produced = timezone.localtime(report.produced_at)
    assert f"Produced {produced:%A} {produced.day} {produced:%B %Y at %H:%M}" in " ".join(
        whole.split()
    )
    assert not re.search(r"\d{4}-\d{2}-\d{2}", whole)

    body = _api(demo["member"]).get(f"/api/reports/six-monthly/{report.pk}/csv/").content
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert rows[0] == ["section", "item", this.label(), previous_period(this).label()]
    assert ["Incidents", "recorded", "1", "0"] in rows
    assert len(rows) - 1 == len(data["rows"])
    # Bad dates are a 400 that changes nothing.
    bad = _report(demo["coordinator"], this.end, this.start)
    assert bad.status_code == 400
    assert SixMonthlyReport.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_scheduled_report_is_produced_once_per_period_with_two_schedulers(
    demo: dict[str, Member],
) -> None:
    partnership = factories.partnership()
    ended = last_ended_period(timezone.localdate(), 1)
    ReportingSettings.objects.create(partnership=partnership, reports_from=ended.start)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def scheduler() -> None:
        try:
            barrier.wait(timeout=10)
            six_monthly_run()
        except BaseException as error:  # reported by the test below
            errors.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    six_monthly_run()  # and a late third run
    reports = SixMonthlyReport.objects.filter(partnership=partnership, trigger="scheduled")
    assert [(r.period_start, r.period_end) for r in reports] == [(ended.start, ended.end)]
    members = members_active(partnership).filter(agency__isnull=False).count()
    told = Notification.objects.filter(
        subject_type="review.sixmonthlyreport", subject_id=str(reports.get().pk)
    )
    assert told.count() == members
    assert told.values("recipient").distinct().count() == members


@pytest.mark.django_db
def test_a_period_ended_before_the_partnership_was_reported_on_is_not_produced(
    demo: dict[str, Member],
) -> None:
    # The first run sees the partnership today: the half-year that already ended is not its.
    six_monthly_run()
    assert not SixMonthlyReport.objects.exists()
    settings = ReportingSettings.objects.get(partnership=factories.partnership())
    assert settings.reports_from == timezone.localdate()
    # When the current half-year has ended, the next run produces it.
    current = half_year_of(timezone.localdate())
    after = _at(current.end + timedelta(days=1), hour=1)
    six_monthly_run(after)
    produced = SixMonthlyReport.objects.get(partnership=factories.partnership())
    assert (produced.period_start, produced.period_end) == (current.start, current.end)
    six_monthly_run(after + timedelta(hours=1))
    assert SixMonthlyReport.objects.count() == 1


@pytest.mark.django_db
def test_who_may_read_the_reports(demo: dict[str, Member], client_for: Any) -> None:
    this = last_ended_period(timezone.localdate(), 1)
    report = _report(demo["coordinator"], this.start, this.end).json()
    page = client_for("panel-health")
    assert page.get(f"/reports/six-monthly/{report['id']}/").status_code == 200
    assert page.get("/reports/six-monthly/").status_code == 200
    assert "Produce a report now" not in page.get("/reports/six-monthly/").content.decode()
    assert (
        "Produce a report now"
        in client_for("coordinator").get("/reports/six-monthly/").content.decode()
    )
    # Nothing of another partnership: its member is told it does not exist.
    elsewhere_partnership = factories.partnership_new(
        name="Elsewhere Partnership", slug="elsewhere"
    )
    elsewhere = Client()
    elsewhere.force_login(
        factories.member(
            username="elsewhere",
            agency=factories.agency_new(
                kind="council", name="Elsewhere Council", within=elsewhere_partnership
            ),
            roles=[Role.CSP_COORDINATOR],
            within=elsewhere_partnership,
        )
    )
    assert elsewhere.get(f"/reports/six-monthly/{report['id']}/").status_code == 404
    assert elsewhere.get(f"/reports/six-monthly/{report['id']}.pdf").status_code == 404
