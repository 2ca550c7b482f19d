"""The source document's protocol (004 §2.2-2.3), as the default protocol version."""

from __future__ import annotations

from typing import Any

from notifications.ladder.rungs import DEPUTY, OWNER, REPEAT, Rung, ladder_stored
from partnership.audiences import Audience
from partnership.models import AgencyKind, Role

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR


def _ladder(*steps: tuple[int, Audience]) -> list[dict[str, Any]]:
    return ladder_stored(*(Rung(after, to) for after, to in steps))


# Rungs count from the due time: the owner again at once, then the owner's deputy, the CSP
# Co-ordinator and the gold group. Immediate steps climb in minutes, slower ones in hours.
URGENT_LADDER = _ladder(
    (0, OWNER),
    (30 * MINUTE, DEPUTY),
    (60 * MINUTE, Audience.role(Role.CSP_COORDINATOR)),
    (2 * HOUR, Audience.role(Role.GOLD_GROUP)),
)
DAYS_LADDER = _ladder(
    (0, OWNER),
    (4 * HOUR, DEPUTY),
    (DAY, Audience.role(Role.CSP_COORDINATOR)),
    (2 * DAY, Audience.role(Role.GOLD_GROUP)),
)

# Chasing acknowledgements of the messages themselves (counted from sending): urgent messages
# within the hour, the slower steps' messages within days.
URGENT_ACK_LADDER = _ladder(
    (15 * MINUTE, REPEAT),
    (30 * MINUTE, DEPUTY),
    (45 * MINUTE, Audience.role(Role.CSP_COORDINATOR)),
    (60 * MINUTE, Audience.role(Role.GOLD_GROUP)),
)
DAYS_ACK_LADDER = _ladder(
    (4 * HOUR, REPEAT),
    (DAY, DEPUTY),
    (2 * DAY, Audience.role(Role.CSP_COORDINATOR)),
)

DEFAULT_PROTOCOL_NAME = "Major incident protocol (Racial Incidents Strategy, section 2)"
DEFAULT_STEPS: list[dict[str, Any]] = [
    {
        "code": "refer-to-crro",
        "description": "Refer the incident to the Community and Race Relations Officer",
        "owner_role": "",
        "informs": Audience.stored([Audience.role(Role.CRRO)]),
        "waits_for": [],
        "deadline_kind": "immediate",
        "deadline_amount": 0,
        "completion": "engine",
        "ladder": [],
        "ack_ladder": URGENT_ACK_LADDER,
    },
    {
        "code": "inform-rec",
        "description": "Inform the Racial Equality Council",
        "owner_role": Role.CRRO,
        "informs": Audience.stored([Audience.agency(AgencyKind.RACIAL_EQUALITY_COUNCIL)]),
        "waits_for": ["refer-to-crro"],
        "deadline_kind": "immediate",
        "deadline_amount": 0,
        "completion": "message",
        "ladder": URGENT_LADDER,
        "ack_ladder": URGENT_ACK_LADDER,
    },
    {
        "code": "inform-csp-coordinator",
        "description": "Inform the Community Safety Partnership Co-ordinator",
        "owner_role": Role.CRRO,
        "informs": Audience.stored([Audience.role(Role.CSP_COORDINATOR)]),
        "waits_for": ["refer-to-crro"],
        "deadline_kind": "immediate",
        "deadline_amount": 0,
        "completion": "message",
        "ladder": URGENT_LADDER,
        "ack_ladder": URGENT_ACK_LADDER,
    },
    {
        "code": "tell-safeguarding-steps",
        "description": (
            "Tell the Racial Equality Council and the Council of the immediate steps the police "
            "took to safeguard the public"
        ),
        "owner_role": Role.CRRO,
        "informs": Audience.stored(
            [
                Audience.agency(AgencyKind.RACIAL_EQUALITY_COUNCIL),
                Audience.agency(AgencyKind.COUNCIL),
            ]
        ),
        "waits_for": ["refer-to-crro"],
        "deadline_kind": "immediate",
        "deadline_amount": 0,
        "completion": "message",
        "ladder": URGENT_LADDER,
        "ack_ladder": URGENT_ACK_LADDER,
    },
    {
        "code": "notify-chief-officer",
        "description": "Notify the Council chief officer",
        "owner_role": Role.CSP_COORDINATOR,
        "informs": Audience.stored([Audience.role(Role.COUNCIL_CHIEF_OFFICER)]),
        "waits_for": ["inform-csp-coordinator"],
        "deadline_kind": "immediate",
        "deadline_amount": 0,
        "completion": "message",
        "ladder": URGENT_LADDER,
        "ack_ladder": URGENT_ACK_LADDER,
    },
    {
        "code": "inform-operational-staff",
        "description": "Inform all relevant operational staff",
        "owner_role": Role.CSP_COORDINATOR,
        "informs": Audience.stored([Audience.role(Role.OPERATIONAL_STAFF)]),
        "waits_for": ["inform-csp-coordinator"],
        "deadline_kind": "working_days",
        "deadline_amount": 1,
        "completion": "message",
        "ladder": DAYS_LADDER,
        "ack_ladder": DAYS_ACK_LADDER,
    },
    {
        "code": "organise-debrief",
        "description": "Organise a formal debrief (the meeting itself may be later)",
        "owner_role": Role.POLICE_PARTNERSHIP_COORDINATOR,
        "informs": [],
        "waits_for": ["refer-to-crro"],
        "deadline_kind": "days",
        "deadline_amount": 3,
        "completion": "meeting",
        "ladder": DAYS_LADDER,
        "ack_ladder": DAYS_ACK_LADDER,
    },
    {
        "code": "partnership-report",
        "description": (
            "Inform all members of the Crime and Community Safety Partnership of the event and "
            "its immediate outcome"
        ),
        "owner_role": Role.CSP_COORDINATOR,
        "informs": Audience.stored([Audience.role(Role.CCSP_MEMBER)]),
        "waits_for": ["inform-csp-coordinator"],
        "deadline_kind": "days",
        "deadline_amount": 14,
        "completion": "message",
        "ladder": DAYS_LADDER,
        "ack_ladder": DAYS_ACK_LADDER,
    },
]
