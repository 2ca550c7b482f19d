"""What this app writes on the timeline, in words (see ``partnership.audit_verbs``).

A link between two partnerships' incidents is recorded on both partnerships' chains, each event
filed under that side's own incident and worded from that side: ``other_reference`` and
``other_partnership`` name the incident across the boundary, ``by_partnership`` who acted."""

from __future__ import annotations

from partnership.audit_verbs import verbs_register

verbs_register(
    {
        "incident_link.requested": "Link with {other_reference} of {other_partnership} asked "
        "for by {by_partnership}[: {reason}]",
        "incident_link.agreed": "Link with {other_reference} of {other_partnership} agreed by "
        "{by_partnership}: the incidents are connected (each protocol keeps its own clock)",
        "incident_link.declined": "Link with {other_reference} of {other_partnership} declined "
        "by {by_partnership}: {reason}",
        "incident_link.unlinked": "Link with {other_reference} of {other_partnership} ended by "
        "{by_partnership}: {reason}",
        # Gold groups: each event is on every party's chain, under that party's incident.
        "gold_group.convened": "Gold group “{title}” convened for {partnerships:list}; seated: "
        "{members:list}",
        "gold_group.seated": "Seated in the gold group “{title}”: {members:list}",
        "gold_group.stood_down": "Gold group “{title}” stood down: {reason} (decisions standing "
        "as its last word: {decisions:list})",
        "gold_group.shared": "{partnership} now shares with the gold group: {shares:list}",
        "decision.recorded": "Gold decision {number} recorded: {decision} (review by "
        "{review_at:time})",
        "decision.superseded": "Gold decision {number} superseded by version {version}: "
        "{decision} (why changed: {change_reason}; review by {review_at:time})",
        "comms.proposed": "Communication proposed ({channel}) to {audiences}, to go out "
        "{send_at:time}, for approval by {approver}: {message}",
        "comms.approved": "Communication ({channel}) to {audiences} approved by {approver}",
        "comms.sent": "Communication ({channel}) to {audiences} went out",
        "comms.answered": "What came back from the communication ({channel}) to {audiences}: "
        "{response}",
        # The review ladder (``gold.services.DECISIONS``).
        "decision.overdue": "Gold decision {number} of “{group}” NOT REVIEWED by its review time",
        "decision.escalated": "Gold decision {number} of “{group}” not reviewed: ladder rung "
        "{rung} to {audience:audiences}",
    }
)
