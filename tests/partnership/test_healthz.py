from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from tests.database import connection_settings

pytestmark = pytest.mark.django_db


def test_healthy_service_answers_200_without_signing_in() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["channel_layer"]["ok"] is True


@pytest.fixture
def database_unreachable() -> Iterator[None]:
    """Point the connection at a database that does not answer, then put it back."""
    if connection.vendor == "postgresql":
        unreachable = {"PORT": "1"}  # nothing listens on port 1
    else:
        unreachable = {"NAME": "/nonexistent-dir/db.sqlite3"}
    # A pool gives up in a second, not its 30.
    with connection_settings(unreachable, pool={"timeout": 1}):
        yield


@pytest.mark.django_db(transaction=True)
def test_database_down_answers_503(database_unreachable: None) -> None:
    response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"]["ok"] is False
    assert body["channel_layer"]["ok"] is True


def test_channel_layer_down_answers_503(settings: Any) -> None:
    # A Redis that is not there: the layer is real, the server is absent.
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["channel_layer"]["ok"] is False
    assert body["database"]["ok"] is True


@pytest.mark.redis
def test_real_redis_layer_is_reported(settings: Any) -> None:
    import os

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [os.environ["REDIS_URL"]]},
        }
    }
    body = Client().get("/healthz").json()
    assert body["channel_layer"] == {"ok": True, "detail": "RedisChannelLayer"}


@pytest.mark.redis
def test_the_pubsub_layer_is_reported_and_each_check_lets_go_of_its_channel(
    settings: Any,
) -> None:
    import os

    import redis
    from channels.layers import get_channel_layer

    from partnership.views import _check_channel_layer

    prefix = "asgi.test-healthz."
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [os.environ["REDIS_URL"]], "prefix": prefix},
        }
    }
    server = redis.Redis.from_url(os.environ["REDIS_URL"])

    async def checks() -> list[bytes | str]:
        # One event loop, as in a Daphne process: a subscription left behind would stay.
        for _ in range(3):
            assert await _check_channel_layer() == (True, "RedisPubSubChannelLayer")
        channels: list[bytes | str] = server.pubsub_channels(f"{prefix}*")
        await get_channel_layer().flush()
        return channels

    assert asyncio.run(checks()) == []
    body = Client().get("/healthz").json()
    assert body["channel_layer"] == {"ok": True, "detail": "RedisPubSubChannelLayer"}
