"""Security finding F3: a reader of aggregates only must not work out a hidden count by
putting two outputs side by side.

One referral is planted alone in its cells (the last day of the financial year: a young
woman referred by the police, Extreme Right-Wing, with autism). A manager may ask for whole
financial quarters and years only; every figure of the four quarters and the year (every
pair of them, and more: all five at once) is handed to ``attack``, with the identities the
tables obey (rows add up to the referrals, age bands to age groups, quarters to the year).
Nothing hidden may come out. The same for the Channel Panel report and the dashboard.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from channel_panel.reports import ADDITIVE_KEYS, channel_report
from governance.dashboard import referrals_by_quarter
from prevent_portal.core.periods import WHOLE_PERIOD_ERROR, financial_quarters, financial_year
from prevent_portal.core.suppression import Sum, derivable, suppress
from referrals.models import ADULT_AGE, AGE_BANDS
from referrals.statistics import FLAGS, GROUPS, PARTITIONS, referral_statistics
from tests.channel_panel.test_report import case, exit_case
from tests.conftest import sign_in
from tests.core.test_suppression import attack
from tests.referrals.test_import import row
from tests.referrals.test_statistics import load

YEAR = 2020
PERIODS = [*financial_quarters(YEAR), financial_year(YEAR)]
BELOW = 5


def planted_rows() -> list[dict]:
    rows = []
    n = 0
    for month in (4, 5, 7, 8, 10, 11, 1, 2):  # six referrals in each of two months a quarter
        for day in range(1, 7):
            n += 1
            year = YEAR + 1 if month < 4 else YEAR
            rows.append(
                row(
                    n,
                    received_on=f"{year}-{month:02d}-{day:02d}",
                    date_of_birth="1980-01-01",
                    gender="male" if n % 3 else "female",
                    mental_health_concern="yes" if n % 2 else "no",
                    known_to_mental_health_services="yes" if n % 4 == 1 else "no",
                )
            )
    lone = row(
        999,
        received_on=f"{YEAR + 1}-03-31",  # the last day of the year, as in the finding
        date_of_birth="2006-05-01",
        gender="female",
        sector="Police",
        type_of_concern="Extreme Right-Wing",
        autism="yes",
        mental_health_concern="no",
    )
    return [*rows, lone]


def statistics_cells(outputs: list[dict]):
    """(shown, hidden, identities) of the referral statistics of the five periods."""
    shown, hidden, sums = {}, set(), []
    for p, figures in enumerate(outputs):
        cells = {(p, "referrals", ""): figures["referrals"]}
        for table in GROUPS:
            cells.update({(p, table, c): v for c, v in figures[table].items()})
        cells.update({(p, flag, ""): figures[flag] for flag in FLAGS})
        for key, value in cells.items():
            if value is None:
                hidden.add(key)
            else:
                shown[key] = value
        for table in PARTITIONS:
            sums.append(((p, "referrals", ""), tuple((p, table, c) for c in figures[table])))
        young = tuple((p, "by_age_band", b) for b, _, high in AGE_BANDS if high < ADULT_AGE)
        adult = tuple((p, "by_age_band", b) for b, low, _ in AGE_BANDS if low >= ADULT_AGE)
        sums += [
            ((p, "by_age_group", "Young person"), young),
            ((p, "by_age_group", "Adult"), adult),
        ]
    for _, measure, category in [k for k in [*shown, *hidden] if k[0] == 4]:
        sums.append(((4, measure, category), tuple((q, measure, category) for q in range(4))))
    return shown, hidden, sums


def test_the_lone_referral_cannot_be_worked_out_from_any_whole_periods(world):
    load(planted_rows())
    exact = [referral_statistics(date_from=p.start, date_to=p.end, suppress=0) for p in PERIODS]
    assert exact[3]["by_sector"]["Police"] == 1 and exact[4]["by_sector"]["Police"] == 1
    assert exact[3]["autism_spectrum_condition"] == 1

    outputs = [
        referral_statistics(date_from=p.start, date_to=p.end, suppress=BELOW) for p in PERIODS
    ]
    shown, hidden, sums = statistics_cells(outputs)
    assert (3, "by_sector", "Police") in hidden and (4, "by_sector", "Police") in hidden
    assert attack(shown, hidden, sums) == {}
    for key, value in shown.items():  # what is shown is true
        p, measure, category = key
        exact_value = exact[p][measure][category] if category else exact[p][measure]
        assert value == exact_value, key

    # Primary suppression alone (the code before the fix) gave the lone referral away.
    def primary(figures):
        return {
            k: ({c: (v if v >= BELOW else None) for c, v in figures[k].items()}
                if isinstance(figures[k], dict) else
                (figures[k] if figures[k] >= BELOW else None))
            for k in ["referrals", *GROUPS, *FLAGS]
        }  # fmt: skip

    shown, hidden, sums = statistics_cells([primary(f) for f in exact])
    given_away = attack(shown, hidden, sums)
    assert given_away[(3, "by_age_group", "Young person")] == 1  # total less the adults
    assert given_away[(4, "by_age_group", "Young person")] == 1
    assert given_away[(0, "by_gender", "Female")] == 4


def test_percentages_never_show_where_their_count_or_its_whole_is_hidden(world):
    load(planted_rows())
    for period in PERIODS:
        figures = referral_statistics(date_from=period.start, date_to=period.end, suppress=BELOW)
        percent = figures["percent"]
        for key in GROUPS:
            for category, count in figures[key].items():
                if count is None or figures["referrals"] is None:
                    assert percent[key][category] is None, (period, key, category)
        for flag in FLAGS:
            if figures[flag] is None:
                assert percent[flag] is None


def test_the_dashboard_quarters_are_hidden_as_the_statistics_hide_them(world):
    load(planted_rows())
    year = PERIODS[-1]
    rows = referrals_by_quarter(year.start, year.end, BELOW)
    from_statistics = [
        referral_statistics(date_from=q.start, date_to=q.end, suppress=BELOW)["referrals"]
        for q in PERIODS[:4]
    ]
    assert [r.count for r in rows] == from_statistics
    for index, quarter in enumerate(PERIODS[:4]):
        (single,) = referrals_by_quarter(quarter.start, quarter.end, BELOW)
        assert single.count == from_statistics[index]


def test_channel_report_exits_cannot_be_worked_out_from_whole_periods(world):
    """One case exits in the last quarter for a reason nobody else left for."""
    for exited_on in (
        [date(YEAR, 5, d) for d in range(1, 7)]
        + [date(YEAR, 8, d) for d in range(1, 7)]
        + [date(YEAR, 11, d) for d in range(1, 7)]
        + [date(YEAR + 1, 2, d) for d in range(1, 6)]
    ):
        exit_case(world, case(world, date(YEAR - 1, 6, 1)), exited_on, "risk-reduced")
    exit_case(world, case(world, date(YEAR - 1, 6, 1)), date(YEAR + 1, 3, 31), "consent-withdrawn")

    outputs = [channel_report(date_from=p.start, date_to=p.end, suppress=BELOW) for p in PERIODS]
    shown, hidden, sums = {}, set(), []
    for p, figures in enumerate(outputs):
        for key in ADDITIVE_KEYS:
            value = figures[key]
            for category, count in value.items() if isinstance(value, dict) else [("", value)]:
                (hidden.add((p, key, category)) if count is None
                 else shown.__setitem__((p, key, category), count))  # fmt: skip
    for _, key, category in [k for k in [*shown, *hidden] if k[0] == 4]:
        sums.append(((4, key, category), tuple((q, key, category) for q in range(4))))
    assert attack(shown, hidden, sums) == {}
    exact = channel_report(date_from=PERIODS[3].start, date_to=PERIODS[3].end)
    assert 1 in exact["exits_by_reason"].values()


# --- Only whole periods, on every page, the GET address included ------------------------------
@pytest.mark.parametrize(
    "name,start,end",
    [("referrals:statistics", "date_from", "date_to"), ("channel_panel:report", "from", "to")],
)
def test_a_manager_is_refused_free_dates_with_an_error_not_figures(client, world, name, start, end):
    load(planted_rows())
    sign_in(client, world.manager)
    for first, last in [("1/4/2020", "30/3/2021"), ("1/4/2020", "31/3/2021")]:
        response = client.get(reverse(name), {start: first, end: last})
        assert response.status_code == 200
        whole = last == "31/3/2021"
        html = response.content.decode()
        assert (WHOLE_PERIOD_ERROR in html) is not whole, (name, first, last)
        assert ("govuk-error-summary" in html) is not whole
        assert (response.context["figures"] is None) is not whole
        csv = client.get(reverse(name), {start: first, end: last, "format": "csv"})
        assert csv["Content-Type"].startswith("text/csv") is whole


def test_the_coordinator_keeps_free_dates(client, world):
    load(planted_rows())
    sign_in(client, world.coordinator)
    response = client.get(
        reverse("referrals:statistics"), {"date_from": "1/4/2020", "date_to": "30/3/2021"}
    )
    assert response.context["figures"]["referrals"] == 48


# --- One threshold for a reader of aggregates (review 1) ----------------------------------------
TWO_THRESHOLDS_TABLE = [[3, 6, 0, 7], [5, 9, 8, 3], [8, 6, 7, 5], [6, 5, 0, 8]]


def test_two_thresholds_side_by_side_give_a_hidden_count_away():
    """Why a manager may not choose the threshold: the same table suppressed below 5 and
    below 6 hides different larger cells, and the cells shown in either give away counts
    hidden in both (a random search found 26 of 400 such tables)."""
    values, sums = {}, []
    for q, cells in enumerate(TWO_THRESHOLDS_TABLE):
        values.update({(q, c): n for c, n in enumerate(cells)})
        values[(q, "total")] = sum(cells)
        sums.append(Sum((q, "total"), tuple((q, c) for c in range(4))))
    for c in [*range(4), "total"]:
        values[("year", c)] = sum(values[(q, c)] for q in range(4))
        sums.append(Sum(("year", c), tuple((q, c) for q in range(4))))
    sums.append(Sum(("year", "total"), tuple(("year", c) for c in range(4))))
    hidden_in_both = suppress(values, sums, below=5) & suppress(values, sums, below=6)
    shown = {k: v for k, v in values.items() if k not in hidden_in_both}
    assert derivable(shown, sums, hidden_in_both)  # e.g. (0, 2) == 0, a count below 5


@pytest.mark.parametrize(
    "name,start,end",
    [("referrals:statistics", "date_from", "date_to"), ("channel_panel:report", "from", "to")],
)
def test_a_manager_cannot_choose_the_threshold(client, world, name, start, end):
    """A manager always gets the managers' threshold, whatever the address asks for: the
    page and its CSV are the same with ``suppress`` set to anything."""
    load(planted_rows())
    sign_in(client, world.manager)
    period = {start: "1/4/2020", end: "31/3/2021", "format": "csv"}
    default = client.get(reverse(name), period).content
    for asked in ("0", "4", "6", "20"):
        assert client.get(reverse(name), {**period, "suppress": asked}).content == default, asked
    page = client.get(reverse(name), {**period, "format": "", "suppress": "20"})
    assert page.context["suppress"] == BELOW
    assert 'name="suppress"' not in page.content.decode()  # nothing to choose
