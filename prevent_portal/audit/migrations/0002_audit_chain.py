"""The audit hash chain: the link table, and on PostgreSQL the trigger that fills it when a
transaction commits, existing entries linked first (ADR 0008)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from prevent_portal.audit.migrations._chain_v1 import INSTALL_SQL, UNINSTALL_SQL


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL_SQL, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNINSTALL_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_append_only_audit_log"),
        migrations.swappable_dependency(settings.AUDITLOG_LOGENTRY_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditChainLink",
            fields=[
                ("seq", models.BigIntegerField(primary_key=True, serialize=False)),
                ("prev_hash", models.CharField(max_length=64)),
                ("hash", models.CharField(max_length=64)),
                (
                    "entry",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="chain_link",
                        to=settings.AUDITLOG_LOGENTRY_MODEL,
                    ),
                ),
            ],
            options={"ordering": ["seq"]},
        ),
        migrations.RunPython(forward, backward),
    ]
