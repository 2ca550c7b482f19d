"""Issue 13 item 8: line breaks in one-line fields. A conference title with a line break made
every email about it fail with a header error, retried for ever; a location with a carriage return
injected lines into ``invite.ics``. Now one-line fields refuse control characters on every save
(pages and API give the same answer), calendar files are written by ``icalendar``, and an email
that can never be sent is recorded as failed at the first attempt."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import timezone
from icalendar import Calendar

from conference.models import Conference
from notifications.ics import MeetingInvite, ics_invite
from partnership.models import Member
from partnership.text import ONE_LINE_MESSAGE, OneLineField, one_line_problem
from tests.world import ClientFor

pytestmark = pytest.mark.django_db

BROKEN = ["Panel\nBcc: someone@else.invalid", "Room 1\r", "Tab\there", "Line\u2028separator"]


def test_control_characters_and_line_separators_are_refused() -> None:
    assert all(one_line_problem(value) for value in BROKEN)
    assert not one_line_problem("Civic Offices, Room 1 — “east wing”")


def test_every_one_line_field_refuses_a_line_break_on_save(demo: dict[str, Member]) -> None:
    fields = [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, OneLineField)
    ]
    assert len(fields) >= 20
    for model, field in fields:
        instance = model()
        instance.__dict__[field.attname] = "one\ntwo"
        with pytest.raises(ValidationError) as refused:
            field.pre_save(instance, add=True)
        assert refused.value.message_dict == {field.name: [ONE_LINE_MESSAGE]}, (model, field)


def _conference(**changes: str) -> dict[str, Any]:
    now = timezone.localtime() + timedelta(days=1)
    return {
        "kind": "scheduled",
        "title": "Monthly panel",
        "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "location": "Civic Offices",
        **changes,
    }


@pytest.mark.parametrize("field", ["title", "location"])
def test_page_and_api_refuse_a_line_break_in_a_conference_alike(
    client_for: ClientFor, demo: dict[str, Member], field: str
) -> None:
    client = client_for("coordinator")
    body = _conference(**{field: "Monthly panel\r\nBcc: someone@else.invalid"})
    api = client.post(
        "/api/conferences/", {**body, "chair_id": demo["chair"].pk}, content_type="application/json"
    )
    assert api.status_code == 400
    assert api.json()[field] == [ONE_LINE_MESSAGE]
    page = client.post("/conferences/new/", {**body, "chair": demo["chair"].pk})
    assert page.status_code == 400
    assert ONE_LINE_MESSAGE in page.content.decode()
    assert not Conference.objects.exists()
    # The same conference on one line is accepted by both.
    fine = client.post(
        "/api/conferences/",
        {**_conference(), "chair_id": demo["chair"].pk},
        content_type="application/json",
    )
    assert fine.status_code == 201, fine.content


def test_a_location_cannot_add_lines_to_the_calendar_file() -> None:
    now = datetime(2026, 6, 1, 9, tzinfo=UTC)
    text = ics_invite(
        MeetingInvite(
            uid="conference-7",
            title="Panel",
            starts_at=now,
            ends_at=now + timedelta(hours=1),
            location="Room 2\r\nATTENDEE:mailto:intruder@else.invalid",
            organiser_email="",
            attendee_emails=["rec@demo.invalid"],
        ),
        now=now,
    )
    (event,) = Calendar.from_ical(text).walk("VEVENT")
    attendees = event.get("attendee")
    assert str(attendees) == "mailto:rec@demo.invalid"  # one attendee, not two
    assert "intruder" in str(event.get("location"))  # kept as text inside the one property
    assert all(line.startswith((" ", "\t")) or ":" in line for line in text.split("\r\n") if line)
