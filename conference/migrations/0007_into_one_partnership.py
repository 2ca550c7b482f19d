"""People, referrals and conferences from before partnerships were tenants belong to the one
partnership the directory moved into."""

from typing import Any

from django.db import migrations

from partnership.migrations._default import default_partnership


def forward(apps: Any, schema_editor: Any) -> None:
    models = [apps.get_model("conference", name) for name in ("Person", "Referral", "Conference")]
    if not any(model.objects.exists() for model in models):
        return
    partnership = default_partnership(apps)
    for model in models:
        model.objects.filter(partnership=None).update(partnership=partnership)


class Migration(migrations.Migration):
    dependencies = [
        ("conference", "0006_partnership"),
        ("escalation", "0007_into_one_partnership"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
