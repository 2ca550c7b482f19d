"""Production settings, checked the way a deployment would: in a fresh interpreter with only the
environment a real one sets, and no database, Redis or network reachable."""

from __future__ import annotations

import json
import os
import re
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

from partnership.middleware import CONTENT_SECURITY_POLICY

ROOT = Path(__file__).resolve().parent.parent
HOST = "coordinator.example.org"

# One page fetched under production settings, over HTTPS and over plain HTTP. Collected static
# files are a deployment step (collectstatic), so pages look theirs up from the apps here.
PAGE_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client, override_settings
storages = dict(settings.STORAGES, staticfiles={
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"})
with override_settings(STORAGES=storages):
    client = Client(HTTP_HOST=%(host)r)
    page = client.get("/accounts/login/", secure=True)
    plain = client.get("/accounts/login/")
print(json.dumps({
    "status": page.status_code,
    "headers": dict(page.headers),
    "cookies": {name: bool(c["secure"]) for name, c in page.cookies.items()},
    "plain": [plain.status_code, plain.headers.get("Location")],
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_cookie_secure": settings.CSRF_COOKIE_SECURE,
    "debug": settings.DEBUG,
}))
"""


def _production_env(tmp_path: Path) -> dict[str, str]:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "EMAIL_"))
    }
    env.update(
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY="".join(secrets.choice(alphabet) for _ in range(60)),
        # Names that resolve nowhere: neither the check nor a page may need the services.
        DATABASE_URL="postgres://app:secret@db.invalid:5432/coordinator",
        REDIS_URL="redis://cache.invalid:6379/0",
        DJANGO_ALLOWED_HOSTS=HOST,
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_VAR_DIR=str(tmp_path),
        PYTHONPATH=str(ROOT),
    )
    return env


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_deploy_check_is_clean(tmp_path: Path) -> None:
    done = _run(tmp_path, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output
    assert "WARNING" not in output
    # Nothing was written beside the code: production keeps no key or database in var/.
    assert not any(tmp_path.iterdir())


@pytest.fixture(scope="module")
def production_page(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    done = _run(tmp_path_factory.mktemp("var"), "-c", PAGE_PROBE % {"host": HOST})
    assert done.returncode == 0, done.stderr
    page: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return page


def test_production_pages_carry_every_security_header(production_page: dict[str, object]) -> None:
    assert production_page["status"] == 200
    headers = production_page["headers"]
    assert isinstance(headers, dict)
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_production_cookies_are_secure_and_plain_http_is_redirected(
    production_page: dict[str, object],
) -> None:
    assert production_page["cookies"] == {"csrftoken": True}
    assert production_page["session_cookie_secure"] is True
    assert production_page["csrf_cookie_secure"] is True
    assert production_page["debug"] is False
    assert production_page["plain"] == [301, f"https://{HOST}/accounts/login/"]


def test_the_image_carries_every_app_of_the_project() -> None:
    """The production image copies each of our apps' folders: an app left out (casework and gold
    were, for a time) would fail at start-up in production only, since every test runs from the
    working tree."""
    from django.apps import apps

    dockerfile = (ROOT / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY (\w+) \./\1$", dockerfile, flags=re.MULTILINE))
    ours = {
        config.name.split(".")[0]
        for config in apps.get_app_configs()
        if Path(config.path).resolve().parent == ROOT.resolve()
    }
    assert ours, "no app of the project found"
    assert ours <= copied, f"the Dockerfile does not copy {sorted(ours - copied)}"
