"""iCalendar invitations for notifications about meetings (the debrief, conferences)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings


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


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    # RFC 5545: lines longer than 75 octets continue on the next line after a space.
    out, current = [], line
    while len(current.encode()) > 75:
        cut = 75
        while len(current[:cut].encode()) > 75:
            cut -= 1
        out.append(current[:cut])
        current = " " + current[cut:]
    out.append(current)
    return "\r\n".join(out)


def ics_invite(invite: MeetingInvite, *, now: datetime) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "PRODID:-//Hate crime partnership coordinator//EN",
        "VERSION:2.0",
        "METHOD:REQUEST",
        "BEGIN:VEVENT",
        f"UID:{invite.uid}@{settings.SITE_URL.split('//')[-1].split('/')[0]}",
        f"SEQUENCE:{invite.sequence}",
        f"DTSTAMP:{_stamp(now)}",
        f"DTSTART:{_stamp(invite.starts_at)}",
        f"DTEND:{_stamp(invite.ends_at)}",
        f"SUMMARY:{_escape(invite.title)}",
        f"LOCATION:{_escape(invite.location)}",
        f"ORGANIZER:mailto:{invite.organiser_email or settings.DEFAULT_FROM_EMAIL}",
        *[
            f"ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:{e}"
            for e in invite.attendee_emails
            if e
        ],
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
