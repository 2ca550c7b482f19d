"""Every change to people, referrals, conferences, the live room and actions, split by topic.

One use case per function, one transaction each, the audit event beside the change, and live
pushes on commit. People are named in the database only: audit events, notification titles and
logs refer to them as ``P-00012``.

Callers import from here (``from conference import services``); the modules below are the
topics: ``people`` (and referrals), ``conferences`` (planning), ``room``, ``actions``,
``minutes`` (carried actions and frozen versions).
"""

from conference.services.actions import (
    ACTION_LADDER,
    action_complete,
    action_escalate,
    action_mark_overdue,
)
from conference.services.common import room_group
from conference.services.conferences import (
    agenda_add,
    agenda_subject_add,
    attendance_record,
    conference_create,
    conference_invite,
    research_file,
)
from conference.services.merges import person_merge, person_merge_undo
from conference.services.minutes import (
    actions_carry,
    minutes_after_action,
    minutes_correct,
    minutes_freeze,
)
from conference.services.people import (
    flag_dismiss,
    incident_person_link,
    person_access_record,
    person_create,
    person_linked_register,
    person_open,
    referral_create,
    repeats_evaluate,
    research_access_record,
)
from conference.services.room import (
    action_agree,
    conference_conclude,
    conference_open,
    room_agree_risk,
    room_move,
    room_outcome_record,
    room_share,
)
from conference.services.sharing import person_share, person_share_withdraw

__all__ = [
    "ACTION_LADDER",
    "action_agree",
    "action_complete",
    "action_escalate",
    "action_mark_overdue",
    "actions_carry",
    "agenda_add",
    "agenda_subject_add",
    "attendance_record",
    "conference_conclude",
    "conference_create",
    "conference_invite",
    "conference_open",
    "flag_dismiss",
    "incident_person_link",
    "minutes_after_action",
    "minutes_correct",
    "minutes_freeze",
    "person_access_record",
    "person_create",
    "person_linked_register",
    "person_merge",
    "person_merge_undo",
    "person_open",
    "person_share",
    "person_share_withdraw",
    "referral_create",
    "repeats_evaluate",
    "research_access_record",
    "research_file",
    "room_agree_risk",
    "room_group",
    "room_move",
    "room_outcome_record",
    "room_share",
]
