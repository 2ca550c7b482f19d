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
        "notification.sent": "Sent “{title}” to {recipients:people}[: {to_whom}], as "
        "{audiences:audiences}",
        "notification.delivered": "Delivered[ to {to_whom}] by {channel:channel}",
        "notification.recorded": "Recorded, not sent[, for {to_whom}]: {channel:channel} (this "
        "deployment's backend for it only keeps messages)",
        "notification.delivery_failed": "Could not reach[ {to_whom}] by {channel:channel}"
        "[ after {attempts} attempts]",
        "notification.acknowledged": "Acknowledged[ “{about}”] ({via:acknowledged_via})",
        "notification.replied": "Replied: {kind:reply_kind}",
        # The acknowledgement ladder (``notifications.ack_ladder``), through the ladder engine.
        "notification.escalated": "Not acknowledged[ by {to_whom}]: reminder {rung} went to "
        "{to:audience}",
        "notification.ladder_stopped": "Ladder stopped: acknowledged by someone it reached",
        "contact.changed": "Contact preferences changed: {fields:fields}",
    }
)
