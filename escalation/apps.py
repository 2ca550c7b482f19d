from django.apps import AppConfig


class EscalationConfig(AppConfig):
    name = "escalation"
    verbose_name = "Escalation engine"

    def ready(self) -> None:
        from escalation import rules  # noqa: F401
