"""Duty rungs move into the one rung table every ladder shares (notifications.LadderRung)."""

from django.db import migrations


def _duty_type(apps):
    content_type = apps.get_model("contenttypes", "ContentType")
    return content_type.objects.get_or_create(app_label="escalation", model="duty")[0]


def rungs_forward(apps, schema_editor):
    escalation_rung = apps.get_model("escalation", "EscalationRung")
    ladder_rung = apps.get_model("notifications", "LadderRung")
    old = list(escalation_rung.objects.select_related("duty"))
    if not old:
        return
    duty_type = _duty_type(apps)
    ladder_rung.objects.bulk_create(
        ladder_rung(
            content_type=duty_type,
            object_id=rung.duty_id,
            index=rung.index,
            to=rung.duty.ladder[rung.index]["to"] if rung.index < len(rung.duty.ladder) else "",
            audience=rung.audience,
            due_at=rung.due_at,
            fired_at=rung.fired_at,
        )
        for rung in old
    )


def rungs_backward(apps, schema_editor):
    escalation_rung = apps.get_model("escalation", "EscalationRung")
    ladder_rung = apps.get_model("notifications", "LadderRung")
    rows = ladder_rung.objects.filter(content_type=_duty_type(apps))
    escalation_rung.objects.bulk_create(
        escalation_rung(
            duty_id=rung.object_id,
            index=rung.index,
            audience=rung.audience[:64],
            due_at=rung.due_at,
            fired_at=rung.fired_at,
        )
        for rung in rows
    )
    rows.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("escalation", "0003_duty_deadline_basis"),
        ("notifications", "0003_ladderrung"),
    ]

    operations = [
        migrations.RunPython(rungs_forward, rungs_backward),
        migrations.DeleteModel(name="EscalationRung"),
    ]
