"""What this app writes on the timeline, in words (see ``partnership.audit_verbs``)."""

from __future__ import annotations

from partnership.audit_verbs import verbs_register

verbs_register(
    {
        "oversight_body.created": "Oversight body set up: {name}",
        "oversight_body.partnership_added": "Oversight body now oversees {partnership}",
        "oversight_body.member_added": "Oversight body member added: {member}",
        # The service operator's administration pages (``oversight.admin``).
        "oversightbody.created": "Oversight body set up in the administration pages, with "
        "{fields:fields}",
        "oversightbody.changed": "An oversight body was changed in the administration pages: "
        "{fields:fields}",
        "oversightbody.deleted": "An oversight body was deleted in the administration pages",
        "scrutiny.sent": "Scrutiny request from {body} to {partnership}, answer due by "
        "{due_at:time}",
        "scrutiny.answered": "Scrutiny request answered[ ({late:late})]",
        "scrutiny.closed": "Scrutiny request closed by the oversight body",
        # The ladder (``oversight.services.SCRUTINY``).
        "scrutiny.overdue": "Scrutiny request from {body} to {partnership} NOT ANSWERED by "
        "its date",
        "scrutiny.escalated": "Scrutiny request not answered: ladder rung {rung} to "
        "{audience:audiences}",
    }
)
