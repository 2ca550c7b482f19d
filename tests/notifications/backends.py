"""Channel backends for tests: one that always fails, one that remembers what it sent."""

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
