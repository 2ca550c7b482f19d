"""Channel backends for tests: one that always fails, one that refuses for good, and one that
takes every message as a provider that sends would."""

from __future__ import annotations

from typing import ClassVar

from notifications.channels import DeliveryError
from notifications.models import Notification


class FailingBackend:
    calls: ClassVar[int] = 0
    sends = True  # a provider that would send, were it not failing

    def send(self, *, notification: Notification, address: str, channel: str) -> None:
        FailingBackend.calls += 1
        raise DeliveryError("provider said no")


class RefusingBackend:
    """Fails permanently (a 4xx from the provider): no retry."""

    sends = True

    def send(self, *, notification: Notification, address: str, channel: str) -> None:
        raise DeliveryError("invalid number", permanent=True)


class AcceptingBackend:
    """Takes every message, as a provider that sends it would (its deliveries are delivered)."""

    sends = True
    taken: ClassVar[list[tuple[int, str]]] = []

    def send(self, *, notification: Notification, address: str, channel: str) -> None:
        AcceptingBackend.taken.append((notification.pk, channel))


class SlowBackend:
    """Takes each message after a pause, as a provider that sends it would: a worker's batch of
    these takes long enough to be killed in the middle of it."""

    sends = True

    def send(self, *, notification: Notification, address: str, channel: str) -> None:
        import os
        import time

        # Long enough, in the worker process the fault test starts, that the test's kill lands
        # in the middle of the batch even when the machine is busy.
        time.sleep(float(os.environ.get("SLOW_BACKEND_SECONDS", "0.3")))
