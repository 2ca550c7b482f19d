"""Pushes made by synchronous code (after commit, by senders and workers) go through one event loop
that the process keeps (``partnership.live``): its connections to Redis outlive a push, so they
must come back by themselves when Redis does."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from channels.layers import get_channel_layer

from partnership import live
from tests.processes import OwnRedis, wait_for

pytestmark = pytest.mark.redis

LAYERS = {
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
    "core": "channels_redis.core.RedisChannelLayer",
}


async def _listen_then(push: Any, timeout: float = 5) -> dict[str, Any]:
    """Join a group, have ``push`` run in a thread (as a request's after-commit hook does), and
    return what arrives."""
    layer = get_channel_layer()
    assert layer is not None
    channel = await layer.new_channel()
    await layer.group_add("push-test", channel)
    try:
        pushed = await asyncio.to_thread(push)
        assert pushed is True
        return dict(await asyncio.wait_for(layer.receive(channel), timeout))
    finally:
        await layer.group_discard("push-test", channel)


@pytest.mark.parametrize("backend", sorted(LAYERS))
def test_pushes_from_threads_arrive_and_come_back_after_redis_restarts(
    backend: str, own_redis: OwnRedis, settings: Any
) -> None:
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": LAYERS[backend], "CONFIG": {"hosts": [own_redis.url]}}
    }
    event = {"type": "push.test", "n": 1}

    def push() -> bool:
        return live.group_send_now("push-test", event)

    assert asyncio.run(_listen_then(push)) == event
    loop = live._push_loop
    assert loop is not None
    assert loop.is_running()

    own_redis.stop()
    assert live.group_send_now("push-test", event) is False  # told, within the push timeout
    own_redis.start()  # the same port
    wait_for(lambda: live.group_send_now("push-test", event), 10, "pushes work again")
    assert asyncio.run(_listen_then(push)) == event
    assert live._push_loop is loop  # the same loop throughout: nothing was made afresh


def test_a_push_from_async_code_is_refused_rather_than_stopping_its_loop() -> None:
    async def from_a_coroutine() -> bool:
        return live.group_send_now("push-test", {"type": "push.test"})

    assert asyncio.run(from_a_coroutine()) is False


@pytest.mark.parametrize("backend", sorted(LAYERS))
def test_many_sender_threads_pushing_at_once_are_all_taken(
    backend: str, own_redis: OwnRedis, settings: Any
) -> None:
    """Eight sender threads' batches share the one push loop, and so its connection pool: each
    push waits its turn rather than being refused."""
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": LAYERS[backend], "CONFIG": {"hosts": [own_redis.url]}}
    }
    taken: list[bool] = []

    def batch(n: int) -> None:
        sends = [(f"push-test.{n}.{i}", {"type": "push.test"}) for i in range(125)]
        taken.extend(live.group_send_many_now(sends))

    threads = [threading.Thread(target=batch, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert (len(taken), taken.count(False)) == (1000, 0)
