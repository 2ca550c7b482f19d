"""Duties in the words of the people who do them: why a step is due when it is (in the
protocol's words), who holds it, and what a late step asks of whoever is told of it. Used by
the ladder's messages, the home page's work list and the incident page."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import timezone

from escalation.models import DeadlineKindChoice, Duty, DutyState, Incident
from notifications.wording import ask_words, reply_words
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


# A step's tag on the incident page's task list: its words and GOV.UK's tag colour.
_STATUS = {
    DutyState.WAITING: ("Waiting", "yellow"),
    DutyState.PENDING: ("Due", "blue"),
    DutyState.OVERDUE: ("Overdue", "red"),
    DutyState.ESCALATED: ("Overdue, escalated", "red"),
    DutyState.DONE: ("Done", "green"),
    DutyState.WAIVED: ("Waived", "grey"),
}


def step_status(duty: Duty, *, waiting: bool = False) -> tuple[str, str]:
    """The words and colour of the step's tag: done, waived, waiting (for an earlier step: its
    owner cannot act yet), due or overdue (escalated when its ladder has climbed)."""
    if waiting and duty.is_open:
        return _STATUS[DutyState.WAITING]
    return _STATUS.get(DutyState(duty.state), (duty.get_state_display(), "grey"))


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


# --- Messages the protocol sends, in the reader's voice -----------------------------------------
# What a step's message tells its readers, where "about it" would say too little.
_TELLS = {
    "tell-safeguarding-steps": "what the police did at once to keep the public safe",
    "partnership-report": "what happened and its immediate outcome",
}


def when_words(moment: object) -> str:
    """ "14:02", or "14:02 on Mon 30 Nov" when it was not today."""
    local = timezone.localtime(moment)  # type: ignore[arg-type]
    today = timezone.localtime().date()
    return local.strftime("%H:%M") if local.date() == today else local_time(moment)


def declared_words(incident: Incident) -> str:
    """ "Major incident in Woughton declared 14:02"."""
    when = f" declared {when_words(incident.declared_at)}" if incident.declared_at else ""
    return f"Major incident in {incident.area}{when}"


def _told_by(duty: Duty, sender: Member | None) -> tuple[str, str]:
    """Who is telling: the short form for a title, the long one for the body."""
    role = Role(duty.owner_role).label if duty.owner_role else ""
    if sender is None:
        return "the service", "The service"
    agency = f", {sender.agency.name}" if sender.agency else ""
    if role and duty.owner_role in sender.held_roles:
        return f"the {role}", f"{sender}, the {role}{agency},"
    if role:
        return f"{sender}, for the {role},", f"{sender}{agency}, standing in for the {role},"
    return str(sender), f"{sender}{agency}"


def duty_message(
    duty: Duty, *, sender: Member | None, message: str, purposes: Sequence[str]
) -> tuple[str, str]:
    """The title and body of the message a step sends to the people it informs."""
    incident = duty.incident
    short, long = _told_by(duty, sender)
    tells = _TELLS.get(duty.step_code, "about it")
    ask = ask_words(purposes, duty.ack_ladder)
    title = f"{declared_words(incident)}: {short} is telling you {tells}. {ask}"
    declared = f" at {local_time(incident.declared_at)}" if incident.declared_at is not None else ""
    body = "\n".join(
        line
        for line in (
            f"A senior police officer declared a major incident in {incident.area} "
            f"({incident.reference}){declared}.",
            f"{long} writes:",
            "",
            message,
            "",
            ask.replace("Please acknowledge", "Please acknowledge that you have read this"),
            reply_words(purposes),
            f"(The protocol asks them to: {duty.description}.)",
        )
        if line is not None
    )
    return title[:200], body


def referral_message(
    incident: Incident, summary: str, duties: Sequence[Duty], *, roles: Sequence[str]
) -> tuple[str, str]:
    """What the engine's referral says on declaration (to the CRRO, in the source document's
    protocol): the news, and the steps now theirs with their deadlines."""
    theirs = [d for d in duties if d.owner_role in roles and d.state in _DUE_STATES]
    count = len(theirs)
    if count:
        news = (
            f"{_count(count, 'protocol step')} {'is' if count == 1 else 'are'} yours now"
        ).capitalize()
    else:
        news = "For your information"
    title = f"{declared_words(incident)}: {news[:1].lower()}{news[1:]}. Please acknowledge."
    lines = [summary]
    if theirs:
        lines += ["", "What the protocol asks of you now:"]
        lines += [
            f"- {d.description}, by {local_time(d.due_at)} ({duty_reason(d)})." for d in theirs
        ]
        lines += ["", "Do them from your home page, where each has its form."]
    return title[:200], "\n".join(lines)


_DUE_STATES = (DutyState.PENDING, DutyState.OVERDUE, DutyState.ESCALATED)
