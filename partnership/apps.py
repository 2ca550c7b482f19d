from django.apps import AppConfig


class PartnershipConfig(AppConfig):
    name = "partnership"
    verbose_name = "Partnership directory and timeline"

    def ready(self) -> None:
        # Registers this app's permission rules with the one registry every door consults.
        from partnership import rules  # noqa: F401
