"""Where webhooks may be sent: the policy, checked when an address is saved and again at every
send.

A webhook makes the service POST to an address a member chose, so without a policy anyone could
make it reach its own internal network (the database, Redis, a cloud's metadata service). So:

- in production only ``https://`` (``WEBHOOK_HTTPS_ONLY``, always on there);
- the host's every resolved address must be a public one: loopback, private, link-local (cloud
  metadata at 169.254.169.254 among them), shared (100.64.0.0/10), multicast, reserved and
  documentation ranges are refused, IPv4-mapped IPv6 included, unless the deployment lists a
  network in ``WEBHOOK_ALLOWED_NETWORKS`` (an agency's own system on its private network);
- at send the name is resolved again and the connection is made to the address that was checked,
  with the name kept for TLS and the ``Host`` header, so a name that resolves to a public address
  at the check and to an internal one a moment later (DNS rebinding) cannot get through; redirects
  are not followed.

At save a name that does not resolve is accepted (DNS may be down, or the receiving service not
yet live); the check at send decides.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class WebhookAddressError(ValueError):
    """The address breaks the policy: the message says why, for the member who gave it."""


@dataclass(frozen=True)
class WebhookTarget:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP address to connect to


@cache
def _allowed_networks(
    networks: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(n, strict=False) for n in networks)


def address_refusal(address: IPAddress) -> str | None:
    """Why the service must not send to ``address``, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    allowed = _allowed_networks(tuple(settings.WEBHOOK_ALLOWED_NETWORKS))
    if any(address in network for network in allowed):
        return None
    if address.is_loopback:
        return "it is this machine (loopback)"
    if address.is_link_local:
        return "it is a link-local address (such as a cloud's metadata service)"
    if address.is_private:
        return "it is on a private network"
    if address.is_multicast or not address.is_global:
        return "it is not a public internet address"
    return None


def _parts(url: str) -> tuple[str, str, int, str]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise WebhookAddressError("A webhook address must start with https://.")
    if scheme == "http" and settings.WEBHOOK_HTTPS_ONLY:
        raise WebhookAddressError("A webhook address must start with https:// (not http://).")
    if not parts.hostname:
        raise WebhookAddressError("A webhook address must name a host.")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise WebhookAddressError("The webhook address has an invalid port.") from exc
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, parts.hostname, port, path


def _resolved(host: str, port: int) -> list[IPAddress]:
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return [literal]
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


def _checked(host: str, addresses: list[IPAddress]) -> None:
    for address in addresses:
        refusal = address_refusal(address)
        if refusal is not None:
            raise WebhookAddressError(
                f"Webhooks cannot be sent to {host}: {refusal}. Give a public https:// address."
            )


def webhook_url_check(url: str) -> None:
    """At save: the scheme, and every address the host resolves to now (a name that does not
    resolve is left to the check at send)."""
    _scheme, host, port, _path = _parts(url)
    try:
        addresses = _resolved(host, port)
    except OSError:
        return
    _checked(host, addresses)


def webhook_target(url: str) -> WebhookTarget:
    """At send: resolve and check once, and return the address to connect to. Raises
    ``WebhookAddressError`` when the policy refuses it and ``OSError`` when the name does not
    resolve."""
    scheme, host, port, path = _parts(url)
    addresses = _resolved(host, port)
    if not addresses:
        raise OSError(f"{host} has no address")
    _checked(host, addresses)
    return WebhookTarget(scheme=scheme, host=host, port=port, path=path, address=str(addresses[0]))
