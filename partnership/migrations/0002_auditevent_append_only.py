"""On PostgreSQL the database itself refuses UPDATE and DELETE on the audit timeline.

(TRUNCATE is left to privileges: production grants the application role no TRUNCATE on the table;
the test runner needs it to reset the database between tests.)
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION partnership_auditevent_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit timeline is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER partnership_auditevent_append_only
    BEFORE UPDATE OR DELETE ON partnership_auditevent
    FOR EACH ROW EXECUTE FUNCTION partnership_auditevent_refuse_change();
"""
DROP = """
DROP TRIGGER IF EXISTS partnership_auditevent_append_only ON partnership_auditevent;
DROP FUNCTION IF EXISTS partnership_auditevent_refuse_change();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("partnership", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
