from django.apps import AppConfig


class ReviewConfig(AppConfig):
    """The top floor: reads every other app (timelines, replay, compliance, reports, the access
    log) and is imported by none of them."""

    name = "review"
    verbose_name = "Gold group review"

    def ready(self) -> None:
        # Registers who may review, the verbs this app writes and its part of the demo, with the
        # registry of each.
        from escalation.services import (
            incident_narratives_remove_register,
            meeting_scheduled_register,
        )
        from review import audit, demo, rules  # noqa: F401
        from review.services import debrief_open
        from review.services.retention import review_narratives_remove
        from review.worklist import register as worklist_sources

        # For the gold group: running incidents with missed steps, on the home page's work list.
        worklist_sources()
        # The debrief meeting scheduled: its record is opened, with its own deadline.
        meeting_scheduled_register(debrief_open)
        # Retention removes an incident's narrative: the copies here go with it.
        incident_narratives_remove_register(review_narratives_remove)
