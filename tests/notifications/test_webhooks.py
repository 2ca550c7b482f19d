"""Issue 13 item 9: webhook addresses. https only in production; addresses that resolve to
loopback, private, link-local (cloud metadata) or other non-public ranges refused when saved and
when sent, the name resolved once per send and the connection made to the address checked (no
DNS rebinding), redirects not followed."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from notifications import services
from notifications.channels import backends_reset
from notifications.dispatch import deliveries_send
from notifications.models import ContactPreference, DeliveryState, Notification
from partnership.audiences import Audience
from partnership.models import Member
from tests import factories

pytestmark = pytest.mark.django_db

PUBLIC = "93.184.216.34"


def _resolving(*answers: str) -> Any:
    """A stand-in for ``socket.getaddrinfo`` answering each call with the next address."""
    calls: list[str] = []
    queue = list(answers)

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        calls.append(host)
        address = queue.pop(0) if len(queue) > 1 else queue[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    getaddrinfo.calls = calls  # type: ignore[attr-defined]
    return getaddrinfo


def _save(member: Member, url: str) -> ContactPreference:
    return services.contact_preference_set(
        member=member, email=True, sms=False, sms_number="", webhook=True, webhook_url=url
    )


@pytest.mark.parametrize(
    ("url", "answer", "why"),
    [
        ("https://127.0.0.1/hook", None, "loopback"),
        ("https://[::1]/hook", None, "loopback"),
        ("https://169.254.169.254/latest/meta-data/", None, "link-local"),
        ("https://10.1.2.3/hook", None, "private network"),
        ("https://[::ffff:192.168.0.7]/hook", None, "private network"),
        ("https://100.100.100.200/hook", None, "not a public internet address"),
        ("https://hooks.partner.test/hook", "127.0.0.1", "loopback"),
        ("https://metadata.partner.test/", "169.254.169.254", "link-local"),
        ("https://intranet.partner.test/", "172.16.0.9", "private network"),
    ],
)
def test_internal_addresses_are_refused_at_save(
    demo: dict[str, Member], url: str, answer: str | None, why: str
) -> None:
    with (
        mock.patch("socket.getaddrinfo", _resolving(answer or PUBLIC)),
        pytest.raises(ValidationError) as refused,
    ):
        _save(demo["crro"], url)
    assert why in refused.value.message_dict["webhook_url"][0]
    assert not ContactPreference.objects.filter(member=demo["crro"], webhook=True).exists()


def test_https_only_in_production_and_public_addresses_pass(
    demo: dict[str, Member], settings: Any
) -> None:
    settings.WEBHOOK_HTTPS_ONLY = True
    with (
        mock.patch("socket.getaddrinfo", _resolving(PUBLIC)),
        pytest.raises(ValidationError) as refused,
    ):
        _save(demo["crro"], "http://hooks.partner.test/hook")
    assert "https://" in refused.value.message_dict["webhook_url"][0]
    with mock.patch("socket.getaddrinfo", _resolving(PUBLIC)):
        assert _save(demo["crro"], "https://hooks.partner.test/hook").webhook


def test_an_allowed_network_is_a_documented_exception(
    demo: dict[str, Member], settings: Any
) -> None:
    settings.WEBHOOK_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    assert _save(demo["crro"], "https://10.20.1.5/hook").webhook
    with pytest.raises(ValidationError):
        _save(demo["crro"], "https://10.21.1.5/hook")


class _Receiver(http.server.BaseHTTPRequestHandler):
    seen: list[tuple[str, str]] = []
    answer = 204

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        _Receiver.seen.append((self.path, self.headers["Host"]))
        self.send_response(_Receiver.answer)
        if _Receiver.answer == 302:
            self.send_header("Location", "http://127.0.0.1:1/elsewhere")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver(settings: Any) -> Iterator[int]:
    _Receiver.seen = []
    _Receiver.answer = 204
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.NOTIFICATION_BACKENDS = {
        **settings.NOTIFICATION_BACKENDS,
        "webhook": "notifications.channels.HttpWebhookBackend",
    }
    backends_reset()
    yield server.server_port
    server.shutdown()
    server.server_close()
    backends_reset()


def _notify(member: Member) -> Notification:
    (notification,) = factories.notifications(
        audiences=[Audience.member(member.pk)],
        subject=member,
        cause="webhook-test",
        title="Stand by",
    )
    return notification


def test_a_name_that_turns_internal_after_the_save_is_refused_at_send(
    demo: dict[str, Member], receiver: int
) -> None:
    url = f"http://hooks.partner.test:{receiver}/hook"
    resolver = _resolving(PUBLIC, "127.0.0.1")  # DNS rebinding: public when checked, then not
    with mock.patch("socket.getaddrinfo", resolver):
        _save(demo["crro"], url)
        notification = _notify(demo["crro"])
        deliveries_send([notification.pk])
    hook = notification.deliveries.get(channel="webhook")
    assert hook.state == DeliveryState.FAILED
    assert hook.attempts == 1  # refused for good, not retried
    assert "loopback" in hook.last_error
    assert _Receiver.seen == []


def test_the_connection_goes_to_the_address_checked(
    demo: dict[str, Member], receiver: int, settings: Any
) -> None:
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]  # the receiver is on this machine
    url = f"http://hooks.partner.test:{receiver}/hook?k=1"
    # Were the name resolved a second time (to connect), it would answer an address nobody
    # listens on, and the send would fail.
    resolver = _resolving("127.0.0.1", "127.0.0.1", "192.0.2.1")
    with mock.patch("socket.getaddrinfo", resolver):
        _save(demo["crro"], url)
        notification = _notify(demo["crro"])
        deliveries_send([notification.pk])
    hook = notification.deliveries.get(channel="webhook")
    assert hook.state == DeliveryState.DELIVERED, hook.last_error
    assert _Receiver.seen == [("/hook?k=1", f"hooks.partner.test:{receiver}")]
    assert resolver.calls == ["hooks.partner.test", "hooks.partner.test"]  # save, send


def test_redirects_are_not_followed(demo: dict[str, Member], receiver: int, settings: Any) -> None:
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    _Receiver.answer = 302
    _save(demo["crro"], f"http://127.0.0.1:{receiver}/hook")
    notification = _notify(demo["crro"])
    deliveries_send([notification.pk])
    hook = notification.deliveries.get(channel="webhook")
    assert hook.state == DeliveryState.FAILED
    assert "redirect" in hook.last_error
    assert len(_Receiver.seen) == 1
