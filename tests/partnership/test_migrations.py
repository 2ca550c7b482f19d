"""Data migrations of the accounts work (issue 13): authenticators move into django-otp whole, and
DRF's old clear-text tokens are gone from the database."""

from __future__ import annotations

import base64
import time

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("partnership", "0004_apitoken_signinaddress")]


def _migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)


def test_existing_authenticators_move_into_django_otp_and_old_tokens_go() -> None:
    executor = _migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    old_member = apps.get_model("partnership", "Member")
    old_device = apps.get_model("partnership", "TotpDevice")
    secret_bytes = b"0123456789abcdefghij"
    secret = base64.b32encode(secret_bytes).decode().rstrip("=")
    confirmed = old_member.objects.create(username="has-app", password="!")
    pending = old_member.objects.create(username="setting-up", password="!")
    used_step = int(time.time() // 30) - 5
    old_device.objects.create(
        member=confirmed, secret=secret, confirmed_at=timezone.now(), last_step=used_step
    )
    old_device.objects.create(member=pending, secret=secret, confirmed_at=None, last_step=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp "
            "with time zone NOT NULL, user_id bigint NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES ('9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b', "
            "now(), %s)",
            [confirmed.pk],
        )

    _migrate(executor.loader.graph.leaf_nodes())

    moved = TOTPDevice.objects.get(user_id=confirmed.pk)
    assert moved.bin_key == secret_bytes
    assert (moved.confirmed, moved.last_t, moved.step, moved.digits) == (True, used_step, 30, 6)
    waiting = TOTPDevice.objects.get(user_id=pending.pk)
    assert (waiting.confirmed, waiting.last_t) == (False, -1)
    # The same authenticator app keeps working: the code it shows now is accepted once.
    totp = TOTP(secret_bytes, 30, 0, 6, 0)
    totp.time = time.time()
    code = str(totp.token()).zfill(6)
    assert moved.verify_token(code)
    assert not TOTPDevice.objects.get(pk=moved.pk).verify_token(code)
    assert "authtoken_token" not in connection.introspection.table_names()
    assert "partnership_totpdevice" not in connection.introspection.table_names()
