"""The two training types every council reports on (seed 002 §1.12-1.14): WRAP against NHS
England's 85% target, and basic Prevent awareness. Others are added by the Coordinator."""

from django.db import migrations

TYPES = [
    ("WRAP", 85, 10),
    ("Basic Prevent Awareness", 85, 20),
]


def add_types(apps, schema_editor):
    TrainingType = apps.get_model("training", "TrainingType")
    for name, target, order in TYPES:
        if not TrainingType.objects.filter(name__iexact=name).exists():
            TrainingType.objects.create(name=name, target_percent=target, order=order)


class Migration(migrations.Migration):
    dependencies = [("training", "0001_initial")]

    operations = [migrations.RunPython(add_types, migrations.RunPython.noop)]
