from django.apps import AppConfig


class ConferenceConfig(AppConfig):
    name = "conference"
    verbose_name = "Risk conferences"

    def ready(self) -> None:
        from conference import audit, rules  # noqa: F401 (verbs and permissions)
        from conference.models import Conference, Person
        from conference.services import actions  # noqa: F401 (registers the action ladder)
        from conference.worklist import register as worklist_sources
        from notifications.ics import MeetingInvite, meeting_subject_register
        from notifications.links import scope_page_register
        from partnership.scopes import ScopeKind
        from partnership.timeline import timeline_scope_register

        # Actions, conferences, flags and referrals on the home page's work list.
        worklist_sources()
        scope_page_register(ScopeKind.CONFERENCE, "conference-detail")
        scope_page_register(ScopeKind.PERSON, "person-detail")
        timeline_scope_register(ScopeKind.CONFERENCE, Conference)
        timeline_scope_register(ScopeKind.PERSON, Person)

        def conference_invite(subject_id: str) -> MeetingInvite | None:
            conference = (
                Conference.objects.filter(pk=subject_id).select_related("coordinator").first()
            )
            if conference is None:
                return None
            return MeetingInvite(
                uid=f"conference-{conference.pk}",
                title=conference.title,
                starts_at=conference.starts_at,
                ends_at=conference.ends_at,
                location=conference.location,
                organiser_email=conference.coordinator.email,
                attendee_emails=[m.email for m in conference.invitees.all()],
            )

        meeting_subject_register("conference.conference", conference_invite)
