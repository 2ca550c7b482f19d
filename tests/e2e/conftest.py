"""Browser tests: Debian's Chromium, driven by Playwright, against the app served for real.

pytest-django's ``live_server`` serves no websockets, so the app runs in Daphne in a subprocess
against the test database (the tests are transactional, so what they create is committed and the
server sees it), on Redis when the suite has it. Playwright's browsers are never downloaded: the
tests use /usr/bin/chromium, installed with apt-get when missing and running as root, and skip
(saying why) otherwise.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from partnership.demo import demo_password
from partnership.models import Member
from tests.processes import ROOT, daphne_command, free_port, healthy, suite_database_url

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]
SERVER_START_SECONDS = 30


def _chromium_or_skip() -> str:
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    if os.geteuid() != 0:
        pytest.skip(
            f"{CHROMIUM} is missing and this user cannot install it: as root, run "
            "`apt-get install -y chromium` (Playwright's own browser downloads are not used)"
        )
    apt = shutil.which("apt-get")
    if apt is None:
        pytest.skip(f"{CHROMIUM} is missing and there is no apt-get to install it with")
    subprocess.run([apt, "update"], check=False, capture_output=True, timeout=600)
    done = subprocess.run(
        [apt, "install", "-y", "chromium"],
        check=False,
        capture_output=True,
        timeout=1200,
        env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"),
    )
    if done.returncode != 0 or not os.path.exists(CHROMIUM):
        pytest.skip(
            f"apt-get install chromium failed: {done.stderr.decode(errors='replace')[-300:]}"
        )
    return CHROMIUM


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A headless Chromium for one test (Playwright's sync API runs an event loop on this thread
    while it is open, so it is never kept across tests)."""
    executable = _chromium_or_skip()
    sync_api = pytest.importorskip("playwright.sync_api")
    # The test still reads and writes through the ORM while Playwright's loop is open.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def server_url(transactional_db: None, tmp_path: Path) -> Iterator[str]:
    """Daphne serving the app (pages, API and websockets) against the test database."""
    if connection.vendor != "postgresql":
        pytest.skip("the server subprocess needs the test database on PostgreSQL")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=suite_database_url(),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_DEBUG="false",
        DJANGO_VAR_DIR=str(tmp_path),
        SCHEDULER_IN_PROCESS="false",
        LOG_LEVEL="WARNING",
    )
    log_path = tmp_path / "daphne.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            daphne_command(port),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        began = time.monotonic()
        while not healthy(url):
            if process.poll() is not None or time.monotonic() - began > SERVER_START_SECONDS:
                pytest.fail(
                    f"Daphne did not come up:\n{log_path.read_text(errors='replace')[-3000:]}"
                )
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def password_for_server(member: Member) -> None:
    """tests/conftest.py hashes demo passwords with MD5 for speed, which the server (on the
    default hashers) does not accept. A PBKDF2 hash with few iterations it does accept, and
    upgrades on the first sign-in."""
    hasher = PBKDF2PasswordHasher()
    member.password = hasher.encode(demo_password(), hasher.salt(), iterations=1000)
    member.save(update_fields=["password"])
