"""The search box in ``make bench`` (referrals/search.py): its pages, and its scoped cost.

- pages: the Coordinator's search for a name with a typo and for a date of birth, and a
  partner SPOC's search for a name in their agency (p95 target as every key page);
- scoped cost: the SPOC's same search against copies of the persons, aliases and referrals
  tables holding the SPOC agency's own rows and other agencies' up to 10,000 and 1,000,000
  referrals. The other agencies' persons all carry the searched person's name and date of
  birth: the worst case for a search that started from a name index over every person. The
  ratio of the two p50s shows whether the cost depends on other agencies' data.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.db import connection
from wall_role import AREA_FILLER, copy_is_current, wall_copy

# The tables the search's scoped measure copies.
TABLES = ("referrals_person", "referrals_personalias", "referrals_referral")
WALLED = ("referrals_person", "referrals_referral")  # those with an area of their own

SEARCH_SCOPED_TOTALS = {"10k": 10_000, "1m": 1_000_000}
URL = "/referrals/search/"


def _typo(word: str) -> str:
    """The word with two letters inside it swapped (``Smithers`` -> ``Smihters``)."""
    if len(word) < 4:
        return word + word[-1]
    i = len(word) // 2
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def search_targets(t: dict) -> dict:
    """People to search for: one of the SPOC agency's, and one of the whole country's."""
    from referrals.models import Person, Referral

    own = (
        Referral.objects.filter(owning_agency=t["spoc_agency"], depersonalised_at__isnull=True)
        .select_related("person")
        .order_by("pk")
    )
    mine = own[own.count() // 2].person
    anyone = Person.objects.filter(date_of_birth__isnull=False).order_by("pk")
    someone = anyone[anyone.count() // 3]
    return {
        "spoc_person": mine,
        "spoc_query": f"{mine.given_name} {mine.family_name}",
        "coordinator_typo": f"{someone.given_name} {_typo(someone.family_name)}",
        "coordinator_dob": someone.date_of_birth.strftime("%d/%m/%Y"),
    }


def search_pages(s: dict) -> list[tuple[str, str, str]]:
    """(page, role, path) rows for run.py's page table."""

    def path(q):
        return f"{URL}?{urlencode({'q': q})}"

    return [
        ("search, name with a typo", "coordinator", path(s["coordinator_typo"])),
        ("search, date of birth", "coordinator", path(s["coordinator_dob"])),
        ("search, name (scoped)", "spoc", path(s["spoc_query"])),
    ]


def _required_columns(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
        "AND table_name = %s AND is_nullable = 'NO' AND column_default IS NULL",
        [table],
    )
    return [c for (c,) in cursor.fetchall() if c != "id"]


def _generate(cursor, schema: str, table: str, values: dict, count: int, agency: int):
    """``count`` rows of ``table`` in ``schema`` from SQL expressions of ``g`` (1..count),
    ids following on from the public table's; ``others.ids`` are the other agencies."""
    required = _required_columns(cursor, table)
    missing = [c for c in required if c not in values]
    if missing:
        raise SystemExit(f"The scoped search benchmark needs filler values for: {missing}")
    columns = ["id", *required, *(c for c in values if c not in required and c != "id")]
    select = ", ".join(
        [f"(SELECT max(id) FROM public.{table}) + g"]  # noqa: S608 - our own table names
        + [values[c] for c in columns[1:]]
    )
    cursor.execute(
        f"INSERT INTO {schema}.{table} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {select} FROM generate_series(1, %s) AS g, "
        "(SELECT array_agg(id) AS ids FROM public.accounts_agency WHERE id <> %s) AS others",
        [count, agency],
    )


def _literal(text: str) -> str:
    """A SQL string literal (fictional synthetic names; quotes doubled, and ``%`` doubled
    for the driver's parameter formatting)."""
    return "'" + text.replace("'", "''").replace("%", "%%") + "'"


def build_search_schema(name: str, total: int, agency: int, person) -> dict:
    """Copies of the persons, aliases and referrals tables in schema ``name``: the agency's
    own rows, and other agencies' referrals (one person each, with ``person``'s name and date
    of birth) up to ``total`` referrals. Reused when it already holds ``total``."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])
        if cursor.fetchone():
            cursor.execute(f"SELECT count(*) FROM {name}.referrals_referral")  # noqa: S608
            if cursor.fetchone()[0] == total and copy_is_current(cursor, name, TABLES):
                for table in WALLED:
                    wall_copy(cursor, name, table)
                cursor.execute(
                    f"SELECT count(*) FROM {name}.referrals_referral WHERE owning_agency_id = %s",  # noqa: S608
                    [agency],
                )
                return {"own": cursor.fetchone()[0], "total": total, "reused": True}
            cursor.execute(f"DROP SCHEMA {name} CASCADE")
        started = time.perf_counter()
        cursor.execute(f"CREATE SCHEMA {name}")
        for table in TABLES:
            cursor.execute(
                f"CREATE TABLE {name}.{table} "
                f"(LIKE public.{table} INCLUDING DEFAULTS INCLUDING INDEXES)"
            )
        own_persons = "SELECT person_id FROM public.referrals_referral WHERE owning_agency_id = %s"
        cursor.execute(
            f"INSERT INTO {name}.referrals_person "  # noqa: S608
            f"SELECT * FROM public.referrals_person WHERE id IN ({own_persons})",
            [agency],
        )
        cursor.execute(
            f"INSERT INTO {name}.referrals_personalias "  # noqa: S608
            f"SELECT * FROM public.referrals_personalias WHERE person_id IN ({own_persons})",
            [agency],
        )
        cursor.execute(
            f"INSERT INTO {name}.referrals_referral "  # noqa: S608
            "SELECT * FROM public.referrals_referral WHERE owning_agency_id = %s",
            [agency],
        )
        own = cursor.rowcount
        others = total - own
        given, family = (_literal(v) for v in (person.given_name, person.family_name))
        dob = person.date_of_birth.isoformat() if person.date_of_birth else None
        person_values = {
            "given_name": given,
            "family_name": family,
            "date_of_birth": f"'{dob}'::date" if dob else "NULL",
            "gender": "'not_known'",
            "address": "''",
            "postcode": "''",
            "school_or_employer": "''",
            "ethnicity": "''",
            "version": "1",
            "created_at": "now()",
            "area_id": AREA_FILLER,
        }
        _generate(cursor, name, "referrals_person", person_values, others, agency)
        referral_values = {
            "reference": "'BENCH-S-' || g",
            "person_id": "(SELECT max(id) FROM public.referrals_person) + g",
            "owning_agency_id": "(others.ids)[1 + g %% array_length(others.ids, 1)]",
            "referring_agency_id": "(others.ids)[1 + g %% array_length(others.ids, 1)]",
            "referring_sector_id": "(SELECT min(id) FROM public.accounts_sector)",
            "received_on": "current_date - (g %% 3650)",
            "concern_summary": "''",
            "person_awareness": "'not_known'",
            "status": "'closed'",
            "gateway_outcome": "'cleared'",
            "outcome_reason": "''",
            "referring_organisation": "''",
            "area_id": AREA_FILLER,
            "reached_panel": "false",
            "adopted": "false",
            "imported": "false",
            "version": "1",
            "created_at": "now()",
            "updated_at": "now()",
        }
        _generate(cursor, name, "referrals_referral", referral_values, others, agency)
        for table in WALLED:
            wall_copy(cursor, name, table)
        for table in TABLES:
            cursor.execute(f"ANALYZE {name}.{table}")
        return {"own": own, "total": total, "seconds": round(time.perf_counter() - started, 1)}


def scoped_search(t: dict, s: dict, iterations: int, *, measure, signed_in) -> dict:
    """The SPOC's search at 10k and 1M total referrals, their own rows held fixed."""
    client = signed_in(t["spoc"])
    path = f"{URL}?{urlencode({'q': s['spoc_query']})}"
    results = {}
    for label, total in SEARCH_SCOPED_TOTALS.items():
        schema = f"bench_search_{label}"
        info = build_search_schema(schema, total, t["spoc_agency"], s["spoc_person"])
        with connection.cursor() as cursor:
            cursor.execute(f"SET search_path TO {schema}, public")
        try:
            info |= measure(client, path, iterations)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET search_path TO DEFAULT")
        results[label] = info
    results["ratio_1m_to_10k"] = round(results["1m"]["p50_ms"] / results["10k"]["p50_ms"], 2)
    return results
