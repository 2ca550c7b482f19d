"""The acknowledgement ladder: who is chased when a notification's recipient does not acknowledge
it, and what they are told.

Its rungs (copied onto each notification when sent) count from sending: "repeat" reminds the
recipient, "deputy" tells their deputies, any other audience is told that the recipient has not
acknowledged. Acknowledging or answering ends the climb (the notification's transitions clear its
next rung), as does anyone the ladder reached acknowledging their chase.
"""

from __future__ import annotations

from django.utils import timezone

from notifications.audiences import deputies_of
from notifications.ladder.kinds import Alert, Firing, LadderKind, ladder_register
from notifications.ladder.rungs import REPEAT
from notifications.models import Notification, NotificationState
from partnership.audiences import Audience, AudienceKind
from partnership.scopes import Scope


class AcknowledgementLadder(LadderKind[Notification]):
    model = Notification
    name = "notification"
    owner_word = REPEAT
    ladder_field = "ack_ladder"
    start_field = "created_at"
    climbing_states = (NotificationState.OPEN,)
    related = ("recipient", "recipient__agency")

    def owner(self, thing: Notification) -> list[Audience]:
        return [Audience.member(thing.recipient_id)]

    def deputies(self, thing: Notification) -> list[Audience]:
        # Told as the holder of a role: that role's deputy, if it has one.
        told_as = Audience.parse(thing.audience)
        role = told_as.role_code if told_as.kind == AudienceKind.ROLE else ""
        if thing.partnership_id is None:
            return []
        return deputies_of(thing.recipient_id, partnership_id=thing.partnership_id, role=role)

    def scope(self, thing: Notification) -> Scope | None:
        return Scope.parse_stored(thing.scope)

    def alert(self, thing: Notification, firing: Firing) -> Alert:
        sent = timezone.localtime(thing.created_at)
        if not firing.escalates:
            return Alert(
                title=f"Still waiting for you to acknowledge: {thing.title}"[:200],
                body=f"You were sent this at {sent:%H:%M} and have not acknowledged it yet. "
                f"Please acknowledge it now.\n\n{thing.body}",
                purposes=thing.purposes,
                escalation_of=thing,
            )
        minutes = int((firing.at - thing.created_at).total_seconds() // 60)
        who = str(thing.recipient) + (
            f" ({thing.recipient.agency.name})" if thing.recipient.agency else ""
        )
        return Alert(
            title=(
                f"{who} has not acknowledged a message after {minutes} minutes. "
                "Please make sure they have it."
            )[:200],
            body=(
                f"{who} was sent this at {sent:%H:%M} and has not acknowledged it. Please "
                "contact them, or act on it yourself; acknowledging this stops the reminders."
                f"\n\nThe message: {thing.title}\n\n{thing.body}"
            ),
            purposes=thing.purposes,
            escalation_of=thing,
        )


ACKNOWLEDGEMENTS = ladder_register(AcknowledgementLadder())
