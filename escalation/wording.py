"""Duties in the words of the people who do them: why a step is due when it is (in the
protocol's words), who holds it, and what a late step asks of whoever is told of it. Used by
the ladder's messages, the home page's work list and the incident page."""

from __future__ import annotations

from django.utils import timezone

from escalation.models import DeadlineKindChoice, Duty
from partnership.models import Member, Role

_NUMBERS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def _count(n: int, word: str) -> str:
    number = _NUMBERS[n] if n < len(_NUMBERS) else str(n)
    return f"{number} {word}{'' if n == 1 else 's'}"


def duty_reason(duty: Duty) -> str:
    """Why the step is due when it is, as the protocol puts it: "the protocol asks for all
    relevant operational staff to be told within one working day"."""
    kind, amount = duty.deadline_kind, duty.deadline_amount
    if kind == DeadlineKindChoice.HOURS:
        within = f"within {_count(amount, 'hour')}"
    elif kind == DeadlineKindChoice.DAYS:
        within = f"within {_count(amount, 'day')}"
    elif kind == DeadlineKindChoice.WORKING_DAYS:
        within = f"within {_count(amount, 'working day')}"
    else:
        within = "immediately"
    what = duty.description[:1].lower() + duty.description[1:]
    if duty.waits_for and "(from when “" in duty.due_explanation:
        # Counted from when the step it waited for was done (``duties_ready``).
        return f"the protocol asks you to {what} {within} of the step before it being done"
    return f"the protocol asks you to {what} {within} of the decision that it is major"


def local_time(moment: object) -> str:
    """A time as people here read it: "14:02 on Mon 30 Nov"."""
    local = timezone.localtime(moment)  # type: ignore[arg-type]
    return f"{local:%H:%M} on {local:%a} {local.day} {local:%b}"


def role_holders(duty: Duty) -> list[Member]:
    """Who holds the duty's role in its incident's partnership."""
    if not duty.owner_role:
        return []
    return list(
        Member.objects.filter(
            is_active=True,
            role_assignments__partnership_id=duty.incident.partnership_id,
            role_assignments__role=duty.owner_role,
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def owner_words(duty: Duty) -> str:
    """ "the Community and Race Relations Officer (Chris Roe)"."""
    if not duty.owner_role:
        return "the service itself"
    holders = ", ".join(str(m) for m in role_holders(duty))
    role = Role(duty.owner_role).label
    return f"the {role}" + (f" ({holders})" if holders else "")
