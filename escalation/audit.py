"""What this app writes on the timeline, in words (see ``partnership.audit_verbs``): incidents
and their determinations, the protocol and its versions, duties and their ladders, situation
reports and the debrief.

``protocolversion.*`` and ``protocolstep.*`` are written by the administration pages, which
record the names of the fields changed and never their values.
"""

from __future__ import annotations

from partnership.audit_verbs import verbs_register

verbs_register(
    {
        # Incidents.
        "incident.reported": "Incident reported",
        "incident.assessment_started": "Assessment started",
        "incident.declared_major": "Determined a MAJOR incident: {rationale}",
        "incident.found_not_major": "Determined not major (casework route): {rationale}",
        "incident.linked": "Linked to incident {other_id} as a series of connected events",
        "incident.stood_down": "Stood down: {reason}",
        "incident.closed": "Incident closed",
        "situation_report.sent": "Situation report sent ({purposes:purposes})"
        "[ to {audiences:audiences}]",
        # The protocol.
        "protocol.started": "Protocol v{protocol_version} started: duties created",
        "protocol.created": "Protocol version {number} drafted",
        "protocol.published": "Protocol version {number} published: incidents declared from "
        "now on run under it",
        "protocol.retired": "This protocol version was retired: a newer one was published "
        "(incidents already running keep their own copy)",
        "protocolversion.created": "Protocol version drafted in the administration pages"
        "[, with {fields:fields}]",
        "protocolversion.changed": "A draft protocol version was changed in the administration "
        "pages: {fields:fields}",
        "protocolversion.deleted": "A draft protocol version was deleted in the administration "
        "pages",
        "protocolstep.saved": "A step of a draft protocol version was written in the "
        "administration pages",
        "protocolstep.deleted": "A step of a draft protocol version was removed in the "
        "administration pages",
        # Duties and their ladder (``escalation.services.duties.DUTIES``).
        "duty.completed": "Duty done: {step}",
        "duty.waived": "Duty waived: {step} ({reason})",
        "duty.ready": "Duty can now be done: {step} (what it waited for, {after}, is "
        "finished), due {due_at:time}",
        "duty.overdue": "Duty OVERDUE: {step}",
        "duty.escalated": "Duty escalated: {step}, rung {rung} to {audience:audiences}",
        "duty.deadline_recomputed": "Deadline recomputed: {step}, now due {due_at:time} ({why})",
        "meeting.scheduled": "Debrief scheduled for {starts_at:time} at {location}",
    }
)
