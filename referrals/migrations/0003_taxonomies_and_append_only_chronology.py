"""Taxonomies from DOMAIN.md (editable afterwards in the admin), and an append-only
chronology on PostgreSQL (the audit log's trigger function, on another table)."""

from datetime import date

from django.db import migrations

NEW_CATEGORIES = date(2021, 4, 1)  # Home Office statistics 2021/22 onwards
OLD_CATEGORIES_END = date(2021, 3, 31)

CONCERN_TYPES = [
    ("islamist", "Islamist", None, None),
    ("extreme-right-wing", "Extreme Right-Wing", None, None),
    (
        "left-wing-anarchist-single-issue",
        "Left Wing, Anarchist or Single Issue",
        NEW_CATEGORIES,
        None,
    ),
    ("conflicted", "Conflicted", NEW_CATEGORIES, None),
    ("school-massacre", "School Massacre", NEW_CATEGORIES, None),
    ("incel", "Incel", NEW_CATEGORIES, None),
    (
        "vulnerability-no-ideology",
        "Vulnerability present but no ideology or CT risk",
        NEW_CATEGORIES,
        None,
    ),
    ("no-risk", "No risk present", NEW_CATEGORIES, None),
    ("other-unclear", "Other / Unclear", NEW_CATEGORIES, None),
    ("mixed-unclear-unstable", "Mixed, Unclear or Unstable", None, OLD_CATEGORIES_END),
    ("left-wing", "Left Wing", None, OLD_CATEGORIES_END),
    ("other", "Other", None, OLD_CATEGORIES_END),
]
OUTCOMES = [
    ("no-further-action", "No further action"),
    ("signposted", "Signposted to other services"),
    ("police-led", "Police-led case"),
    ("passed-to-panel", "Passed to the Channel Panel"),
]
SIGNPOSTING = [
    ("childrens-social-care", "Children's social care"),
    ("adult-social-care", "Adult social care"),
    ("mental-health-services", "Mental health services"),
    ("early-help", "Early help"),
    ("education-support", "Education support"),
    ("housing", "Housing"),
    ("other", "Other service"),
]
NEEDS_FLAGS = [
    ("mental-health-concern", "Mental health concern (suspected)"),
    ("diagnosed-mental-illness", "Diagnosed mental illness"),
    ("known-to-mental-health-services", "Already known to mental health services"),
    ("autism", "Autism spectrum condition"),
    ("learning-difficulty", "Learning difficulty"),
    ("adhd", "ADHD"),
    ("other-neurodiversity", "Other neurodiversity"),
]

TRIGGER = """
CREATE TRIGGER referrals_chronologyentry_append_only
    BEFORE UPDATE OR DELETE ON referrals_chronologyentry
    FOR EACH ROW EXECUTE FUNCTION prevent_audit_append_only();
"""


def add_taxonomies(apps, schema_editor):
    def fill(model_name, rows):
        model = apps.get_model("referrals", model_name)
        for order, row in enumerate(rows, start=1):
            code, name, *dates = row
            start, end = (dates + [None, None])[:2]
            model.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "order": order,
                    "effective_from": start,
                    "effective_to": end,
                },
            )

    fill("ConcernType", CONCERN_TYPES)
    fill("Outcome", OUTCOMES)
    fill("SignpostingService", SIGNPOSTING)
    fill("NeedsFlag", NEEDS_FLAGS)


def protect_chronology(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER, params=None)


def unprotect_chronology(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS referrals_chronologyentry_append_only "
            "ON referrals_chronologyentry",
            params=None,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0002_triage_and_taxonomies"),
        ("audit", "0001_append_only_audit_log"),
    ]
    operations = [
        migrations.RunPython(add_taxonomies, migrations.RunPython.noop),
        migrations.RunPython(protect_chronology, unprotect_chronology),
    ]
