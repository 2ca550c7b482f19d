"""Messages in the reader's voice (issue 14): every message says what happened and what, if
anything, is asked of the reader and by when, on every channel (banner and inbox: title and body;
email: subject and body; text message: 160 characters where possible). No raw codes."""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings

from escalation.jobs import escalation_run
from notifications.jobs import ladders_run
from notifications.links import scope_url
from notifications.models import Notification
from notifications.wording import SMS_LIMIT, sms_text
from partnership.models import Member
from tests import factories

# What a person must never read: step codes, audience codes, "REMINDER:"/"OVERDUE" shouting.
RAW = re.compile(
    r"(refer-to-crro|inform-rec|inform-csp|notify-chief|role:|member:|agency:|deputy:"
    r"|REMINDER|OVERDUE|NOT ACKNOWLEDGED|\d{4}-\d{2}-\d{2}T)"
)


def _to(username: str, **match: object) -> list[Notification]:
    return list(Notification.objects.filter(recipient__username=username, **match).order_by("pk"))


def _readable(n: Notification) -> None:
    assert not RAW.search(n.title), n.title
    assert not RAW.search(n.body), n.body
    text = sms_text(n, settings.SITE_URL + scope_url(n.scope))
    assert len(text) <= SMS_LIMIT, text
    assert text.endswith(scope_url(n.scope))
    if "Please" in n.title:
        # The ask survives in the text message, whatever was cut.
        ask = n.title[n.title.rindex("Please") :]
        assert ask in text, (ask, text)


def test_the_racial_equality_council_hears_the_news_not_the_senders_task(
    demo: dict[str, Member],
) -> None:
    incident = factories.incident_declared()
    factories.duty_done(
        incident, "inform-rec", by=demo["crro"], message="Disorder outside the mosque."
    )
    (told,) = _to(
        "rec", idempotency_key__startswith=f"duty:{factories.duty(incident, 'inform-rec').pk}:"
    )
    assert told.title.startswith(f"Major incident in {incident.area} declared ")
    assert told.title.endswith(
        ": the Community and Race Relations Officer is telling you about it. "
        "Please acknowledge within 15 minutes."
    )
    assert "Ravi Chandra, the Community and Race Relations Officer, Thames Valley Police," in (
        told.body
    )
    assert "Disorder outside the mosque." in told.body
    assert "Please acknowledge that you have read this within 15 minutes." in told.body
    _readable(told)


def test_the_crro_is_told_which_steps_are_theirs_and_by_when(demo: dict[str, Member]) -> None:
    incident = factories.incident_declared()
    (referral,) = _to("crro", scope=f"incident:{incident.pk}")
    assert referral.title.endswith(": three protocol steps are yours now. Please acknowledge.")
    for step in ("inform-rec", "inform-csp-coordinator", "tell-safeguarding-steps"):
        assert f"- {factories.duty(incident, step).description}, by " in referral.body
    assert "the protocol asks you to inform the racial equality council immediately" in (
        referral.body.lower()
    )
    _readable(referral)
    (notice,) = _to("coordinator", scope=f"incident:{incident.pk}")
    assert notice.title.endswith(
        f"({incident.reference}): for your information. Please acknowledge within 15 minutes."
    )
    _readable(notice)


def test_reminders_and_chases_say_what_is_asked(demo: dict[str, Member]) -> None:
    incident = factories.incident_declared()
    (referral,) = _to("crro", scope=f"incident:{incident.pk}")
    ladders_run(referral.created_at + timedelta(minutes=31))
    (reminder,) = _to("crro", escalation_of=referral.pk)
    assert reminder.title.startswith("Still waiting for you to acknowledge: ")
    _readable(reminder)
    (chase,) = _to("ppc", escalation_of=referral.pk)  # the CRRO's deputy
    assert chase.title == (
        "Ravi Chandra (Thames Valley Police) has not acknowledged a message after 31 minutes. "
        "Please make sure they have it."
    )
    _readable(chase)


def test_an_overdue_step_and_a_situation_report_speak_to_their_reader(
    demo: dict[str, Member],
) -> None:
    incident = factories.incident_declared()
    due = factories.duty(incident, "inform-rec").due_at
    escalation_run(due + timedelta(minutes=1))
    (overdue,) = _to("crro", idempotency_key__regex=r"^duty:[0-9]+:rung:")
    assert overdue.title == f"{incident.reference}: 3 protocol steps are overdue"
    assert "It is yours: please do it now." in overdue.body
    _readable(overdue)
    factories.situation_report(incident=incident, message="Two arrests.")
    (update,) = _to("crro", subject_type="escalation.situationreport")
    assert update.title.startswith(f"Update on the major incident in {incident.area}")
    assert update.title.endswith("Please acknowledge and reply.")
    assert "confirm it is accurate, correct it, or answer" in update.body
    _readable(update)


def test_a_text_message_keeps_the_ask_and_the_link_when_the_news_is_long() -> None:
    long = Notification(
        title="Major incident in " + "A very long area name " * 8 + "declared 14:02: "
        "the CRRO is telling you about it. Please acknowledge within 15 minutes.",
        scope="incident:1",
    )
    text = sms_text(long, "https://coordinator.example/incidents/1/")
    assert len(text) <= SMS_LIMIT
    assert text.endswith(
        "… Please acknowledge within 15 minutes. https://coordinator.example/incidents/1/"
    )
