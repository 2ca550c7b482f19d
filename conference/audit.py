"""What this app writes on the timeline, in words (see ``partnership.audit_verbs``): people and
their repeat flags, referrals, conferences from planning to conclusion, what the live room
agreed, actions and their ladder, and retention. Descriptions name people by their record's
number, never by name: timelines name no victim."""

from __future__ import annotations

from conference.models import (
    AgendaKind,
    Attendance,
    ConferenceKind,
    EntryKind,
    FlagKind,
    IncidentPerson,
    LawfulBasis,
    MinutesReason,
    ReferralReason,
    RiskLevel,
    Visibility,
)
from partnership.audit_verbs import detail_words_register, verbs_register

detail_words_register("involvement", IncidentPerson.Involvement.choices)
detail_words_register("flag_kind", FlagKind.choices)
detail_words_register("referral_reason", ReferralReason.choices)
detail_words_register("risk_level", RiskLevel.choices)
detail_words_register("conference_kind", ConferenceKind.choices)
detail_words_register("agenda_kind", AgendaKind.choices)
detail_words_register("attendance", Attendance.Status.choices)
detail_words_register("visibility", Visibility.choices)
detail_words_register("minutes_reason", MinutesReason.choices)
detail_words_register("lawful_basis", LawfulBasis.choices)

# What the live room records: one verb per kind of entry (``room.<kind>``).
_ROOM: dict[str, str] = {
    EntryKind.INFORMATION: "Information shared in the conference room, seen by "
    "{visibility:visibility}",
    EntryKind.RISK_AGREED: "Risk agreed at conference",
    EntryKind.ACTION: "Action agreed at conference",
    EntryKind.NOTE: "The chair noted something in the conference room, seen by "
    "{visibility:visibility}",
    EntryKind.ITEM_OPENED: "The conference moved on to the next agenda item",
    EntryKind.REVIEW_OUTCOME: "The chair recorded the outcome of a case's review",
}

verbs_register(
    {
        # People and repeat victims.
        "person.created": "A person's record was opened",
        "person.linked_to_incident": "This person was linked to incident {incident_id} "
        "({involvement:involvement})",
        "incident.person_linked": "Person {person_id} linked ({involvement:involvement})",
        "repeat.flagged": "Repeat rule fired: {kind:flag_kind}",
        "person.shared": "This person's record was shared with {with} ({basis:lawful_basis})",
        "person.shared_in": "{owner} shared the record of person {person_id} with this "
        "partnership ({basis:lawful_basis})",
        "person.share_withdrawn": "This person's record is no longer shared with {with}",
        "person.share_withdrawn_in": "{owner} withdrew the record of person {person_id} from this "
        "partnership",
        "repeat.dismissed": "A repeat flag was dismissed: the co-ordinator judged no referral "
        "was needed",
        "person.merged": "Records of one person merged: person {merged_id} into person {kept_id}",
        "person.merge_undone": "Merge of person {merged_id} into person {kept_id} undone: {reason}",
        # Referrals and conferences.
        "referral.created": "Referral made ({reason:referral_reason}, {level:risk_level} risk)",
        "conference.created": "{kind:conference_kind} arranged for {starts_at:time}, chaired "
        "by {chair_id:member}",
        "agenda.item_added": "The case of person {person_id} was put on the conference's agenda "
        "(referral {referral_id})",
        "agenda.subject_added": "Item {item_id} put on the agenda: {kind:agenda_kind} ({subject})",
        "agenda.actions_carried": "The case's open actions {action_ids} followed it to this "
        "conference's agenda (item {item_id})",
        "minutes.versioned": "Minutes version {number} stored ({reason:minutes_reason}), "
        "SHA-256 {sha256}",
        "conference.invited": "{member_id:member} was invited to the conference",
        "research.filed": "An agency filed its research for agenda item {item_id}, seen by "
        "{visibility:visibility}",
        "research.revised": "An agency revised its research for agenda item {item_id}, seen by "
        "{visibility:visibility}",
        "conference.attendance": "Attendance of {member_id:member} recorded: {status:attendance}",
        "conference.opened": "The conference opened: its live room is in session",
        "conference.concluded": "The conference concluded: its room is closed and its minutes "
        "are final",
        **{f"room.{kind}": description for kind, description in _ROOM.items()},
        # Actions and their ladder (``conference.services.actions.ACTIONS``).
        "action.completed": "Conference action done[ ({late:late})]",
        "action.overdue": "Conference action OVERDUE",
        "action.escalated": "Conference action not done: ladder rung {rung} to "
        "{audience:audiences}",
        # Retention.
        "retention.applied": "Personal data removed from cases closed before {cutoff:time}: "
        "{incidents} incidents, {people} people, {referrals} referrals, {research} pieces of "
        "research, {room_entries} room entries, {actions} actions, {notifications} messages[ and "
        "the free text of {minutes_versions} versions of minutes]",
    }
)
