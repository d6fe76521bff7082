"""The Channel Panel report page: the command's figures for the Coordinator, the chair and
managers (small counts always hidden from managers), a shareable GET address and a CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from django.urls import reverse

from channel_panel.models import Attendance
from prevent_portal.core.navigation import items_for
from referrals.measures import LABELS
from referrals.models import NeedsFlag
from tests import factories
from tests.channel_panel.test_report import meeting
from tests.conftest import sign_in

URL = reverse("channel_panel:report")
PERIOD = {"from": "1/4/2025", "to": "31/3/2026"}
CONCERN = f"Cases discussed: {LABELS['mental_health_concern'].lower()}"


@pytest.fixture
def figures(world):
    """One held meeting with agency A present; four referrals discussed, one of them with a
    mental-health concern."""
    world.agency_a.is_core_panel_member = True
    world.agency_a.save()
    referrals = [factories.panel_referral(world.agency_b) for _ in range(4)]
    referrals[0].needs_flags.add(NeedsFlag.objects.get(code="mental-health-concern"))
    meeting(
        world,
        date(2025, 5, 1),
        referrals=referrals,
        attendance={world.agency_a: Attendance.Status.PRESENT},
    )


def summary(response) -> dict[str, str]:
    """Summary-list keys to values, and table row headers to their cells, as text."""
    html = response.content.decode()
    pairs = re.findall(
        r'<dt class="govuk-summary-list__key">(.*?)</dt>\s*'
        r'<dd class="govuk-summary-list__value">(.*?)</dd>',
        html,
        re.S,
    )
    rows = re.findall(
        r'<th scope="row" class="govuk-table__header">(.*?)</th>(.*?)</tr>', html, re.S
    )
    found = {k.strip(): v.strip() for k, v in pairs}
    for header, cells in rows:
        texts = re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)
        found[header.strip()] = " | ".join(t.strip() for t in texts)
    return found


@pytest.mark.parametrize("persona", ["coordinator", "chair"])
def test_coordinator_and_chair_see_exact_figures(client, world, figures, persona):
    sign_in(client, world.persona(persona))
    response = client.get(URL, PERIOD)
    assert response.status_code == 200
    shown = summary(response)
    assert shown["Meetings held"] == "1"
    assert shown["Cases discussed at held meetings"] == "4"
    assert shown[CONCERN] == "1 (25% of cases discussed)"
    assert shown["Agency A"] == "1 of 1 | 100%"
    assert "hidden" not in shown["Cases adopted"]


def test_a_manager_sees_small_counts_of_cases_hidden_but_meetings_shown(
    client, world, figures, settings
):
    settings.STATISTICS_SUPPRESS_BELOW = 5
    sign_in(client, world.manager)
    response = client.get(URL, {**PERIOD, "suppress": "0"})
    assert response.status_code == 200
    shown = summary(response)
    assert shown["Meetings held"] == "1"
    assert shown["Agency A"] == "1 of 1 | 100%"
    assert shown["Cases discussed at held meetings"] == "hidden"
    assert shown[CONCERN] == "hidden"
    assert "Counts of cases below 5 are hidden" in response.content.decode()
    # The CSV a manager downloads is suppressed as well.
    download = client.get(URL, {**PERIOD, "format": "csv"})
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert ["cases_discussed", "", "", ""] in rows
    assert ["meetings_held", "", "1", ""] in rows


@pytest.mark.parametrize("persona", ["spoc_a", "panel_a", "referrer_a", "sysadmin", "no_role"])
def test_other_roles_are_refused(client, world, persona):
    sign_in(client, world.persona(persona))
    assert client.get(URL).status_code == 403


def test_the_period_is_in_the_address_so_a_report_can_be_shared(client, world, figures):
    sign_in(client, world.coordinator)
    response = client.get(URL, {"from": "2025-04-01", "to": "2026-03-31"})
    html = response.content.decode()
    assert "From 1 April 2025 to 31 March 2026" in html
    assert 'name="from-day"' in html and 'name="to-year"' in html  # GOV.UK date inputs
    assert "from=2025-04-01&amp;to=2026-03-31" in html  # the CSV link keeps the period
    download = client.get(URL, {"from": "2025-04-01", "to": "2026-03-31", "format": "csv"})
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert "channel-panel-report-2025-04-01-to-2026-03-31.csv" in download["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert ["cases_discussed", "", "4", ""] in rows


def test_without_a_period_it_shows_the_financial_year_so_far(client, world):
    sign_in(client, world.coordinator)
    response = client.get(URL)
    assert response.status_code == 200
    assert "Meetings held" in response.content.decode()


def _boxes(query: dict) -> dict:
    """The query as the page's form sends it: each date "d/m/y" in its three boxes."""
    sent = {}
    for key, value in query.items():
        if key in ("from", "to"):
            parts = value.split("/") if value else ["", "", ""]
            sent |= {f"{key}-{p}": v for p, v in zip(("day", "month", "year"), parts, strict=True)}
        else:
            sent[key] = value
    return sent


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "31/3/2026", "to": "1/4/2025"}, "The last day must be the same as or after"),
        ({"from": "31/2/2025", "to": "1/4/2026"}, "The first day must be a real date"),
        ({"from": "", "to": "1/4/2026"}, "Enter the first day of the period"),
        ({"from": "1/4/2025", "to": "1/4/2026", "suppress": "lots"}, "Enter a whole number"),
    ],
)
def test_a_bad_period_is_explained_in_the_error_summary_and_by_the_field(
    client, world, query, message
):
    sign_in(client, world.coordinator)
    response = client.get(URL, _boxes(query))
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert html.count(message) == 2  # in the summary and beside the field
    assert "Meetings held" not in html
    year = query["to"].split("/")[2]
    assert f'name="to-year" type="text" inputmode="numeric" value="{year}"' in html  # kept


def test_posting_is_not_allowed(client, world):
    sign_in(client, world.coordinator)
    assert client.post(URL, PERIOD).status_code == 405


@pytest.mark.parametrize(
    ("persona", "listed"),
    [("coordinator", True), ("chair", True), ("manager", True), ("spoc_a", False)],
)
def test_the_menu_links_the_report_for_those_who_may_open_it(world, persona, listed):
    labels = [item.label for item in items_for(world.persona(persona))]
    assert ("Channel Panel report" in labels) is listed
