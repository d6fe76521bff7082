"""Managers see their own area's aggregates (issue 18): the dashboard's background-counted
figures are per council area, and a manager is shown their own area's, never another's."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from governance.services import dashboard as dashboard_service
from referrals.services.imports import referrals_import
from tests.conftest import sign_in
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
