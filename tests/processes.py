"""Real processes for tests: Daphne servers, schedulers, sender workers, and Redis and PostgreSQL
instances of the tests' own on spare loopback ports (the machine's shared services are never
stopped). Every process is started with a deadline and stopped by the fixture that started it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)


def suite_database_url() -> str:
    """The test database, as a URL for processes started against it."""
    from django.db import connection

    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> float:
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if condition():
            return time.monotonic() - began
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout} s")


def daphne_command(port: int) -> list[str]:
    """Daphne serving the project (pages, API and websockets) on a loopback ``port``."""
    return [
        sys.executable,
        "-m",
        "daphne",
        "-b",
        "127.0.0.1",
        "-p",
        str(port),
        "config.asgi:application",
    ]


def healthy(base: str) -> bool:
    """Whether the server at ``base`` answers its health check."""
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


class OwnRedis:
    """A redis-server on a spare port, stoppable without touching anyone else's Redis."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        server = shutil.which("redis-server")
        if server is None:
            raise RuntimeError("redis-server is not installed")
        self.process = subprocess.Popen(
            [
                server,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: port_open(self.port), 10, "own redis-server listening")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


class OwnPostgres:
    """A PostgreSQL cluster of the test's own (initdb in a temporary folder, run as the
    ``postgres`` user when the tests run as root), so it can be restarted freely."""

    def __init__(self) -> None:
        if PG_BIN is None:
            raise RuntimeError("PostgreSQL server binaries are not installed")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="own-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "log"

    def _run(self, *args: str, timeout: float = 60) -> None:
        assert PG_BIN is not None  # checked in __init__
        command = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, timeout=timeout, capture_output=True)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/coordinator"

    def create(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        self._run(
            "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "coordinator"
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


@dataclass
class Stack:
    """Daphne servers and schedulers sharing one database and one Redis."""

    database_url: str
    redis_url: str
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="stack-logs-")))

    def env(self) -> dict[str, str]:
        return dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="config.settings",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
            DATABASE_CONN_MAX_AGE="0",
            LOG_LEVEL="WARNING",
            SCHEDULER_SWEEP_SECONDS="1",
            SCHEDULER_LEADER_POLL_SECONDS="0.3",
            **self.extra_env,
        )

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = open(self.logs / f"{name}-{len(self.processes)}.log", "wb")  # noqa: SIM115 (kept open)
        process = subprocess.Popen(
            args, cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT
        )
        self.processes.append(process)
        return process

    def daphne(self) -> Server:
        port = free_port()
        process = self._spawn("daphne", daphne_command(port))
        server = Server(port=port, process=process)
        wait_for(server.healthy, 30, f"Daphne on {port} healthy")
        return server

    def scheduler(self) -> subprocess.Popen[bytes]:
        return self._spawn("scheduler", [sys.executable, "manage.py", "runscheduler"])

    def senders(self) -> subprocess.Popen[bytes]:
        """A sender worker (``manage.py runsenders``): set ``NOTIFICATION_WORKERS`` in
        ``extra_env`` for it to have any work."""
        return self._spawn("senders", [sys.executable, "manage.py", "runsenders"])

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def healthy(self) -> bool:
        return healthy(self.base)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def call(
        self,
        method: str,
        path: str,
        token: str,
        body: dict[str, Any] | None = None,
        *,
        partnership: str = "",
    ) -> tuple[int, Any]:
        """An API call (in ``partnership``, for a member of several); returns (status, decoded
        JSON or text). Never raises for HTTP errors."""
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        if partnership:
            headers["X-Partnership"] = partnership
        request = urllib.request.Request(  # noqa: S310 (loopback test server)
            f"{self.base}{path}",
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers=headers,
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
                raw = response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            raw, status = error.read(), error.code
        except (urllib.error.URLError, OSError) as error:
            return 0, str(error)
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode(errors="replace")


class AlertClient:
    """A websocket client of ``/ws/alerts/`` that remembers the last event id it saw."""

    def __init__(self, token: str) -> None:
        self.token = token
        # None until the first connection: a fresh client starts from "now"; a returning one
        # resumes from the last event it saw.
        self.last_event_id: int | None = None
        self.events: list[dict[str, Any]] = []
        self.socket: Any = None

    async def connect(self, server: Server) -> None:
        import websockets

        self.socket = await websockets.connect(
            f"ws://127.0.0.1:{server.port}/ws/alerts/",
            additional_headers={"Authorization": f"Token {self.token}"},
            open_timeout=10,
        )
        hello = json.loads(await asyncio.wait_for(self.socket.recv(), timeout=10))
        assert hello["type"] == "hello", hello
        if self.last_event_id is None:
            self.last_event_id = int(hello["last_event_id"])
        await self.socket.send(json.dumps({"type": "resume", "last_event_id": self.last_event_id}))

    async def receive_until(
        self, done: Callable[[list[dict[str, Any]]], bool], timeout: float
    ) -> None:
        deadline = time.monotonic() + timeout
        while not done(self.events):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"events so far: {[(e.get('id'), e.get('title')) for e in self.events]}"
                )
            try:
                event = json.loads(await asyncio.wait_for(self.socket.recv(), timeout=remaining))
            except TimeoutError:
                continue
            if event.get("previous", 0) > (self.last_event_id or 0):
                # A gap (a push lost or overtaken): ask for everything since the last seen, as
                # the page does; it comes back in order from the database.
                await self.socket.send(
                    json.dumps({"type": "resume", "last_event_id": self.last_event_id})
                )
                continue
            if "id" in event and event["id"] <= (self.last_event_id or 0):
                continue  # already seen (replay and push can overlap)
            if event.get("type") in ("notification", "notification.updated"):
                self.last_event_id = event["id"]
                self.events.append(event)

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
