"""A stand-in for GOV.UK Notify's API on loopback, checking each request the way Notify's
documentation says the real one does: ``POST /v2/notifications/sms|email`` with
``Authorization: Bearer <JWT>`` (HS256, signed with the key's secret, ``iss`` the service id,
``iat`` within 30 seconds of now), a JSON body with the recipient, ``template_id`` and optional
``personalisation`` and ``reference``; 201 with the notification's id, or an error answer shaped
as Notify's (``{"status_code": …, "errors": [{"error": …, "message": …}]}``).

Tests queue the answers they want (``answer("sms", 429)``); every request is kept with what was
wrong with it, so a test can assert that nothing was."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt

SERVICE_ID = "2a6f1c7e-7d1b-4c55-9a43-0b2d52f0c0aa"
SECRET = "5b0e3f55-29c6-4d0e-b2e4-8a3d4f6b9c11"
API_KEY = f"coordinator_test-{SERVICE_ID}-{SECRET}"
SMS_TEMPLATE = "6f0c4c1b-3e2a-4a8e-9f7d-1c2b3a4d5e6f"
EMAIL_TEMPLATE = "0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70"

RECIPIENT = {"/v2/notifications/sms": "phone_number", "/v2/notifications/email": "email_address"}
ERRORS = {
    400: "BadRequestError",
    403: "AuthError",
    429: "RateLimitError",
    500: "Exception",
}


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    claims: dict[str, Any]
    problems: list[str]


@dataclass
class NotifyStandIn:
    secret: str = SECRET
    received: list[Received] = field(default_factory=list)
    answers: dict[str, deque[tuple[int, str]]] = field(
        default_factory=lambda: {"sms": deque(), "email": deque()}
    )
    server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_port}"

    def answer(self, kind: str, status: int, message: str = "") -> None:
        """The next request for ``kind`` (sms, email) gets this answer, after its checks pass,
        instead of 201."""
        self.answers[kind].append((status, message or ERRORS.get(status, "error")))

    def check(self, path: str, headers: dict[str, str], raw: bytes) -> Received:
        problems: list[str] = []
        claims: dict[str, Any] = {}
        body: dict[str, Any] = {}
        if path not in RECIPIENT:
            problems.append(f"no such endpoint {path}")
        if not headers.get("content-type", "").startswith("application/json"):
            problems.append("Content-Type is not application/json")
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme != "Bearer" or not token:
            problems.append("no bearer token")
        else:
            try:
                header = jwt.get_unverified_header(token)
                if (header.get("alg"), header.get("typ")) != ("HS256", "JWT"):
                    problems.append(f"token header {header}")
                claims = jwt.decode(
                    token,
                    key=self.secret,
                    algorithms=["HS256"],
                    options={"verify_iat": False, "require": ["iss", "iat"]},
                )
            except jwt.InvalidTokenError as exc:
                problems.append(f"token refused: {type(exc).__name__}: {exc}")
            else:
                if claims["iss"] != SERVICE_ID:
                    problems.append(f"iss {claims['iss']!r} is not the service id")
                if abs(time.time() - int(claims["iat"])) > 30:
                    problems.append(f"iat {claims['iat']} is not within 30 s of now")
        try:
            body = json.loads(raw)
        except ValueError:
            problems.append("body is not JSON")
        if body and path in RECIPIENT:
            wanted = {RECIPIENT[path], "template_id"}
            allowed = wanted | {"personalisation", "reference"}
            if missing := wanted - body.keys():
                problems.append(f"missing {sorted(missing)}")
            if unknown := body.keys() - allowed:
                problems.append(f"unknown fields {sorted(unknown)}")
            try:
                uuid.UUID(str(body.get("template_id")))
            except ValueError:
                problems.append("template_id is not a uuid")
            personalisation = body.get("personalisation", {})
            if not isinstance(personalisation, dict) or not all(
                isinstance(v, str) for v in personalisation.values()
            ):
                problems.append("personalisation is not a mapping of text")
        return Received(path, headers, body, claims, problems)

    def respond(self, received: Received) -> tuple[int, dict[str, Any]]:
        auth = [p for p in received.problems if "token" in p or "iss" in p or "iat" in p]
        if auth:
            return 403, _error(403, "AuthError", "Invalid token: " + auth[0])
        if received.problems:
            return 400, _error(400, "ValidationError", received.problems[0])
        kind = received.path.rsplit("/", 1)[-1]
        if self.answers[kind]:
            status, message = self.answers[kind].popleft()
            return status, _error(status, ERRORS.get(status, "Error"), message)
        notification_id = str(uuid.uuid4())
        return 201, {
            "id": notification_id,
            "reference": received.body.get("reference"),
            "content": {"body": "…", **({"subject": "…"} if kind == "email" else {})},
            "uri": f"{self.base_url}/v2/notifications/{notification_id}",
            "template": {"id": received.body.get("template_id"), "version": 1, "uri": ""},
        }


def _error(status: int, error: str, message: str) -> dict[str, Any]:
    return {"status_code": status, "errors": [{"error": error, "message": message}]}


def running(stand_in: NotifyStandIn) -> Iterator[NotifyStandIn]:
    """Serve ``stand_in`` on a free loopback port for the duration of the generator."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            received = stand_in.check(self.path, headers, raw)
            stand_in.received.append(received)
            status, answer = stand_in.respond(received)
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stand_in.server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stand_in
    finally:
        server.shutdown()
        server.server_close()
