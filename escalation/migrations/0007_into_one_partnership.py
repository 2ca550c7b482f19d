"""Protocol versions and incidents from before partnerships were tenants belong to the one
partnership the directory moved into."""

from typing import Any

from django.db import migrations

from partnership.migrations._default import default_partnership


def forward(apps: Any, schema_editor: Any) -> None:
    version = apps.get_model("escalation", "ProtocolVersion")
    incident = apps.get_model("escalation", "Incident")
    if not (version.objects.exists() or incident.objects.exists()):
        return
    partnership = default_partnership(apps)
    version.objects.filter(partnership=None).update(partnership=partnership)
    incident.objects.filter(partnership=None).update(partnership=partnership)


class Migration(migrations.Migration):
    dependencies = [
        ("escalation", "0006_partnership"),
        ("partnership", "0010_into_one_partnership"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
