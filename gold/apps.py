from django.apps import AppConfig


class GoldConfig(AppConfig):
    """Gold: incidents connected across partnerships (both co-ordinators agree), and the gold
    groups convened over them. It sits above review (it reads incidents, the live room and the
    timeline) and is imported by no other app."""

    name = "gold"
    verbose_name = "Gold groups and connected incidents"

    def ready(self) -> None:
        # Registers the rules and verbs this app writes and the demo's linked pair.
        from gold import audit, demo, rules  # noqa: F401
