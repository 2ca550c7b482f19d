"""Messages in the reader's voice (issue 14): every message says what happened and what, if
anything, is asked of the reader and by when, on every channel (banner and inbox: title and body;
email: subject and body; text message: 160 characters where possible). No raw codes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from escalation.jobs import escalation_run
from notifications.jobs import ladders_run
from notifications.links import scope_url
from notifications.models import Notification
from notifications.signin_alerts import lockout_alert
from notifications.wording import SMS_LIMIT, TITLE_LIMIT, sms_text, title_words
from oversight.jobs import scrutiny_run
from partnership.models import AuditEvent, Member
from partnership.throttle import Lockout
from partnership.timeline import audit_record
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


def test_a_scrutiny_request_asks_for_an_answer_by_a_date_and_opens_the_request(
    demo: dict[str, Member],
) -> None:
    forum = factories.oversight_member(username="forum-lead")
    partnership = factories.partnership()
    body = factories.oversight_body(partnerships=[partnership], members=[forum])
    request = factories.scrutiny(body=body, to=partnership, by=forum)
    due = timezone.localtime(request.due_at)
    due_words = f"{due:%a} {due.day} {due:%B %Y}"
    page = f"/scrutiny/{request.pk}/"

    (sent,) = _to("coordinator", subject_type="oversight.scrutinyrequest")
    assert sent.title == (
        f"{body.name} has sent {partnership.name} a scrutiny request. Please answer by {due_words}."
    )
    assert sent.body.startswith(f"Fiona Fairweather of {body.name} asked {partnership.name} on ")
    assert "Why were three debriefs late this half-year" in sent.body
    assert f"by the end of {due_words} (UK time)" in sent.body
    # It opens the request's own page (where it is answered), not the inbox.
    assert scope_url(sent.scope) == page
    _readable(sent)

    # Unanswered: the co-ordinator is asked, then their deputy, then the Council chief officer,
    # each in their own position, each message opening the request.
    scrutiny_run(now=request.due_at + timedelta(minutes=5))
    scrutiny_run(now=request.due_at + timedelta(days=2, minutes=1))
    scrutiny_run(now=request.due_at + timedelta(days=5, minutes=1))
    rungs = {
        n.recipient.username: n
        for n in Notification.objects.filter(idempotency_key__regex=rf"^scrutiny:{request.pk}:rung")
    }
    assert rungs["coordinator"].title == (
        f"Your answer to {body.name}'s scrutiny request was due {due_words}. Please answer now."
    )
    assert rungs["coordinator2"].title.endswith("Please answer it for the CSP Co-ordinator.")
    assert "You stand in for the CSP Co-ordinator" in rungs["coordinator2"].body
    assert rungs["chief"].title == (
        f"{partnership.name} has not answered {body.name}'s scrutiny request, due {due_words}. "
        "Please make sure it is answered."
    )
    for late in rungs.values():
        assert scope_url(late.scope) == page
        assert f"The answer was due by the end of {due_words}" in late.body
        _readable(late)
    for told in (sent, *rungs.values()):
        assert "forum-lead" not in told.title + told.body  # a person by name, not username


def _lockout(member: Member, reason: str) -> Lockout:
    event = audit_record(
        actor=None,
        verb="member.login_locked",
        subject=member,
        changes={"failures": 5, "locked_for_seconds": 900, "reason": reason},
    )
    return Lockout(member=member, reason=reason, address="203.0.113.9", event=event)


@pytest.mark.parametrize("reason", ["password", "code"])
def test_a_sign_in_alert_tells_the_administrator_whose_account_and_what_to_do(
    demo: dict[str, Member], reason: str
) -> None:
    crro = demo["crro"]
    with transaction.atomic():
        lockout_alert(_lockout(crro, reason))
    (alert,) = _to("admin", subject_id=str(crro.pk))
    at = timezone.localtime(AuditEvent.objects.get(verb="member.login_locked").occurred_at)
    assert alert.title.startswith(
        f"Sign-in to Ravi Chandra's account paused at {at:%H:%M} for unknown devices: "
    )
    assert (
        "5 sign-ins to the account of Ravi Chandra (Community and Race Relations Officer, "
        "Thames Valley Police) failed within 15 minutes, the last at "
        f"{at:%H:%M} on {at:%a} {at.day} {at:%b}"
    ) in alert.body
    until = at + timedelta(minutes=15)
    assert f"Until {until:%H:%M}, only the browsers and addresses Ravi Chandra has" in alert.body
    if reason == "code":
        assert alert.title.endswith(
            "the right password, wrong codes. Please have the password changed now."
        )
        assert "Whoever tried knows the password" in alert.body
    else:
        assert alert.title.endswith("wrong passwords. Please check it was them.")
        assert "Ask Ravi whether it was them." in alert.body
    # The person by name, never the username someone typed; no codes of the throttle.
    text = alert.title + alert.body
    assert not re.search(r"\bcrro\b|login_locked|signin:", text), text
    _readable(alert)


def test_a_title_too_long_for_its_field_loses_the_end_of_its_news_never_its_ask() -> None:
    ask = "Please answer by Mon 14 December 2026."
    title = title_words("A body with a very long name " * 10 + "has sent a request.", ask)
    assert TITLE_LIMIT - 2 <= len(title) <= TITLE_LIMIT
    assert title.endswith(f"… {ask}")
    assert title_words("Short news.", ask) == f"Short news. {ask}"
