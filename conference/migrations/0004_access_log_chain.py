"""The access log of personal data becomes a hash chain, as the audit timeline is: existing rows
are numbered in the order they were written and linked; on PostgreSQL a trigger refuses UPDATE
and DELETE.

The content hashed is written out here as it stands (``conference.access_log._content``), so
this migration means the same thing whatever that function becomes later.
"""

from django.db import migrations, models

from partnership.chain import GENESIS_HASH, sha256_of, utc_iso

CREATE = """
CREATE OR REPLACE FUNCTION conference_personaccess_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER conference_personaccess_append_only
    BEFORE UPDATE OR DELETE ON conference_personaccess
    FOR EACH ROW EXECUTE FUNCTION conference_personaccess_refuse_change();
"""
DROP = """
DROP TRIGGER IF EXISTS conference_personaccess_append_only ON conference_personaccess;
DROP FUNCTION IF EXISTS conference_personaccess_refuse_change();
"""


def link(apps, schema_editor):
    PersonAccess = apps.get_model("conference", "PersonAccess")
    prev = GENESIS_HASH
    for seq, row in enumerate(PersonAccess.objects.order_by("at", "pk").iterator(), start=1):
        row.seq = seq
        row.prev_hash = prev
        row.hash = prev = sha256_of(
            {
                "at": utc_iso(row.at),
                "person_id": row.person_id,
                "member_id": row.member_id,
                "what": row.what,
                "seq": seq,
                "prev_hash": row.prev_hash,
            }
        )
        row.save(update_fields=["seq", "prev_hash", "hash"])


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def append_only_undo(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("conference", "0003_one_line_fields")]

    operations = [
        migrations.AddField(
            model_name="personaccess", name="seq", field=models.BigIntegerField(null=True)
        ),
        migrations.AddField(
            model_name="personaccess",
            name="prev_hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="personaccess",
            name="hash",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.RunPython(link, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="personaccess", name="seq", field=models.BigIntegerField(unique=True)
        ),
        migrations.AlterField(
            model_name="personaccess",
            name="hash",
            field=models.CharField(max_length=64, unique=True),
        ),
        migrations.AlterModelOptions(name="personaccess", options={"ordering": ["-at", "-seq"]}),
        migrations.RunPython(append_only, append_only_undo),
    ]
