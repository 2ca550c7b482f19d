from django.apps import AppConfig


class EscalationConfig(AppConfig):
    name = "escalation"
    verbose_name = "Escalation engine"

    def ready(self) -> None:
        from escalation import audit, rules  # noqa: F401 (verbs and permissions)
        from escalation.models import Incident, Meeting
        from escalation.services import (
            duties,  # noqa: F401 (registers the duty ladder)
            duty_deadlines_recompute,
            protocol_current,
        )
        from escalation.worklist import STEPS
        from notifications.ics import MeetingInvite, meeting_subject_register
        from notifications.links import scope_page_register
        from partnership.calendar.services import calendar_change_register
        from partnership.demo import demo_extra_register
        from partnership.scopes import ScopeKind
        from partnership.timeline import timeline_scope_register
        from partnership.worklist import worklist_register

        scope_page_register(ScopeKind.INCIDENT, "incident-detail")
        timeline_scope_register(ScopeKind.INCIDENT, Incident)
        # The steps the member owns or covers, on their home page's work list.
        worklist_register(STEPS)
        calendar_change_register(duty_deadlines_recompute)
        # The source document's protocol, so administrators find it in place from the start.
        demo_extra_register(protocol_current)

        def meeting_invite(subject_id: str) -> MeetingInvite | None:
            meeting = Meeting.objects.filter(pk=subject_id).select_related("organiser").first()
            if meeting is None:
                return None
            return MeetingInvite(
                uid=f"meeting-{meeting.pk}",
                title=meeting.title,
                starts_at=meeting.starts_at,
                ends_at=meeting.ends_at,
                location=meeting.location,
                organiser_email=meeting.organiser.email,
                attendee_emails=[m.email for m in meeting.invitees.all()],
            )

        meeting_subject_register("escalation.meeting", meeting_invite)
