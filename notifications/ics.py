"""iCalendar invitations for notifications about meetings (the debrief, conferences)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from icalendar import Calendar, Event, vCalAddress


@dataclass(frozen=True)
class MeetingInvite:
    uid: str
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str
    organiser_email: str
    attendee_emails: list[str]
    sequence: int = 0


# subject_type ("escalation.meeting") -> loader of the invite for that subject id.
_MEETING_SUBJECTS: dict[str, Callable[[str], MeetingInvite | None]] = {}


def meeting_subject_register(
    subject_type: str, loader: Callable[[str], MeetingInvite | None]
) -> None:
    _MEETING_SUBJECTS[subject_type] = loader


def meeting_for(subject_type: str, subject_id: str) -> MeetingInvite | None:
    loader = _MEETING_SUBJECTS.get(subject_type)
    return loader(subject_id) if loader else None


def ics_invite(invite: MeetingInvite, *, now: datetime) -> str:
    """The invitation as an RFC 5545 calendar file, written by the ``icalendar`` library (which
    escapes, folds and encodes every value, so a location cannot add lines of its own)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Hate crime partnership coordinator//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = Event()
    event.add("uid", f"{invite.uid}@{urlsplit(settings.SITE_URL).hostname or 'localhost'}")
    event.add("sequence", invite.sequence)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", invite.starts_at.astimezone(UTC))
    event.add("dtend", invite.ends_at.astimezone(UTC))
    event.add("summary", invite.title)
    event.add("location", invite.location)
    event.add(
        "organizer", vCalAddress(f"mailto:{invite.organiser_email or settings.DEFAULT_FROM_EMAIL}")
    )
    for email in invite.attendee_emails:
        if email:
            attendee = vCalAddress(f"mailto:{email}")
            attendee.params["ROLE"] = "REQ-PARTICIPANT"
            attendee.params["RSVP"] = "TRUE"
            event.add("attendee", attendee, encode=False)
    calendar.add_component(event)
    text: str = calendar.to_ical().decode()
    return text
