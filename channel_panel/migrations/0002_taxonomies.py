"""Support types and exit reasons from DOMAIN.md and seed 002 (editable in the admin)."""

from django.db import migrations

SUPPORT_TYPES = [
    ("ideological-mentoring", "Ideological mentoring"),
    ("education-training", "Education or training"),
    ("health-mental-health", "Health or mental health"),
    ("housing", "Housing"),
    ("family-support", "Family support"),
    ("employment", "Employment"),
    ("life-skills", "Life skills"),
    ("diversionary-activities", "Diversionary activities"),
    ("other", "Other support"),
]
EXIT_REASONS = [
    ("risk-reduced", "Radicalisation risk reduced: no further Channel support needed"),
    (
        "ownership-returned",
        "Low or no radicalisation risk, other safeguarding concerns: ownership returned",
    ),
    ("consent-withdrawn", "Consent withdrawn"),
    ("escalated-police-led", "Risk escalated: police-led"),
    ("moved-away", "Moved out of the area: case transferred"),
    ("other", "Other reason"),
]


def load(apps, schema_editor):
    for model_name, rows in [("SupportType", SUPPORT_TYPES), ("ExitReason", EXIT_REASONS)]:
        model = apps.get_model("channel_panel", model_name)
        for order, (code, name) in enumerate(rows, start=1):
            model.objects.update_or_create(code=code, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("channel_panel", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
