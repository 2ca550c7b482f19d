"""Gold's writers: links between partnerships' incidents, gold groups, their decisions."""

from gold.services.comms import comms_answer, comms_approve, comms_propose, comms_send
from gold.services.decisions import (
    DECISION_REVIEW_LADDER,
    DECISIONS,
    decision_record,
    decision_review_escalate,
    decision_review_fall_due,
)
from gold.services.groups import (
    gold_group_convene,
    gold_group_seat,
    gold_group_share,
    gold_group_stand_down,
    group_room_push,
)
from gold.services.links import (
    REASON_MAX,
    incident_link_agree,
    incident_link_decline,
    incident_link_request,
    incident_link_unlink,
)

__all__ = [
    "DECISIONS",
    "DECISION_REVIEW_LADDER",
    "REASON_MAX",
    "comms_answer",
    "comms_approve",
    "comms_propose",
    "comms_send",
    "decision_record",
    "decision_review_escalate",
    "decision_review_fall_due",
    "gold_group_convene",
    "gold_group_seat",
    "gold_group_share",
    "gold_group_stand_down",
    "group_room_push",
    "incident_link_agree",
    "incident_link_decline",
    "incident_link_request",
    "incident_link_unlink",
]
