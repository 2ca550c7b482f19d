"""The timeline filter's lists of kinds and agencies present are read by skipping through an index
on (scope, verb, agency) (``review.timeline.Record.present``). It replaces the index on scope
alone (and its LIKE twin, unused): both indexes on (scope, …) serve a lookup by scope, so the
audit table's writes keep one index fewer than before, not one more."""

from typing import Any

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class AddIndexConcurrentlyOnPostgres(AddIndexConcurrently):
    """Concurrently on PostgreSQL; a plain index elsewhere (SQLite, the embedded database of
    ``make run``, has no concurrent build, and Django's operation refuses anything else)."""

    def database_forwards(self, app_label: str, schema_editor: Any, *args: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, *args)
        else:
            migrations.AddIndex.database_forwards(self, app_label, schema_editor, *args)

    def database_backwards(self, app_label: str, schema_editor: Any, *args: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, *args)
        else:
            migrations.AddIndex.database_backwards(self, app_label, schema_editor, *args)


class Migration(migrations.Migration):
    # Built without holding the audit table's writes for the build (it may be large).
    atomic = False

    dependencies = [
        ("partnership", "0015_reporting_centre_agency_kind"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="auditevent",
            index=models.Index(
                fields=["scope", "verb", "agency"], name="auditevent_scope_verb_agency"
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="scope",
            field=models.CharField(
                blank=True,
                help_text="The case the event belongs to, such as 'incident:12'; blank for the "
                "directory.",
                max_length=64,
            ),
        ),
    ]
