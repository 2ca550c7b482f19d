"""What this app writes on the timeline, in words (see ``partnership.audit_verbs``): incidents
and their determinations, the protocol and its versions, duties and their ladders, situation
reports and the debrief.

``protocolversion.*`` and ``protocolstep.*`` are written by the administration pages, which
record the names of the fields changed and never their values.
"""

from __future__ import annotations

from escalation.protocol import DEFAULT_STEPS
from partnership.audit_verbs import detail_words_register, verbs_register

# The source document's protocol steps, by code (a partnership's own steps read as their code).
detail_words_register("step", {step["code"]: step["description"] for step in DEFAULT_STEPS})

verbs_register(
    {
        # Incidents.
        "incident.reported": "Incident reported",
        "incident.assessment_started": "Assessment started",
        "incident.declared_major": "Determined a MAJOR incident: {rationale}",
        "incident.found_not_major": "Determined not major (casework route): {rationale}",
        "incident.linked": "Linked to incident {other_id:incident} as a series of connected events",
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
        "duty.completed": "Step done: {step:step}",
        "duty.waived": "Step waived: {step:step} ({reason})",
        "duty.ready": "Step can now be done: {step:step} (the step it waited for, "
        "{after:step}, is finished); due {due_at:time}",
        "duty.overdue": "Step late: {step:step} was due {due_at:time} and is not done",
        "duty.escalated": "Late step escalated: {step:step}; {audience:audiences} told "
        "(reminder {rung})",
        "duty.deadline_recomputed": "Deadline recomputed: {step:step}, now due {due_at:time} "
        "({why})",
        "meeting.scheduled": "Debrief scheduled for {starts_at:time} at {location}",
    }
)
