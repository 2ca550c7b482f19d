"""What this app writes on the timeline, in words (see ``partnership.audit_verbs``): messages
sent, delivered or not, acknowledged, answered and chased, and members' contact preferences."""

from __future__ import annotations

from notifications.models import ACKNOWLEDGED_VIA, Channel, Purpose, ReplyKind
from partnership.audit_verbs import detail_words_register, verbs_register

detail_words_register("purposes", Purpose.choices)
detail_words_register("channel", Channel.choices)
detail_words_register("reply_kind", ReplyKind.choices)
detail_words_register("acknowledged_via", ACKNOWLEDGED_VIA)

verbs_register(
    {
        "notification.sent": "Sent “{title}” to {recipients:people} ({audiences:audiences})",
        "notification.delivered": "Delivered by {channel:channel}[ to {people:people}]",
        "notification.recorded": "Recorded, not sent: {channel:channel} (this deployment's "
        "backend for it only keeps messages)",
        "notification.delivery_failed": "Delivery failed by {channel:channel}"
        "[ after {attempts} attempts][ to {people:people}]",
        "notification.acknowledged": "Acknowledged ({via:acknowledged_via})",
        "notification.replied": "Replied: {kind:reply_kind}",
        # The acknowledgement ladder (``notifications.ack_ladder``), through the ladder engine.
        "notification.escalated": "Not acknowledged: ladder rung {rung} to {to:audience}",
        "notification.ladder_stopped": "Ladder stopped: acknowledged by someone it reached",
        "contact.changed": "Contact preferences changed: {fields:fields}",
    }
)
