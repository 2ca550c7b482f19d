from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    """Casework for the incidents that are not major: cases, their lead officers, victim contact
    to the partnership's standard and case actions. Above escalation and conference (it uses
    their incidents, people and referrals), below review."""

    name = "casework"
    verbose_name = "Casework"

    def ready(self) -> None:
        # Registers the verbs, the rules, the case task ladder's kind and the demo's casework,
        # each with its registry.
        from casework import audit, demo, rules  # noqa: F401
        from casework.selectors import tension_rows
        from casework.services import case_on_not_major, case_on_person_linked
        from casework.services.retention import casework_retention
        from casework.worklist import register as worklist_sources
        from conference.services import person_linked_register
        from conference.services.retention import retention_step_register
        from escalation.services import incident_not_major_register
        from escalation.views import board_panel_register
        from partnership.models import Member
        from partnership.permissions import can

        incident_not_major_register(case_on_not_major)
        person_linked_register(case_on_person_linked)
        worklist_sources()
        retention_step_register(casework_retention)

        def tension_panel(member: Member) -> tuple[str, dict[str, object]] | None:
            if not can(member, "tension.view"):
                return None
            return "casework/_board_tension.html", {"rows": tension_rows(member.partnership)}

        board_panel_register(tension_panel)
