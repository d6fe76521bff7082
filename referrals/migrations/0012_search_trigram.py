"""The search box's name indexes (referrals/search.py): pg_trgm and a GIN trigram index on
each name column of persons and their aliases.

PostgreSQL only: on SQLite (the demo, quick test runs) ``TrigramExtension`` does nothing and
neither do the indexes; the search falls back to prefix candidates ranked with rapidfuzz.
The indexes are plain SQL, outside Django's model state, because a GIN index with an
operator class cannot be created on SQLite (the demo runs the same migrations). pg_trgm is a
trusted extension (PostgreSQL 13+): the database owner that runs migrations may create it.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = [
    ("person_given_trgm_idx", "referrals_person", "given_name"),
    ("person_family_trgm_idx", "referrals_person", "family_name"),
    ("alias_given_trgm_idx", "referrals_personalias", "given_name"),
    ("alias_family_trgm_idx", "referrals_personalias", "family_name"),
]


class PostgresOnlySQL(migrations.RunSQL):
    """RunSQL that runs on PostgreSQL and does nothing elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("referrals", "0011_reflife_gateway_result_and_referring_organisation")]

    operations = [
        TrigramExtension(),
        *(
            PostgresOnlySQL(
                f"CREATE INDEX {name} ON {table} USING gin ({column} gin_trgm_ops)",
                f"DROP INDEX IF EXISTS {name}",
            )
            for name, table, column in INDEXES
        ),
    ]
