"""The Home Office's Prevent duty training courses (GOV.UK "Prevent duty training"), added as
training types next to WRAP and basic awareness.

They are added not in use: turning a type on asks every agency with a single point of
contact for a return each quarter, and which courses a council collects figures for is its
own choice (the Coordinator ticks "In use" and names the agencies). The descriptions are
ours, not the Home Office's.
"""

from django.db import migrations

# (name as GOV.UK heads it, our short description, order)
COURSES = [
    (
        "Prevent duty training: Awareness",
        "What Prevent is, the risks of radicalisation and how to notice, check and share a "
        "concern; the first course for anyone new to Prevent.",
        30,
    ),
    (
        "Prevent duty training: Referrals",
        "How to make a Prevent referral that is informed and made with good intention; for "
        "safeguarding leads and anyone who may refer. Follows the awareness course.",
        40,
    ),
    (
        "Prevent duty training: Channel or Prevent Multi-Agency Panel (PMAP)",
        "How Channel and Prevent Multi-Agency Panels support people, for those who sit on a "
        "panel or contribute to one.",
        50,
    ),
    (
        "Prevent awareness course",
        "The Home Office's earlier e-learning introduction to Prevent.",
        60,
    ),
    (
        "Prevent referrals course",
        "The Home Office's earlier e-learning on making a referral.",
        70,
    ),
    (
        "Channel awareness course",
        "The Home Office's earlier e-learning on how Channel works.",
        80,
    ),
]


def add_courses(apps, schema_editor):
    TrainingType = apps.get_model("training", "TrainingType")
    for name, description, order in COURSES:
        if not TrainingType.objects.filter(name__iexact=name).exists():
            TrainingType.objects.create(
                name=name, description=description, order=order, is_active=False
            )


class Migration(migrations.Migration):
    dependencies = [("training", "0003_demo_withdrawn_types")]

    operations = [migrations.RunPython(add_courses, migrations.RunPython.noop)]
