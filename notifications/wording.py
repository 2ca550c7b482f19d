"""How a message speaks to the person who reads it, on every channel: what happened, what (if
anything) is asked of them, and by when. Titles lead with the news and end with the ask
("… is telling you about it. Please acknowledge within 15 minutes."); the body gives the detail;
a text message is the title and the link, cut to 160 characters where possible by shortening the
news, never the ask."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from notifications.ladder.rungs import rungs_parse
from notifications.models import PURPOSES_NEEDING_REPLY, Notification

SMS_LIMIT = 160
TITLE_LIMIT = 200  # ``Notification.title``'s length, and about what an email subject shows


def _span(seconds: int) -> str:
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} minutes"
    hours = minutes // 60
    if hours < 24 or hours % 24:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    days = hours // 24
    return f"{days} day{'s' if days != 1 else ''}"


def ask_words(
    purposes: Sequence[str], ack_ladder: Sequence[Mapping[str, Any]] | None = None
) -> str:
    """The ask of a message that wants an acknowledgement (and a reply when its purposes ask for
    one), by when the ladder first chases it: "Please acknowledge within 15 minutes."."""
    reply = bool(PURPOSES_NEEDING_REPLY.intersection(purposes))
    ask = "Please acknowledge and reply" if reply else "Please acknowledge"
    rungs = rungs_parse(ack_ladder or [])
    if rungs:
        ask += f" within {_span(rungs[0].after_seconds)}"
    return ask + "."


def title_words(news: str, ask: str) -> str:
    """A title: the news, then the ask ("… Please answer by Mon 14 December 2026."), within
    ``TITLE_LIMIT``. Long names shorten the news, never the ask."""
    whole = f"{news} {ask}".strip()
    if len(whole) <= TITLE_LIMIT:
        return whole
    room = TITLE_LIMIT - len(ask) - 2
    return f"{news[:room].rstrip()}… {ask}"


def reply_words(purposes: Sequence[str]) -> str:
    """What a reply is for, when the message asks for one."""
    if not PURPOSES_NEEDING_REPLY.intersection(purposes):
        return ""
    return (
        "The sender asks for your reply: confirm it is accurate, correct it, or answer their "
        "request for information."
    )


_ASK = re.compile(r"\s*(Please [^.]*\.)\s*$")


def sms_text(notification: Notification, url: str) -> str:
    """The text message: the title (what happened, and the ask) and the link, in 160 characters
    where possible. A title too long loses the end of its news, never its ask nor the link."""
    title = notification.title
    whole = f"{title} {url}"
    if len(whole) <= SMS_LIMIT:
        return whole
    found = _ASK.search(title)
    ask = found.group(1) if found else ""
    news = title[: found.start()] if found else title
    room = SMS_LIMIT - len(url) - len(ask) - 2
    if room < 20:  # a link too long for any room: the whole title, over the limit
        return whole
    news = news if len(news) <= room else news[: room - 1].rstrip() + "…"
    return " ".join(part for part in (news, ask, url) if part)
