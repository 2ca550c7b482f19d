from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from notifications.channels import backends_reset

# Puts channel backends in place, by channel: ``backends(sms="tests....FailingBackend")``.
Backends = Callable[..., None]


@pytest.fixture
def backends(settings: Any) -> Iterator[Backends]:
    def use(**channels: str) -> None:
        settings.NOTIFICATION_BACKENDS = {**settings.NOTIFICATION_BACKENDS, **channels}
        backends_reset()

    yield use
    backends_reset()
