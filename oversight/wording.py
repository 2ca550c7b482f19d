"""Scrutiny requests in the words of the people who read about them (issue 14): what happened,
what is asked of the reader, and by when. A message about a request opens the request's own page
(``Scope.scrutiny``, registered in ``apps.py``), where it is read and answered, so the texts name
no address."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from escalation.deadlines import LONDON
from notifications.ladder.kinds import Alert, Firing
from notifications.ladder.rungs import DEPUTY, OWNER
from notifications.models import Purpose
from notifications.wording import title_words
from oversight.models import ScrutinyRequest


def day_words(moment: datetime) -> str:
    """ "Fri 11 December 2026", in UK time."""
    local = timezone.localtime(moment, LONDON)
    return f"{local:%a} {local.day} {local:%B %Y}"


def _asked(request: ScrutinyRequest) -> str:
    asker = f"{request.asked_by} of " if request.asked_by_id else ""
    return (
        f"{asker}{request.body.name} asked {request.partnership.name} on "
        f"{day_words(request.sent_at)}:\n\n{request.question}"
    )


def scrutiny_sent_message(request: ScrutinyRequest) -> tuple[str, str]:
    """The title and body that tell the partnership's CSP Co-ordinator of a new request."""
    due = day_words(request.due_at)
    title = title_words(
        f"{request.body.name} has sent {request.partnership.name} a scrutiny request.",
        f"Please answer by {due}.",
    )
    body = "\n\n".join(
        (
            _asked(request),
            f"Please write the partnership's answer on the request's page by the end of {due} "
            "(UK time). The body reads it there and closes the request.",
            "If it is not answered by then, you are reminded; two days later your deputy is "
            "asked to answer it, and after five days the Council chief officer is told.",
        )
    )
    return title, body


def scrutiny_late_alert(request: ScrutinyRequest, firing: Firing) -> Alert:
    """A rung of an unanswered request, in the position of whoever it reaches: the co-ordinator
    is asked to answer now, their deputy to answer in their place, the Council chief officer to
    make sure it is answered."""
    body_name, partnership = request.body.name, request.partnership.name
    due = day_words(request.due_at)
    if firing.rung.to == OWNER:
        title = title_words(
            f"Your answer to {body_name}'s scrutiny request was due {due}.", "Please answer now."
        )
        ask = "Please write the partnership's answer on the request's page now."
    elif firing.rung.to == DEPUTY:
        title = title_words(
            f"{partnership} has not answered {body_name}'s scrutiny request, due {due}.",
            "Please answer it for the CSP Co-ordinator.",
        )
        ask = (
            "You stand in for the CSP Co-ordinator: please write the partnership's answer on the "
            "request's page, or make sure they do, now."
        )
    else:
        title = title_words(
            f"{partnership} has not answered {body_name}'s scrutiny request, due {due}.",
            "Please make sure it is answered.",
        )
        ask = (
            "The CSP Co-ordinator and their deputy have been asked. Please make sure the "
            "partnership answers it on the request's page."
        )
    body = "\n\n".join(
        (_asked(request), f"The answer was due by the end of {due} and has not been given.", ask)
    )
    return Alert(title=title, body=body, purposes=[Purpose.INFORMATION])
