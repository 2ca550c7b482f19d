"""Production refuses to start while a channel members use only records its messages (unless the
deployment says it does without that channel), and ``/healthz`` reports every channel. The start
is checked the way a deployment starts: a fresh interpreter importing the ASGI application Daphne
serves, and the scheduler command, against the test database."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from notifications.models import ContactPreference
from notifications.readiness import channel_members
from tests import factories
from tests.notifications.notify_standin import API_KEY, SMS_TEMPLATE
from tests.processes import ROOT, suite_database_url
from tests.world import demo_partnership

REFUSED = "DJANGO_ENV=production refuses to start"


def _production(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "EMAIL_", "SMS_", "WEBHOOK_", "NOTIF"))
    }
    env.update(
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=suite_database_url(),
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1"),
        DJANGO_ALLOWED_HOSTS="coordinator.example.org",
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_VAR_DIR=str(tmp_path),
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
        **extra,
    )
    return env


def _start(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """What Daphne does first: import the application (``config.asgi:application``)."""
    return subprocess.run(
        [sys.executable, *(args or ("-c", "import config.asgi"))],
        cwd=ROOT,
        env=_production(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.django_db(transaction=True)
def test_production_refuses_to_start_while_channels_members_use_only_record(
    tmp_path: Path,
) -> None:
    demo_partnership()  # members with email addresses and phones: both channels carry messages
    started = _start(tmp_path)
    assert started.returncode != 0
    assert REFUSED in started.stderr
    assert "Text message: messages to " in started.stderr
    assert "Email: messages to " in started.stderr
    assert "NOTIFICATION_CHANNELS_WITHOUT" in started.stderr
    assert "Webhook:" not in started.stderr  # nobody has a webhook address
    scheduler = _start(tmp_path, "manage.py", "runscheduler")
    assert scheduler.returncode != 0
    assert REFUSED in scheduler.stderr


@pytest.mark.django_db(transaction=True)
def test_production_starts_when_it_says_it_does_without_those_channels(tmp_path: Path) -> None:
    demo_partnership()
    started = _start(tmp_path, NOTIFICATION_CHANNELS_WITHOUT="email, sms")
    assert started.returncode == 0, started.stderr
    assert "channels.done_without" in started.stdout + started.stderr
    half = _start(tmp_path, NOTIFICATION_CHANNELS_WITHOUT="email")
    assert half.returncode != 0
    assert "Text message: messages to " in half.stderr
    assert "Email:" not in half.stderr


@pytest.mark.django_db(transaction=True)
def test_production_starts_with_channels_that_send(tmp_path: Path) -> None:
    demo_partnership()
    real = {
        "SMS_BACKEND": "notifications.notify.NotifySmsBackend",
        "NOTIFY_API_KEY": API_KEY,
        "NOTIFY_SMS_TEMPLATE_ID": SMS_TEMPLATE,
        "EMAIL_URL": "submission://coordinator:secret@mail.invalid:587",
    }
    started = _start(tmp_path, **real)
    assert started.returncode == 0, started.stderr
    without_key = _start(tmp_path, **{**real, "NOTIFY_API_KEY": ""})
    assert without_key.returncode != 0
    assert "NOTIFY_API_KEY must be set" in without_key.stderr


@pytest.mark.django_db
def test_healthz_reports_each_channel_and_what_the_deployment_does_without(
    settings: Any,
) -> None:
    demo_partnership()
    settings.NOTIFICATION_CHANNELS_WITHOUT = ["sms"]
    response = Client().get("/healthz")
    assert response.status_code == 200  # whether this process can serve is another matter
    channels = response.json()["channels"]
    assert channels == {
        "ok": False,
        "email": {"ok": False, "sends": False, "done_without": False},
        "sms": {"ok": True, "sends": False, "done_without": True},
        "webhook": {"ok": True, "sends": False, "done_without": False},
    }
    settings.NOTIFICATION_CHANNELS_WITHOUT = ["sms", "email"]
    assert Client().get("/healthz").json()["channels"]["ok"] is True


@pytest.mark.django_db
def test_a_channel_carries_messages_to_whoever_chose_it_or_has_an_address_for_it() -> None:
    nobody = channel_members()
    assert nobody == {"email": 0, "sms": 0, "webhook": 0}
    phone_only = factories.member(username="p", agency=None, phone="07700 900001")
    own_number = factories.member(username="n", agency=None)
    ContactPreference.objects.create(member=own_number, sms_number="07700 900002")
    hook = factories.member(username="h", agency=None, email="h@example.org")
    ContactPreference.objects.create(
        member=hook, webhook=True, webhook_url="https://hooks.example.org/x"
    )
    gone = factories.member(username="g", agency=None, email="g@example.org", phone="07700 900003")
    gone.is_active = False  # as the admin's form does
    gone.save(update_fields=["is_active"])
    assert phone_only.phone
    assert channel_members() == {"email": 1, "sms": 2, "webhook": 1}
