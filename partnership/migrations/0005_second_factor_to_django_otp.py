"""Our own authenticators move into django-otp, and DRF's old API tokens go.

Each ``TotpDevice`` becomes a django-otp ``TOTPDevice`` with the same secret (base32 there, hex
here), its confirmed state, and the last time step used (so a code already used stays used).
DRF's ``authtoken_token`` rows were tokens kept in clear that never expired: they are not carried
over (docs/decisions/0001-api-tokens.md) and their table is dropped, so no usable key is left in
the database. A client still sending one is told to ask for a new token.
"""

import base64

from django.db import migrations
from django.utils import timezone


def _hex_key(secret: str) -> str:
    padded = secret.upper() + "=" * (-len(secret) % 8)
    return base64.b32decode(padded).hex()


def devices_forward(apps, schema_editor):
    TotpDevice = apps.get_model("partnership", "TotpDevice")
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    for old in TotpDevice.objects.all().iterator():
        TOTPDevice.objects.create(
            user_id=old.member_id,
            name="Authenticator app",
            confirmed=old.confirmed_at is not None,
            key=_hex_key(old.secret),
            step=30,
            digits=6,
            tolerance=1,
            # Ours kept 0 for "no code used yet"; django-otp accepts steps above last_t.
            last_t=old.last_step if old.last_step > 0 else -1,
            created_at=old.confirmed_at or timezone.now(),
        )


def devices_backward(apps, schema_editor):
    TotpDevice = apps.get_model("partnership", "TotpDevice")
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    for new in TOTPDevice.objects.all().order_by("pk").iterator():
        if TotpDevice.objects.filter(member_id=new.user_id).exists():
            continue
        TotpDevice.objects.create(
            member_id=new.user_id,
            secret=base64.b32encode(bytes.fromhex(new.key)).decode().rstrip("="),
            confirmed_at=new.created_at if new.confirmed else None,
            last_step=max(new.last_t, 0),
        )


def old_tokens_drop(apps, schema_editor):
    if "authtoken_token" in schema_editor.connection.introspection.table_names():
        schema_editor.execute("DROP TABLE authtoken_token")


class Migration(migrations.Migration):
    dependencies = [
        ("partnership", "0004_apitoken_signinaddress"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [
        migrations.RunPython(devices_forward, devices_backward),
        migrations.RunPython(old_tokens_drop, migrations.RunPython.noop),
    ]
