"""Everything the directory held before partnerships were tenants moves into one partnership:
its areas and role assignments, and every agency and member become its own."""

from typing import Any

from django.db import migrations

from partnership.migrations._default import default_partnership


def forward(apps: Any, schema_editor: Any) -> None:
    agency = apps.get_model("partnership", "Agency")
    area = apps.get_model("partnership", "Area")
    member = apps.get_model("partnership", "Member")
    assignment = apps.get_model("partnership", "RoleAssignment")
    if not (
        agency.objects.exists()
        or area.objects.exists()
        or member.objects.exists()
        or assignment.objects.exists()
    ):
        return  # a fresh database: the first partnership is made by whoever sets it up
    partnership = default_partnership(apps)
    area.objects.filter(partnership=None).update(partnership=partnership)
    assignment.objects.filter(partnership=None).update(partnership=partnership)
    partnership.agencies.add(*agency.objects.all())
    partnership.members.add(*member.objects.all())


class Migration(migrations.Migration):
    dependencies = [("partnership", "0009_partnerships")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
