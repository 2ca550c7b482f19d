"""The review app's one write: an export of a timeline is itself recorded on the timeline."""

from __future__ import annotations

from django.db import transaction

from partnership.models import Member
from partnership.scopes import Scope
from partnership.timeline import audit_record


@transaction.atomic
def timeline_export_record(
    *, actor: Member, scope: Scope, export_format: str, events: int, last_seq: int | None
) -> None:
    """Exports are themselves on the timeline: who took a copy, of what, when."""
    audit_record(
        actor=actor,
        verb="timeline.exported",
        subject_type="timeline",
        subject_id=str(scope),
        scope=scope,
        changes={"format": export_format, "events": events, "last_seq": last_seq},
    )
