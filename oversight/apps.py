from django.apps import AppConfig


class OversightConfig(AppConfig):
    """The floor above review: an oversight body (a forum, a force, a region) over several
    partnerships reads their figures and sends them scrutiny requests. It reads every other app
    and is imported by none of them."""

    name = "oversight"
    verbose_name = "Oversight bodies"

    def ready(self) -> None:
        # Registers who may oversee, the verbs this app writes, the scrutiny ladder's kind and
        # the demo's forum, each with its registry.
        from notifications.links import scope_page_register
        from oversight import audit, demo, rules, services  # noqa: F401
        from oversight.models import ScrutinyRequest
        from partnership.scopes import ScopeKind
        from partnership.timeline import timeline_scope_register

        # A message about a request opens the request's own page, where it is answered.
        scope_page_register(ScopeKind.SCRUTINY, "scrutiny-detail")
        timeline_scope_register(ScopeKind.SCRUTINY, ScrutinyRequest)
