from django.conf import settings
from django.db import migrations, models
from django.utils.text import slugify


def one_area(apps, schema_editor):
    """Today's data belongs to one area: the council the deployment was made for."""
    Area = apps.get_model("areas", "Area")
    name = getattr(settings, "COUNCIL_NAME", "") or "Council area"
    Area.objects.create(name=name, short_code=slugify(name)[:30] or "council")


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Area",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200, unique=True)),
                ("short_code", models.SlugField(max_length=30, unique=True)),
                ("is_active", models.BooleanField(default=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={"ordering": ["name"]},
        ),
        migrations.RunPython(one_area, migrations.RunPython.noop),
    ]
