from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # ack_ladder registers its ladder kind; audit its verbs; rules its permissions.
        from notifications import ack_ladder, audit, rules  # noqa: F401
        from notifications.dispatch import senders_wait
        from notifications.readiness import channels_health
        from notifications.signin_alerts import lockout_alert
        from notifications.worklist import MESSAGES
        from partnership.demo import demo_finish_register
        from partnership.health import health_report_register
        from partnership.throttle import lockout_listener_register
        from partnership.worklist import worklist_register

        # Messages waiting for the member, on their home page's work list.
        worklist_register(MESSAGES)
        # /healthz, at the bottom, reports whether each channel sends.
        health_report_register("channels", channels_health)

        # The sign-in throttle lives below this app; it learns whom to tell from here.
        lockout_listener_register(lockout_alert)

        # The demo's notifications are sent on threads after commit: load_demo waits for them,
        # so that the process does not exit under them (their sends would fail, and wait for
        # the scheduler's sweep).
        demo_finish_register(senders_wait)
