"""Managers see their own area's aggregates (issue 18): the dashboard's background-counted
figures are per council area, and a manager is shown their own area's, never another's."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.services import dashboard as dashboard_service
from governance.services import regional as regional_service
from prevent_portal.accounts.models import Membership, Role
from referrals.models import Referral
from referrals.services.imports import referrals_import
from tests import factories
from tests.conftest import sign_in
from tests.governance.test_dashboard import CANARY_FAMILY as CANARY
from tests.governance.test_dashboard import referral_rows
from tests.referrals.test_import import csv_bytes

URL = reverse("governance:dashboard")
FY_2020 = {"year": "2020"}


def load(rows, area) -> None:
    result = referrals_import(
        name="history.csv", content=csv_bytes(rows), acting_user=None, area=area
    )
    assert result.ok, result.messages()


@pytest.fixture
def counted(two_areas, settings):
    """Twelve referrals in the world's area, twenty elsewhere, counted by the worker."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    load(referral_rows(12), two_areas.here)
    load(referral_rows(20, start=101), two_areas.elsewhere.area)
    for area in (two_areas.here, two_areas.elsewhere.area):
        dashboard_service.dashboard_period_want(
            area_id=area.pk, date_from=date(2020, 4, 1), date_to=date(2021, 3, 31), suppress=5
        )
    # This year in each area, and 2020/21 in each.
    assert dashboard_service.dashboard_figures_refresh() == 4
    return two_areas


def test_each_manager_sees_their_own_areas_referral_count(client, world, counted):
    sign_in(client, world.manager)
    html = client.get(URL, FY_2020).content.decode()
    assert 'id="referrals-total">12<' in html
    sign_in(client, counted.elsewhere.manager)
    html = client.get(URL, FY_2020).content.decode()
    assert 'id="referrals-total">20<' in html


def test_a_manager_cannot_ask_for_another_areas_figures(client, world, counted):
    """Naming the other area in the address shows their own area's figures instead."""
    sign_in(client, world.manager)
    params = {**FY_2020, "area": counted.elsewhere.area.short_code}
    html = client.get(URL, params).content.decode()
    assert 'id="referrals-total">12<' in html
    assert counted.elsewhere.area.name not in html


def test_the_statistics_page_counts_the_readers_own_area(client, world, counted):
    """Counted in the request, it too is limited to the reader's area explicitly (the
    database wall is not there on SQLite)."""
    sign_in(client, counted.elsewhere.manager)
    period = {"date_from": "01/04/2020", "date_to": "31/03/2021"}
    figures = client.get(reverse("referrals:statistics"), {**period, "format": "csv"})
    assert "referrals,,20," in figures.content.decode().replace('"', "")
    sign_in(client, world.coordinator)
    figures = client.get(reverse("referrals:statistics"), {**period, "format": "csv"})
    assert "referrals,,12," in figures.content.decode().replace('"', "")


def test_each_area_is_counted_acting_for_that_area_alone(world, two_areas, monkeypatch):
    """The worker declares the one area it counts (the wall's second line of defence)."""
    from prevent_portal.areas import rls

    seen = []

    def spy(**kwargs):
        seen.append((rls.current_value(), kwargs["areas"]))
        return dashboard_service.period_figures_count.__wrapped__(**kwargs)

    real = dashboard_service.period_figures_count
    spy.__wrapped__ = real  # type: ignore[attr-defined]
    monkeypatch.setattr(dashboard_service, "period_figures_count", spy)
    dashboard_service.dashboard_figures_refresh()
    assert sorted(seen) == sorted(
        (str(a.pk), [a.pk]) for a in (two_areas.here, two_areas.elsewhere.area)
    )


# --- The regional lead -----------------------------------------------------------------------
REGIONAL_URL = reverse("governance:regional")


def regional_lead(two_areas):
    police = factories.AgencyFactory(name="Regional police", short_code="regional-police")
    police.areas.set([two_areas.here, two_areas.elsewhere.area])
    return factories.member(Role.REGIONAL_LEAD, police, username="regional-lead")


def regional_page(client, lead) -> str:
    """The page for 2020/21 as a regional lead finds it once the worker has counted it."""
    sign_in(client, lead)
    client.get(REGIONAL_URL, FY_2020)  # asks the worker for 2020/21
    assert regional_service.regional_figures_refresh() >= 1
    return client.get(REGIONAL_URL, FY_2020).content.decode()


def cells(html: str, figure: str) -> list[str]:
    row = html.split(f'data-figure="{figure}"', 1)[1].split("</tr>", 1)[0]
    return re.findall(r'govuk-table__cell--numeric"(?: data-total)?>([^<]*)<', row)


def test_a_regional_lead_sees_each_areas_figures_and_the_region_total(client, world, counted):
    html = regional_page(client, regional_lead(counted))
    # The areas by name, then the region's total.
    names = [a.name for a in sorted([counted.here, counted.elsewhere.area], key=lambda a: a.name)]
    assert html.index(names[0]) < html.index(names[1]) < html.index("Region total")
    expected = {counted.here.name: "12", counted.elsewhere.area.name: "20"}
    assert cells(html, "referrals") == [expected[n] for n in names] + ["32"]
    # No drill-down: nothing in the figures links anywhere.
    tables = html.split('id="regional-referrals"', 1)[1].split("</table>", 2)
    assert "<a " not in tables[0] and "<a " not in tables[1]
    assert CANARY not in html


def test_a_small_count_is_hidden_in_its_cell_and_the_total_does_not_give_it_away(
    client, world, two_areas, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    load(referral_rows(12), two_areas.here)
    load(referral_rows(3, start=101), two_areas.elsewhere.area)
    html = regional_page(client, regional_lead(two_areas))
    names = sorted([two_areas.here.name, two_areas.elsewhere.area.name])
    row = dict(zip([*names, "total"], cells(html, "referrals"), strict=True))
    assert row[two_areas.elsewhere.area.name] == "hidden"
    # 12 shown beside a total of 15 would give the 3 away: one of them is hidden too.
    assert "hidden" in (row[two_areas.here.name], row["total"])


def test_the_regional_page_is_counted_in_the_background_not_in_the_request(
    client, world, two_areas, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    load(referral_rows(12), two_areas.here)
    sign_in(client, regional_lead(two_areas))
    client.get(REGIONAL_URL, FY_2020)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(REGIONAL_URL, FY_2020)
    assert "being counted" in response.content.decode()
    assert response["Refresh"] == "15"
    assert '"referrals_referral"' not in " ".join(q["sql"] for q in ctx.captured_queries)


@pytest.mark.parametrize("persona", ["manager", "coordinator", "spoc_a", "sysadmin"])
def test_only_a_regional_lead_sees_the_regional_page(client, world, persona):
    sign_in(client, getattr(world, persona))
    assert client.get(REGIONAL_URL).status_code == 403


def test_a_regional_lead_opens_no_record_and_no_case_list(client, world, two_areas):
    lead = regional_lead(two_areas)
    made = factories.referral(world.agency_a)
    sign_in(client, lead)
    assert client.get(reverse("referrals:detail", args=[made.pk])).status_code == 404
    assert client.get(reverse("governance:dashboard")).status_code == 403
    assert Referral.objects.visible_to(lead).count() == 0


def test_the_regional_lead_role_needs_a_coordinator_and_a_second_administrator(world):
    from prevent_portal.accounts.approvals import change_request_approve, membership_request

    police = factories.AgencyFactory(name="Police", short_code="police")
    someone = factories.UserFactory(username="someone")
    with pytest.raises(PermissionDenied):
        membership_request(
            user=world.sysadmin, agency=police, role=Role.REGIONAL_LEAD, acting_user=world.sysadmin
        )
    change = membership_request(
        user=someone, agency=police, role=Role.REGIONAL_LEAD, acting_user=world.sysadmin
    )
    assert change.roles_needed() == {Role.COORDINATOR, Role.SYSADMIN}
    assert change_request_approve(change=change, acting_user=world.coordinator) is False
    assert not Membership.objects.active().filter(user=someone).exists()


def test_the_dashboards_training_figures_count_the_agencies_of_the_readers_area_alone(
    client, world, two_areas
):
    """Issue 18: the training summary counted the returns owed by every agency of the
    instance (the other area's partner's included) as missing from the reader's area."""
    from training import services as training
    from training.models import TrainingType

    wrap = TrainingType.objects.get(name="WRAP")
    quarter = training.reporting_period_for_end(end=date(2020, 6, 30), acting_user=None)
    training.compliance_return_submit(
        agency=world.agency_a, training_type=wrap, period=quarter,
        eligible=100, compliant=90, acting_user=None,
    )  # fmt: skip
    params = {**FY_2020, "training_type": wrap.pk}
    for manager in (world.manager, two_areas.elsewhere.manager):
        sign_in(client, manager)
        client.get(URL, params)  # asks for the period (counted at once with tasks inline)
    dashboard_service.dashboard_figures_refresh()  # the worker's sweep, as in production
    sign_in(client, world.manager)
    html = client.get(URL, params).content.decode()
    # Agency B owes it here and has not made it; Westbrook's partner owes it to Westbrook.
    assert "Target 85%, 1 return missing" in html
    sign_in(client, two_areas.elsewhere.manager)
    html = client.get(URL, params).content.decode()
    assert "Target 85%, 1 return missing" in html  # Westbrook's partner's


def test_each_manager_sees_their_own_areas_training_figures(client, world, two_areas, settings):
    """The training figures counted in the background are of one area's returns, kept
    under that area's key: a manager is shown their own area's, never another's, whatever
    the address names."""
    from training import services as training
    from training.models import TrainingType

    settings.CELERY_TASK_ALWAYS_EAGER = False
    wrap = TrainingType.objects.get(name="WRAP")  # target 85%
    quarter = training.reporting_period_for_end(end=date(2020, 6, 30), acting_user=None)
    elsewhere = two_areas.elsewhere
    for agency, area, compliant in (
        (world.agency_b, two_areas.here, 70),
        (elsewhere.partner, elsewhere.area, 60),
    ):
        training.compliance_return_submit(
            agency=agency, training_type=wrap, period=quarter, area=area,
            eligible=100, compliant=compliant, acting_user=None,
        )  # fmt: skip
        dashboard_service.dashboard_period_want(
            area_id=area.pk, date_from=date(2020, 4, 1), date_to=date(2021, 3, 31), suppress=5
        )
    dashboard_service.dashboard_figures_refresh()
    params = {**FY_2020, "training_type": wrap.pk}
    sign_in(client, world.manager)
    for asked in (params, {**params, "area": elsewhere.area.short_code}):
        html = client.get(URL, asked).content.decode()
        assert "Training figures counted at" in html
        assert "Agency B" in html and "70%" in html
        assert elsewhere.partner.name not in html and "60%" not in html
    sign_in(client, elsewhere.manager)
    html = client.get(URL, params).content.decode()
    assert "Training figures counted at" in html
    assert elsewhere.partner.name in html and "60%" in html
    assert "Agency B" not in html and "70%" not in html
