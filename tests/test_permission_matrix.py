"""The permission matrix: every URL pattern, API endpoint and websocket route of the project,
enumerated from the project itself, tried by every demo member, a member of an agency outside
the demo, an account without an agency, and anonymous callers.

Who is let in is specified in ``tests/permission_matrix_rules.py`` (from each app's ``rules.py``).
Everyone else must be refused (401, 403, 404, or the sign-in page for anonymous page requests)
with none of the world's sensitive markers in the body; those let in must not be refused, and no
response to anyone may contain a marker that person may not see. A route without a rule, or a
rule without a route, fails.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponseBase
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conference.models import PersonAccess
from config.asgi import application
from config.routing import websocket_urlpatterns
from partnership.auth import token_issue
from partnership.permissions import can, registered_actions
from tests.permission_matrix_rules import (
    ANONYMOUS,
    DIRECTORY_MANAGE,
    EVERYONE,
    MARKERS,
    PERSON_VIEW,
    RULE_SETS,
    RULES,
    SHOWN,
    SOCKET_RULES,
    SOCKET_SHOWN,
    USERS,
    Door,
)
from tests.world import (
    CONSENT_NOTES,
    ELSEWHERE,
    REFERRAL_SUMMARY,
    SAFE_CONTACT,
    VICTIM_NAME,
    MatrixWorld,
    matrix_world,
)

REFUSALS = frozenset({401, 403, 404})
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- The routes, from the project ----------------------------------------------------------------
@dataclass(frozen=True)
class Route:
    key: str  # the name, or the route string when unnamed
    route: str
    name: str | None

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")


def _skipped(route: str) -> bool:
    """Static and media files (served by WhiteNoise, not by patterns, but a pattern could come)."""
    prefixes = [str(url or "").strip("/") for url in (settings.STATIC_URL, settings.MEDIA_URL)]
    return any(prefix and route.startswith(prefix + "/") for prefix in prefixes)


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[Route]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            # Django admin is covered on its own (test_django_admin_is_for_administrators_only).
            if pattern.namespace == "admin":
                continue
            yield from _walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and not _skipped(route):
            yield Route(key=pattern.name or route, route=route, name=pattern.name)


def http_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns))


def socket_routes() -> list[str]:
    return [str(pattern.pattern) for pattern in websocket_urlpatterns]


HTTP_ROUTES = {route.key: route for route in http_routes()}


def test_every_route_has_a_rule() -> None:
    keys = [route.key for route in http_routes()]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    assert not repeated, f"routes sharing a name (give each its own): {repeated}"
    missing = sorted(set(keys) - set(RULES))
    assert not missing, (
        f"routes with no entry in RULES (tests/permission_matrix_rules.py): {missing}"
    )
    missing_sockets = sorted(set(socket_routes()) - set(SOCKET_RULES))
    assert not missing_sockets, f"websocket routes with no entry in SOCKET_RULES: {missing_sockets}"


def test_every_rule_has_a_route() -> None:
    gone = sorted(set(RULES) - set(HTTP_ROUTES))
    assert not gone, f"RULES entries for routes that no longer exist: {gone}"
    gone_sockets = sorted(set(SOCKET_RULES) - set(socket_routes()))
    assert not gone_sockets, f"SOCKET_RULES entries for routes that no longer exist: {gone_sockets}"


def test_every_permission_rule_is_specified() -> None:
    specified = [action for action, _, _ in RULE_SETS]
    missing = sorted(set(registered_actions()) - set(specified))
    assert not missing, f"permission rules the matrix does not specify (RULE_SETS): {missing}"
    gone = sorted(set(specified) - set(registered_actions()))
    assert not gone, f"RULE_SETS entries for rules that no longer exist: {gone}"


# --- The world -----------------------------------------------------------------------------------
@pytest.fixture(scope="class")
def world_saved(django_db_setup: None, django_db_blocker: Any) -> Iterator[MatrixWorld]:
    """The world, built once per class inside a transaction rolled back at the end.

    Each test runs inside it in pytest-django's own transaction (a savepoint here), so every test
    starts from this same world whatever the previous test's POSTs changed, without paying for a
    new world (the demo partnership and a conference's worth of services) each time.
    """
    # Left unblocked for the class: every test in it uses the database anyway (``world``).
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(PASSWORD_HASHERS=FAST_HASHER):
            world = matrix_world()
        try:
            yield world
        finally:
            transaction.set_rollback(True)


@pytest.fixture
def world(world_saved: MatrixWorld, db: None) -> MatrixWorld:
    return world_saved


@pytest.fixture(scope="class")
def signed_in(world_saved: MatrixWorld) -> dict[str, tuple[Client, SimpleCookie]]:
    """A client per user, signed in once with the world (so their sessions outlive each test's
    rollback), with the cookies they started with. A client loads the middleware on its first
    request, which costs more than the request: making 18 new clients per route would triple
    the run."""
    clients = {}
    for username in EVERYONE:
        client = Client()
        if username != ANONYMOUS:
            client.force_login(world_saved.members[username])
        clients[username] = (client, SimpleCookie(client.cookies))
    return clients


@pytest.fixture
def clients(
    world: MatrixWorld, signed_in: dict[str, tuple[Client, SimpleCookie]]
) -> dict[str, Client]:
    """The signed-in clients with their starting cookies back (a test may have signed one out
    or left it a message)."""
    for client, cookies in signed_in.values():
        client.cookies = SimpleCookie(cookies)
    return {username: client for username, (client, _) in signed_in.items()}


# --- Asking ---------------------------------------------------------------------------------------
def _url(route: Route, kwargs: dict[str, Any]) -> str:
    if route.name:
        return reverse(route.name, kwargs=kwargs)
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), route.route)


def _content(response: HttpResponseBase) -> str:
    if getattr(response, "streaming", False):
        data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    else:
        data = response.content  # type: ignore[attr-defined]
    return data.decode("utf-8", "replace")


def _refused(route: Route, username: str, response: HttpResponseBase) -> bool:
    if response.status_code in REFUSALS:
        return True
    # Anonymous people asking for a page are sent to sign in.
    return (
        username == ANONYMOUS
        and not route.is_api
        and response.status_code == 302
        and response["Location"].startswith(reverse("login"))
    )


def _problems(
    route: Route, method: str, door: Door, username: str, response: HttpResponseBase
) -> list[str]:
    status = response.status_code
    body = _content(response)
    if username in door.allowed:
        problems = []
        # A POST may be answered 400 or 409 (the body is empty, or the change does not fit the
        # state): it was let in all the same.
        refused = status >= 400 if method == "GET" else status in REFUSALS
        if refused and status not in door.let_in:
            problems.append(f"was refused ({status})")
        unseen = [marker for marker, sees in MARKERS.items() if username not in sees]
        problems += [f"was shown {marker!r}" for marker in unseen if marker in body]
        return problems
    problems = [] if _refused(route, username, response) else [f"was let in ({status})"]
    problems += [f"was shown {marker!r} in a refusal" for marker in MARKERS if marker in body]
    return problems


# --- The matrix over HTTP ------------------------------------------------------------------------
@pytest.mark.usefixtures("world_saved")
class TestHttpMatrix:
    def test_allowed_sets_follow_the_rules(self, world: MatrixWorld) -> None:
        wrong = []
        for action, target, expected in RULE_SETS:
            obj = target(world)
            allowed = {u for u in USERS if can(world.members[u], action, obj)}
            if allowed != expected:
                wrong.append(
                    f"{action}: the rule also allows {sorted(allowed - expected)} and refuses "
                    f"{sorted(expected - allowed)}"
                )
        assert not wrong, "\n".join(wrong)

    @pytest.mark.parametrize("key", sorted(HTTP_ROUTES))
    def test_route(self, world: MatrixWorld, clients: dict[str, Client], key: str) -> None:
        route = HTTP_ROUTES[key]
        rule = RULES.get(key)
        assert rule is not None, f"{key}: no entry in RULES"
        url = _url(route, rule.kwargs(world))
        failures = []
        for method, door in rule.doors.items():
            for username in EVERYONE:
                client = clients[username]
                if rule.throttled:
                    cache.clear()
                target = f"{url}?{door.query}" if door.query else url
                where = f"{key}:{method}:{username}"
                try:
                    if method == "GET":
                        response = client.get(target)
                    elif route.is_api:
                        response = client.generic(
                            method,
                            target,
                            json.dumps(door.body(world)),
                            content_type="application/json",
                        )
                    else:
                        response = client.post(target, door.body(world))
                except Exception as exc:  # a crash is a failure of this cell, not of the run
                    failures.append(f"{where} raised {type(exc).__name__}: {exc}")
                    continue
                failures += [
                    f"{where} {problem}"
                    for problem in _problems(route, method, door, username, response)
                ]
        assert not failures, f"{url}\n" + "\n".join(failures)

    def test_markers_reach_those_who_may_see_them(
        self, world: MatrixWorld, clients: dict[str, Client]
    ) -> None:
        missing = []
        for key, username, marker in SHOWN:
            assert username in MARKERS[marker], f"{key}: {username} is not to see {marker!r}"
            route, rule = HTTP_ROUTES[key], RULES[key]
            url = _url(route, rule.kwargs(world))
            query = rule.doors["GET"].query
            response = clients[username].get(f"{url}?{query}" if query else url)
            if marker not in _content(response):
                missing.append(f"{key}:GET:{username} ({response.status_code}) lacks {marker!r}")
        assert not missing, "\n".join(missing)

    def test_django_admin_is_for_administrators_only(
        self, world: MatrixWorld, clients: dict[str, Client]
    ) -> None:
        demo_member = f"/admin/partnership/member/{world.pk('panel-police')}/change/"
        paths = [
            "/admin/",
            "/admin/partnership/member/",
            demo_member,
            "/admin/partnership/auditevent/",
            "/admin/partnership/agency/",
            "/admin/partnership/calendaryear/",
        ]
        failures = []
        for username in EVERYONE:
            for path in paths:
                response = clients[username].get(path)
                where = f"{path}:GET:{username}"
                if username in ELSEWHERE:
                    # Another partnership's administrator: their own partnership's lists, in
                    # which the demo's member is not (the admin says it does not exist and goes
                    # back to its index), and nothing of the demo partnership anywhere.
                    expected = (302, 404) if path == demo_member else (200,)
                    if response.status_code not in expected or (
                        response.status_code == 302 and response["Location"] != "/admin/"
                    ):
                        failures.append(f"{where} answered {response.status_code}")
                    body = _content(response)
                    failures += [f"{where} was shown {m!r}" for m in MARKERS if m in body]
                    continue
                if username in DIRECTORY_MANAGE:
                    if response.status_code != 200:
                        failures.append(f"{where} was refused ({response.status_code})")
                    continue
                # Refused people are sent to the admin sign-in, which is the one sign-in page.
                if response.status_code not in (302, *REFUSALS):
                    failures.append(f"{where} was let in ({response.status_code})")
                elif response.status_code == 302 and not response["Location"].startswith(
                    ("/admin/login/", reverse("login"))
                ):
                    failures.append(f"{where} was sent to {response['Location']}")
                body = _content(response)
                failures += [f"{where} was shown {m!r}" for m in MARKERS if m in body]
        assert not failures, "\n".join(failures)


# --- The matrix over websockets ------------------------------------------------------------------
async def _connect(path: str, token: str | None) -> tuple[WebsocketCommunicator, bool]:
    headers = [(b"authorization", f"Token {token}".encode())] if token else []
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    return communicator, connected


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("route", sorted(SOCKET_RULES))
async def test_socket_route(route: str, senders_drained: None) -> None:
    world = await sync_to_async(matrix_world)()
    rule = SOCKET_RULES[route]
    kwargs = rule.kwargs(world)
    path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), route)
    failures = []
    shown = {(user, marker) for key, user, marker in SOCKET_SHOWN if key == route}
    for username in EVERYONE:
        token = None
        if username != ANONYMOUS:
            token = (await sync_to_async(token_issue)(member=world.members[username])).key
        communicator, connected = await _connect(path, token)
        where = f"{route}:CONNECT:{username}"
        try:
            if username not in rule.allowed:
                if connected:
                    failures.append(f"{where} was let in")
                continue
            if not connected:
                failures.append(f"{where} was refused")
                continue
            # What a joining member is sent at once (the room's state, the alerts' hello).
            first = ""
            if not await communicator.receive_nothing(timeout=0.2):
                first = json.dumps(await communicator.receive_json_from(timeout=5))
            failures += [
                f"{where} was shown {marker!r}"
                for marker, sees in MARKERS.items()
                if username not in sees and marker in first
            ]
            failures += [
                f"{where} was not sent {marker!r}"
                for user, marker in shown
                if user == username and marker not in first
            ]
        finally:
            await communicator.disconnect()
    assert not failures, f"{path}\n" + "\n".join(failures)


# --- Every view of a person is logged -------------------------------------------------------------
# What identifies the world's person or tells their story: a body holding one of these showed
# that person's personal data.
PERSON_MARKERS = (VICTIM_NAME, SAFE_CONTACT, REFERRAL_SUMMARY, CONSENT_NOTES)


@pytest.mark.usefixtures("world_saved")
class TestPersonViewsAreLogged:
    """Every route (page and API, every method the matrix tries) is asked by every member who may
    see the world's person; a response that carries the person's name or details must have written
    an access-log row for that member and that person."""

    @pytest.mark.parametrize("key", sorted(HTTP_ROUTES))
    def test_route(self, world: MatrixWorld, clients: dict[str, Client], key: str) -> None:
        route, rule = HTTP_ROUTES[key], RULES[key]
        url = _url(route, rule.kwargs(world))
        failures = []
        for method, door in rule.doors.items():
            for username in sorted(PERSON_VIEW):
                member = world.members[username]
                logged = PersonAccess.objects.filter(member=member, person_id=world.person)
                before = logged.count()
                if rule.throttled:
                    cache.clear()
                target = f"{url}?{door.query}" if door.query else url
                client = clients[username]
                if method == "GET":
                    response = client.get(target)
                elif route.is_api:
                    response = client.generic(
                        method,
                        target,
                        json.dumps(door.body(world)),
                        content_type="application/json",
                    )
                else:
                    response = client.post(target, door.body(world))
                body = _content(response)
                shown = [marker for marker in PERSON_MARKERS if marker in body]
                if shown and logged.count() == before:
                    failures.append(
                        f"{key}:{method}:{username} ({response.status_code}) showed {shown} "
                        "with no access-log row"
                    )
        assert not failures, f"{url}\n" + "\n".join(failures)
