"""Notifications sent before partnerships were tenants belong to the one partnership everything
else moved into (each is shown in it, and its ladder resolves roles there)."""

from typing import Any

from django.db import migrations

from partnership.migrations._default import default_partnership


def forward(apps: Any, schema_editor: Any) -> None:
    notification = apps.get_model("notifications", "Notification")
    if not notification.objects.filter(partnership=None).exists():
        return
    notification.objects.filter(partnership=None).update(partnership=default_partnership(apps))


class Migration(migrations.Migration):
    dependencies = [("notifications", "0008_notification_partnership")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
