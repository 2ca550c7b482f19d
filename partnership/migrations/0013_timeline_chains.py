"""The audit timeline becomes one hash chain per partnership (and one for the service), each
with signed checkpoints of its head.

Every event recorded before is put on the chain of the partnership today's data moved into
(``_default``): nothing is rehashed, because the chain an event is on is not part of what its
hash covers, so the chain still verifies exactly as it did. The append-only trigger refuses that
one UPDATE, so it is disabled around it (the migration runs as the table's owner). Checkpoints
are append-only on PostgreSQL as the events are.
"""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

from partnership.migrations._default import default_partnership

CHECKPOINT_TRIGGER = """
CREATE OR REPLACE FUNCTION partnership_timelinecheckpoint_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'timeline checkpoints are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER partnership_timelinecheckpoint_append_only
    BEFORE UPDATE OR DELETE ON partnership_timelinecheckpoint
    FOR EACH ROW EXECUTE FUNCTION partnership_timelinecheckpoint_refuse_change();
"""
CHECKPOINT_TRIGGER_DROP = """
DROP TRIGGER IF EXISTS partnership_timelinecheckpoint_append_only
    ON partnership_timelinecheckpoint;
DROP FUNCTION IF EXISTS partnership_timelinecheckpoint_refuse_change();
"""


def events_into_default_partnership(apps: Any, schema_editor: Any) -> None:
    event = apps.get_model("partnership", "AuditEvent")
    if not event.objects.exists():
        return
    partnership = default_partnership(apps)
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute(
            "ALTER TABLE partnership_auditevent DISABLE TRIGGER partnership_auditevent_append_only"
        )
    event.objects.filter(partnership=None).update(partnership=partnership)
    if postgres:
        # The foreign key's deferred checks run now: a table with pending checks cannot be
        # altered.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(
            "ALTER TABLE partnership_auditevent ENABLE TRIGGER partnership_auditevent_append_only"
        )
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


def checkpoints_append_only(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CHECKPOINT_TRIGGER, params=None)


def checkpoints_append_only_undo(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CHECKPOINT_TRIGGER_DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("partnership", "0012_chosen_partnership")]

    operations = [
        migrations.CreateModel(
            name="TimelineCheckpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveIntegerField(help_text="1, 2, 3 … in each chain.")),
                ("seq", models.BigIntegerField()),
                ("head_hash", models.CharField(max_length=64)),
                ("made_at", models.DateTimeField()),
                (
                    "signature",
                    models.CharField(help_text="HMAC-SHA256, hexadecimal.", max_length=64),
                ),
            ],
            options={
                "ordering": ["partnership_id", "number"],
            },
        ),
        migrations.AddField(
            model_name="auditevent",
            name="partnership",
            field=models.ForeignKey(
                blank=True,
                help_text="The chain the event is on: its partnership's, or (empty) the service's own.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="partnership.partnership",
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(),
        ),
        migrations.RunPython(events_into_default_partnership, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                fields=("partnership", "seq"), name="auditevent_seq_per_chain"
            ),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                condition=models.Q(("partnership__isnull", True)),
                fields=("seq",),
                name="auditevent_seq_service_chain",
            ),
        ),
        migrations.AddField(
            model_name="timelinecheckpoint",
            name="partnership",
            field=models.ForeignKey(
                blank=True,
                help_text="The chain: a partnership's, or (empty) the service's own.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="partnership.partnership",
            ),
        ),
        migrations.AddConstraint(
            model_name="timelinecheckpoint",
            constraint=models.UniqueConstraint(
                fields=("partnership", "number"), name="checkpoint_number_per_chain"
            ),
        ),
        migrations.AddConstraint(
            model_name="timelinecheckpoint",
            constraint=models.UniqueConstraint(
                condition=models.Q(("partnership__isnull", True)),
                fields=("number",),
                name="checkpoint_number_service_chain",
            ),
        ),
        migrations.RunPython(checkpoints_append_only, checkpoints_append_only_undo),
    ]
