"""What a reviewer opens: an incident or a case to review (seeing it is asked first, by its own
app's lookup, so a record the member may not see is a 404 here too; reviewing it is a 403), and
the access log."""

from __future__ import annotations

from django.db.models import QuerySet

from conference.models import Person, PersonAccess
from conference.selectors import person_for
from escalation.models import Incident
from escalation.selectors import incident_for
from partnership.models import Member, Partnership
from partnership.permissions import require


def incident_for_review(member: Member, pk: int) -> Incident:
    """The incident, to a member who may see it (Http404) and read its timeline (403)."""
    incident = incident_for(member, pk)
    require(member, "incident.timeline", incident)
    return incident


def person_for_review(member: Member, pk: int) -> Person:
    """The person, to a member who may see them (Http404) and read their case's timeline (403).
    The caller records the view once it shows it (``conference.services.person_access_record``)."""
    person = person_for(member, pk)
    require(member, "person.timeline", person)
    return person


def access_log(
    partnership: Partnership | None, *, member_id: int | None = None, person_id: int | None = None
) -> QuerySet[PersonAccess]:
    """Who viewed whose record in ``partnership`` and when, newest first, narrowed to one viewer
    or one person."""
    rows = (
        PersonAccess.objects.filter(person__partnership=partnership)
        .select_related("member__agency", "person")
        .order_by("-at", "-pk")
    )
    if member_id is not None:
        rows = rows.filter(member_id=member_id)
    if person_id is not None:
        rows = rows.filter(person_id=person_id)
    return rows
