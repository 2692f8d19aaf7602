"""The audit log refuses UPDATE and DELETE in the database itself, on PostgreSQL.

A trigger raises on every UPDATE and on every DELETE, except the retention purge's: it sets
``tandem.audit_purge`` for its own transaction (SET LOCAL, governance.audit.audit_purge).
TRUNCATE is not refused (the test suite's flush uses it); anyone who may TRUNCATE or drop the
trigger owns the database anyway. On SQLite nothing is installed: the model and its queryset
refuse updates and deletes in the code, which is all a laptop's database gets.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION governance_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('tandem.audit_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER governance_auditentry_append_only
    BEFORE UPDATE OR DELETE ON governance_auditentry
    FOR EACH ROW EXECUTE FUNCTION governance_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS governance_auditentry_append_only ON governance_auditentry;
DROP FUNCTION IF EXISTS governance_audit_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_audit_entry")]

    operations = [migrations.RunPython(forwards, backwards)]
