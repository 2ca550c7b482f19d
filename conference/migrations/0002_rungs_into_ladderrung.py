"""Action rungs move into the one rung table every ladder shares (notifications.LadderRung),
which also records when each was due (the old table did not)."""

from datetime import timedelta

from django.db import migrations


def _action_type(apps):
    content_type = apps.get_model("contenttypes", "ContentType")
    return content_type.objects.get_or_create(app_label="conference", model="action")[0]


def rungs_forward(apps, schema_editor):
    action_rung = apps.get_model("conference", "ActionRung")
    ladder_rung = apps.get_model("notifications", "LadderRung")
    old = list(action_rung.objects.select_related("action"))
    if not old:
        return
    action_type = _action_type(apps)
    rows = []
    for rung in old:
        ladder = rung.action.ladder
        defined = ladder[rung.index] if rung.index < len(ladder) else {"after_seconds": 0, "to": ""}
        rows.append(
            ladder_rung(
                content_type=action_type,
                object_id=rung.action_id,
                index=rung.index,
                to=defined["to"],
                audience=rung.audience,
                due_at=rung.action.due_at + timedelta(seconds=int(defined["after_seconds"])),
                fired_at=rung.fired_at,
            )
        )
    ladder_rung.objects.bulk_create(rows)


def rungs_backward(apps, schema_editor):
    action_rung = apps.get_model("conference", "ActionRung")
    ladder_rung = apps.get_model("notifications", "LadderRung")
    rows = ladder_rung.objects.filter(content_type=_action_type(apps))
    action_rung.objects.bulk_create(
        action_rung(
            action_id=rung.object_id,
            index=rung.index,
            audience=rung.audience[:64],
            fired_at=rung.fired_at,
        )
        for rung in rows
    )
    rows.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("conference", "0001_initial"),
        ("notifications", "0003_ladderrung"),
    ]

    operations = [
        migrations.RunPython(rungs_forward, rungs_backward),
        migrations.DeleteModel(name="ActionRung"),
    ]
