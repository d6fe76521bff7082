"""Key the audit hash chain (ADR 0010): each link gets the HMAC of its position and hash
under AUDIT_CHAIN_KEY, which the application gives its own sessions; the trigger runs with its
owner's rights so the application's role needs no INSERT on the link table."""

from django.db import migrations, models

from prevent_portal.audit.chain import INSTALL_SQL, UNINSTALL_SQL


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL_SQL, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from prevent_portal.audit.migrations._chain_v1 import INSTALL_SQL as V1_INSTALL_SQL

        schema_editor.execute(UNINSTALL_SQL, params=None)
        # The v1 functions, without its one-off linking of old entries (nothing is unlinked).
        v1_functions = V1_INSTALL_SQL.split("-- Link existing entries first")[0]
        schema_editor.execute(v1_functions, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_audit_chain")]

    operations = [
        migrations.AddField(
            model_name="auditchainlink",
            name="key_id",
            field=models.CharField(max_length=16, null=True),
        ),
        migrations.AddField(
            model_name="auditchainlink",
            name="mac",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.RunPython(forward, backward),
    ]
