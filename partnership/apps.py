from django.apps import AppConfig


class PartnershipConfig(AppConfig):
    name = "partnership"
    verbose_name = "Partnership directory and timeline"

    def ready(self) -> None:
        # Registers this app's permission rules and audit verbs with the one registry of each,
        # the signal that tells a withdrawn agency's members' sockets, and the signals that move
        # the members' access marks.
        from partnership import access_marks, audit, live, rules  # noqa: F401
