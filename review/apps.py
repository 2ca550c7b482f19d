from django.apps import AppConfig


class ReviewConfig(AppConfig):
    """The top floor: reads every other app (timelines, replay, compliance, reports, the access
    log) and is imported by none of them."""

    name = "review"
    verbose_name = "Gold group review"

    def ready(self) -> None:
        # Registers who may review with the one registry every door consults.
        from review import rules  # noqa: F401
