"""The referral sectors of the Home Office statistics (DOMAIN.md). Editable in the admin."""

from django.db import migrations

SECTORS = [
    ("education", "Education"),
    ("police", "Police"),
    ("local-authority", "Local Authority"),
    ("health", "Health"),
    ("community", "Community (including family and friends)"),
    ("prisons", "Prisons"),
    ("probation", "Probation"),
    ("other", "Other"),
]


def add_sectors(apps, schema_editor):
    Sector = apps.get_model("accounts", "Sector")
    for order, (code, name) in enumerate(SECTORS, start=1):
        Sector.objects.get_or_create(code=code, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(add_sectors, migrations.RunPython.noop)]
