"""prevent_statistics and the statistics page: the figures a board paper would quote."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from referrals.measures import MEASURE_KEYS
from referrals.models import Referral
from referrals.services.imports import referrals_import
from referrals.statistics import referral_statistics
from tests.conftest import sign_in
from tests.dates import date_input
from tests.referrals.test_import import csv_bytes, row

KEYS = [
    "from",
    "to",
    "referrals",
    "by_gender",
    "by_age_group",
    "by_age_band",
    "by_type_of_concern",
    "by_sector",
    "by_outcome",
    *MEASURE_KEYS,  # every needs-flag measure of the shared registry, in its order
    "reached_panel",
    "adopted",
    "percent",
]


def load(rows):
    result = referrals_import(name="history.csv", content=csv_bytes(rows), acting_user=None)
    assert result.ok, result.messages()
    return result


def statistics(*args) -> str:
    out = io.StringIO()
    call_command("prevent_statistics", *args, stdout=out)
    return out.getvalue()


def seed_profile_rows():
    """Seed 003 (2020-21): 19 people reached the Channel Panel, all male, 53% adults and
    47% young people, Islamist concerns highest, mental health a concern in most cases.
    Names are invented; the split is the paper's."""
    rows = []
    for n in range(1, 20):
        adult = n <= 10
        rows.append(
            row(
                n,
                received_on=f"2020-{4 + n % 9:02d}-{1 + n:02d}",
                date_of_birth="1990-01-01" if adult else "2006-01-01",
                gender="male",
                type_of_concern=(
                    "Islamist"
                    if n <= 8
                    else "Extreme Right-Wing"
                    if n <= 13
                    else "Mixed, Unclear or Unstable"
                ),
                mental_health_concern="yes" if n <= 16 else "no",
                known_to_mental_health_services="yes" if n <= 8 else "no",
                reached_panel="yes",
                adopted="yes" if n <= 7 else "no",
                outcome="Passed to the Channel Panel",
            )
        )
    return rows


def test_seed_profile_comes_out_as_the_board_paper_quotes_it(world):
    load(seed_profile_rows())
    figures = json.loads(statistics("--from", "2020-04-01", "--to", "2021-03-31"))
    assert list(figures) == KEYS
    assert figures["from"] == "2020-04-01" and figures["to"] == "2021-03-31"
    assert figures["referrals"] == 19
    assert figures["by_gender"] == {"Male": 19, "Female": 0, "Other": 0, "Not known": 0}
    assert figures["percent"]["by_gender"]["Male"] == 100
    assert figures["by_age_group"] == {"Adult": 10, "Young person": 9}
    assert figures["percent"]["by_age_group"] == {"Adult": 53, "Young person": 47}
    assert figures["by_age_band"]["21-30"] == 10  # 30 in 2020
    assert figures["by_age_band"]["11-15"] + figures["by_age_band"]["16-17"] == 9
    assert figures["by_age_band"]["51+"] == 0
    concerns = figures["by_type_of_concern"]
    assert concerns["Islamist"] == 8
    assert concerns["Extreme Right-Wing"] == 5
    assert concerns["Mixed, Unclear or Unstable"] == 6  # an old category, in force then
    assert max(concerns, key=concerns.get) == "Islamist"
    assert "Incel" not in concerns  # in force only from April 2021
    assert figures["by_sector"]["Education"] == 19
    assert figures["by_outcome"]["Passed to the Channel Panel"] == 19
    assert figures["mental_health_concern"] == 16
    assert figures["percent"]["mental_health_concern"] == 84
    assert figures["known_to_mental_health_services"] == 8
    assert figures["percent"]["known_to_mental_health_services"] == 50  # of the 16
    assert figures["reached_panel"] == 19 and figures["adopted"] == 7
    assert figures["percent"]["adopted"] == 37  # 36.8


def test_percent_is_rounded_half_up(world):
    # 1 of 8 is 12.5% (13, where rounding half to even gives 12); 3 of 8 is 37.5% (38).
    rows = [row(n, gender="female" if n == 1 else "male") for n in range(1, 9)]
    for n in (2, 3, 4):
        rows[n - 1]["autism"] = "yes"
        rows[n - 1]["reached_panel"] = "no"
    load(rows)
    figures = referral_statistics(date_from=date(2020, 1, 1), date_to=date(2020, 12, 31))
    assert figures["percent"]["by_gender"]["Female"] == 13
    assert figures["percent"]["by_gender"]["Male"] == 88  # 87.5
    assert figures["percent"]["reached_panel"] == 63  # 5 of 8 = 62.5
    assert figures["percent"]["referrals"] == 100


def test_suppression_hides_small_counts_and_their_percentages(world):
    rows = [row(n, gender="female" if n <= 2 else "male") for n in range(1, 8)]
    load(rows)
    figures = json.loads(
        statistics("--from", "2020-01-01", "--to", "2020-12-31", "--suppress", "3")
    )
    assert figures["referrals"] == 7
    assert figures["by_gender"] == {"Male": 5, "Female": None, "Other": None, "Not known": None}
    assert figures["percent"]["by_gender"] == {
        "Male": 71,
        "Female": None,
        "Other": None,
        "Not known": None,
    }
    assert figures["adopted"] is None and figures["percent"]["adopted"] is None


def test_period_includes_both_end_days_and_nothing_outside(world):
    dates = ["2020-03-31", "2020-04-01", "2020-06-30", "2021-03-31", "2021-04-01"]
    load([row(n, received_on=d) for n, d in enumerate(dates, start=1)])
    figures = json.loads(statistics("--from", "2020-04-01", "--to", "2021-03-31"))
    assert figures["referrals"] == 3


def test_age_is_taken_on_the_day_received(world):
    load(
        [
            row(1, date_of_birth="2002-06-15", received_on="2020-06-14"),  # 17 the day before
            row(2, date_of_birth="2002-06-15", received_on="2020-06-15", first_name="B"),
            row(3, date_of_birth="", received_on="2020-06-15"),
        ]
    )
    figures = referral_statistics(date_from=date(2020, 1, 1), date_to=date(2020, 12, 31))
    assert figures["by_age_group"] == {"Adult": 1, "Young person": 1, "Not known": 1}
    assert figures["by_age_band"]["16-17"] == 1 and figures["by_age_band"]["18-20"] == 1


def test_csv_format_has_one_row_per_figure(world):
    load(seed_profile_rows())
    output = statistics("--from", "2020-04-01", "--to", "2021-03-31", "--format", "csv")
    rows = list(csv.reader(io.StringIO(output)))
    assert rows[0] == ["measure", "category", "count", "percent"]
    assert ["referrals", "", "19", "100"] in rows
    assert ["by_age_group", "Adult", "10", "53"] in rows
    assert ["by_age_group", "Young person", "9", "47"] in rows
    assert ["by_type_of_concern", "Islamist", "8", "42"] in rows
    assert ["mental_health_concern", "", "16", "84"] in rows


@pytest.mark.parametrize(
    "args,message",
    [
        (["--from", "2021-04-01", "--to", "2020-04-01"], "must not be after"),
        (["--from", "1/4/2020", "--to", "2021-03-31"], "not a date"),
    ],
)
def test_bad_periods_are_refused(db, args, message):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=message):
        statistics(*args)


def test_query_count_does_not_grow_with_the_number_of_referrals(world):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            referral_statistics(date_from=date(2020, 1, 1), date_to=date(2021, 12, 31))
        return len(ctx.captured_queries)

    load([row(n) for n in range(1, 11)])
    few = queries()
    load([row(n) for n in range(11, 211)])
    # The counts by sector and outcome with every cell, the types of concern, and the three
    # lookups' entries: the sectors and outcomes are not counted by queries of their own.
    assert queries() == few == 5


def test_needs_flag_measures_are_looked_up_per_referral_not_hashed_whole(world):
    """The family of slow statistics (20 of the page's 31 ms at scale 1): an ``EXISTS`` in an
    aggregate's FILTER, which the planner may run as a hashed subplan reading every
    referral's flags in the instance, once per measure. Each measure is a scalar lookup of
    the counted referral's own flags instead, for referrals and transfer traces alike."""
    load(seed_profile_rows())
    area_ids = sorted(set(Referral.objects.values_list("area_id", flat=True)))
    with CaptureQueriesContext(connection) as ctx:
        figures = referral_statistics(
            date_from=date(2020, 4, 1), date_to=date(2021, 3, 31), areas=area_ids
        )
    assert figures["mental_health_concern"] == 16
    assert figures["known_to_mental_health_services"] == 8
    counts = [q["sql"] for q in ctx.captured_queries if "needs_flags" in q["sql"]]
    # The referrals' counts; no referral here left by transfer, so no traces' counts (one
    # short query asks: tests/areas/test_transfers.py counts traces).
    assert len(counts) == 1
    assert not any("transfertrace_needs_flags" in q["sql"] for q in ctx.captured_queries)
    for sql in counts:
        assert "FILTER (WHERE EXISTS" not in sql.upper()
        assert sql.count("LIMIT 1)) AS") == len(MEASURE_KEYS)


# --- The page -------------------------------------------------------------------------------


def test_coordinator_sees_the_figures_in_captioned_tables(client, world):
    load(seed_profile_rows())
    sign_in(client, world.coordinator)
    # As the form sends it: each date in its three boxes.
    response = client.get(
        reverse("referrals:statistics"),
        date_input("date_from", date(2020, 4, 1)) | date_input("date_to", date(2021, 3, 31)),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Referrals received from 1 April 2020 to 31 March 2021" in html
    assert "<caption" in html and "Type of concern</caption>" in html
    assert "Adults and young people (age when referred)" in html
    assert "53%" in html and "47%" in html
    assert "hidden</td>" not in html


def test_manager_gets_aggregates_only_with_small_counts_hidden(client, world):
    rows = seed_profile_rows()
    load(rows)
    sign_in(client, world.manager)
    response = client.get(
        reverse("referrals:statistics"),
        {"date_from": "2020-04-01", "date_to": "2021-03-31", "suppress": "0"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Counts below 5" in html
    assert "hidden</td>" in html  # e.g. no "Other" gender
    for values in rows:
        assert values["first_name"] not in html
        assert values["last_name"] not in html
        assert values["reference"] not in html
    assert "19" in html


def test_page_downloads_the_same_figures_as_csv(client, world):
    load(seed_profile_rows())
    sign_in(client, world.coordinator)
    response = client.get(
        reverse("referrals:statistics"),
        {"date_from": "2020-04-01", "date_to": "2021-03-31", "format": "csv"},
    )
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    expected = statistics("--from", "2020-04-01", "--to", "2021-03-31", "--format", "csv")
    assert response.content.decode() == expected


def test_bad_period_on_the_page_is_an_error_not_figures(client, world):
    sign_in(client, world.coordinator)
    response = client.get(
        reverse("referrals:statistics"), {"date_from": "31/3/2021", "date_to": "1/4/2020"}
    )
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "The last day must be the same as or after the first day" in html
    assert "<title>Error: " in html
    assert "<caption" not in html


def test_a_managers_suppressed_figures_are_worked_out_once_until_a_count_changes(
    client, world, monkeypatch
):
    """Issue 18: working out which counts to hide took a manager's statistics page about a
    second at scale 1 (the Coordinator's exact figures, none). The answer depends only on
    the counts, so the same counts are not worked out again; changed counts are."""
    from prevent_portal.core import suppression

    rows = seed_profile_rows()
    load(rows[:-1])
    calls = []
    real = suppression.derivable
    monkeypatch.setattr(suppression, "derivable", lambda *a, **k: calls.append(1) or real(*a, **k))
    sign_in(client, world.manager)
    year = {"date_from": "2020-04-01", "date_to": "2021-03-31"}
    url = reverse("referrals:statistics")
    first = client.get(url, year).content.decode()
    worked = len(calls)
    assert worked and "hidden</td>" in first
    again = client.get(url, year).content.decode()
    assert len(calls) == worked  # nothing worked out again
    assert again.count("hidden</td>") == first.count("hidden</td>")
    assert '__value">18</dd>' in again  # the referrals received
    load(rows[-1:])  # one more referral: new counts, worked out afresh
    after = client.get(url, year).content.decode()
    assert len(calls) > worked
    assert '__value">19</dd>' in after and '__value">18</dd>' not in after
