"""The dashboard's training figures, counted in the background (issue 18): the same figures as
counted in the request, shown only to a reader who sees every return of the area, counted
again at the next sweep once a return changes, and at once in the demo."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance.dashboard import (
    TRAINING_TYPE_TEMPLATE,
    dashboard_figures,
    training_figures_count,
)
from governance.services import dashboard as dashboard_service
from prevent_portal.accounts import access
from prevent_portal.accounts.models import Role
from prevent_portal.accounts.services import membership_grant
from prevent_portal.areas.models import Area
from tests import factories
from tests.conftest import sign_in
from training import services as training
from training.freshness import changed_at, mark_keys
from training.models import ComplianceReturn, TrainingType

URL = reverse("governance:dashboard")
FY_2020 = {"year": "2020"}
FROM, TO, TODAY = date(2020, 4, 1), date(2021, 3, 31), date(2021, 4, 10)


def returns(world, *, types=2, partners=30) -> list[TrainingType]:
    """Returns of ``types`` active types over two quarters: agencies above and below target,
    some quarters not returned (missing after the deadline), two sectors."""
    chosen = list(TrainingType.objects.active().order_by("pk")[:types])
    quarters = [
        training.reporting_period_for_end(end=end, acting_user=None)
        for end in (date(2020, 6, 30), date(2020, 9, 30))
    ]
    agencies = [world.agency_a, world.agency_b] + [
        factories.AgencyFactory(
            name=f"Partner {n:02d}", sector=(world.agency_a if n % 2 else world.council).sector
        )
        for n in range(partners)
    ]
    for n, agency in enumerate(agencies):
        for t, training_type in enumerate(chosen):
            for q, quarter in enumerate(quarters):
                if (n + t + q) % 7 == 0:
                    continue  # not returned
                training.compliance_return_submit(
                    agency=agency, training_type=training_type, period=quarter,
                    eligible=100 + n, compliant=(37 + 5 * n + 11 * t + 3 * q) % 101,
                    acting_user=None,
                )  # fmt: skip
    return chosen


def summary_values(summary) -> tuple:
    """Everything a summary shows, as plain values."""
    table = summary.table
    sectors = [
        (
            row.sector,
            [(c.period.pk, c.eligible, c.compliant, c.percent, c.meets) for c in row.cells],
        )
        for row in summary.sectors
    ]
    rows = [
        (
            row.agency.pk,
            row.agency.label,
            row.change,
            [(c.period.pk, c.status, c.percent) for c in row.cells],
        )
        for row in table.rows
    ]
    quarters = [q.pk for q in summary.quarters]
    return (
        summary.training_type.pk,
        quarters,
        sectors,
        rows,
        table.missing,
        summary.below_count,
        summary.more,
    )


def choice_values(choices) -> list[tuple]:
    return [(c.training_type.pk, c.below_count, c.missing, c.chosen) for c in choices]


def test_the_worker_counts_the_same_training_figures_as_the_request(world):
    """The live path (a request) and the background path (the worker, every type at once)
    give the same figures, type by type, on the same data."""
    chosen = returns(world, types=3)
    area = Area.objects.get()
    counted = training_figures_count(area_id=area.pk, date_from=FROM, date_to=TO, today=TODAY)
    compared = 0
    for training_type in [None, *chosen]:
        common = {
            "user": world.manager, "date_from": FROM, "date_to": TO, "today": TODAY,
            "suppress": 5, "period": None, "areas": [area.pk],
            "training_type": training_type.pk if training_type else None,
        }  # fmt: skip
        live = dashboard_figures(**common)
        background = dashboard_figures(**common, training=counted)
        assert live.training and background.training
        assert [q.pk for q in background.training_quarters] == [
            q.pk for q in live.training_quarters
        ]
        assert [summary_values(s) for s in background.training] == [
            summary_values(s) for s in live.training
        ]
        assert choice_values(background.training_types) == choice_values(live.training_types)
        # Rendered by the worker as the request renders the live figures, byte for byte.
        (live_summary,), (counted_summary,) = live.training, background.training
        assert not live_summary.html
        assert counted_summary.html == render_to_string(
            TRAINING_TYPE_TEMPLATE, {"summary": live_summary}
        )
        assert "Agencies below target" in counted_summary.html
        assert background.training_computed_at == counted.computed_at
        assert live.training_computed_at is None
        compared += 1
    shown = [s for s in counted.summaries.values() if s.table.rows and s.more]
    assert compared == len(chosen) + 1 >= 3 and shown, (
        "the data must put agencies below target, some not shown"
    )


def test_the_page_reads_no_return_and_says_when_the_training_figures_were_counted(
    client, world, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    returns(world)
    sign_in(client, world.manager)
    html = client.get(URL, FY_2020).content.decode()
    assert 'id="training-counted-at">Being counted.' in html
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=1)
    with time_machine.travel(start, tick=False):
        dashboard_service.dashboard_figures_refresh()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(URL, FY_2020)
    html = response.content.decode()
    assert "Refresh" not in response
    assert f"Training figures counted at {timezone.localtime(start):%H:%M} on" in html
    assert "Agencies below target" in html
    read = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "training_compliancereturn" not in read
    assert "training_reportingperiod" not in read


def test_a_reader_who_sees_only_some_returns_is_never_given_the_counted_figures(
    client, world, settings, monkeypatch
):
    """The counted figures are of every return of the area: a reader whose sight is
    narrower (here a manager whose role lost the model-wide view of returns, and who is the
    SPOC of Agency A) gets the figures of what they may see, counted in the request."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    returns(world)
    membership_grant(user=world.manager, agency=world.agency_a, role=Role.SPOC, acting_user=None)
    sign_in(client, world.manager)
    client.get(URL, FY_2020)  # asks for the period
    dashboard_service.dashboard_figures_refresh()
    html = client.get(URL, FY_2020).content.decode()
    assert "Training figures counted at" in html and "Partner 0" in html
    narrowed = {**access.registered_global_permissions()}
    narrowed[Role.MANAGER] = narrowed[Role.MANAGER] - {"training.view_compliancereturn"}
    monkeypatch.setattr(access, "_GLOBAL_PERMISSIONS", narrowed)
    area = Area.objects.get()
    manager = type(world.manager).objects.get(pk=world.manager.pk)
    assert not dashboard_service.sees_every_return(manager, area)
    assert ComplianceReturn.objects.visible_to(manager).exclude(agency=world.agency_a).count() == 0
    html = client.get(URL, FY_2020).content.decode()
    assert "Training figures counted at" not in html
    assert "Partner 0" not in html and "Agency B" not in html
    assert "training, board and action plan figures are as they are now" in html


def test_a_return_entered_reaches_the_dashboard_at_the_next_sweep(
    client, world, settings, django_capture_on_commit_callbacks
):
    """Not only once DASHBOARD_CACHE_SECONDS have passed: the return's service marks its
    area when it commits, and the next sweep counts that area's training figures again."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.DASHBOARD_CACHE_SECONDS = 300
    wrap = TrainingType.objects.get(name="WRAP")  # target 85%
    quarter = training.reporting_period_for_end(end=date(2020, 6, 30), acting_user=None)
    sign_in(client, world.manager)
    # Mid-morning: the figures are kept per day, so the next minutes must not cross midnight.
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    with time_machine.travel(start, tick=False):
        client.get(URL, {**FY_2020, "training_type": wrap.pk})
        assert dashboard_service.dashboard_figures_refresh() == 2
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        assert dashboard_service.dashboard_figures_refresh() == 0  # nothing changed
        with django_capture_on_commit_callbacks(execute=True):
            made = training.compliance_return_submit(
                agency=world.agency_b, training_type=wrap, period=quarter,
                eligible=100, compliant=70, acting_user=None,
            )  # fmt: skip
        html = client.get(URL, {**FY_2020, "training_type": wrap.pk}).content.decode()
        assert "Agency B" not in html  # as counted a minute ago, until the sweep
    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        assert dashboard_service.dashboard_figures_refresh() == 2  # both periods of the area
        html = client.get(URL, {**FY_2020, "training_type": wrap.pk}).content.decode()
        assert "Agency B" in html and "70%" in html
        with django_capture_on_commit_callbacks(execute=True):
            training.compliance_return_correct(
                compliance_return=made, eligible=100, compliant=60,
                expected_version=made.version, acting_user=None,
            )  # fmt: skip
    with time_machine.travel(start + timedelta(minutes=3), tick=False):
        assert dashboard_service.dashboard_figures_refresh() == 2
        html = client.get(URL, {**FY_2020, "training_type": wrap.pk}).content.decode()
        assert "60%" in html and "70%" not in html


def test_a_change_that_rolls_back_marks_nothing(world, django_capture_on_commit_callbacks):
    area = Area.objects.get()
    wrap = TrainingType.objects.get(name="WRAP")
    quarter = training.reporting_period_for_end(end=date(2020, 6, 30), acting_user=None)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        training.compliance_return_submit(
                agency=world.agency_b, training_type=wrap, period=quarter,
                eligible=100, compliant=70, acting_user=None,
            )  # fmt: skip
        raise RuntimeError
    assert changed_at(cache.get_many(mark_keys(area.pk)), area.pk) is None


def test_in_the_demo_a_return_is_on_the_dashboard_at_once(
    client, world, settings, django_capture_on_commit_callbacks
):
    """Tasks inline (no worker): the page counts what was marked there and then."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    wrap = TrainingType.objects.get(name="WRAP")
    quarter = training.reporting_period_for_end(end=date(2020, 6, 30), acting_user=None)
    sign_in(client, world.manager)
    html = client.get(URL, {**FY_2020, "training_type": wrap.pk}).content.decode()
    assert "Training figures counted at" in html and "Agency B" not in html
    with django_capture_on_commit_callbacks(execute=True):
        training.compliance_return_submit(
            agency=world.agency_b, training_type=wrap, period=quarter,
            eligible=100, compliant=70, acting_user=None,
        )  # fmt: skip
    html = client.get(URL, {**FY_2020, "training_type": wrap.pk}).content.decode()
    assert "Agency B" in html and "70%" in html


def test_figures_counted_on_one_day_are_not_shown_on_the_next(client, world, settings):
    """What is overdue depends on the day: once a quarter's deadline has passed, a return not
    made (Agency A's) is missing. The day is part of the key."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    wrap = TrainingType.objects.get(name="WRAP")
    quarter = training.reporting_period_for_end(end=date(2020, 6, 30), acting_user=None)
    training.compliance_return_submit(
        agency=world.agency_b, training_type=wrap, period=quarter,
        eligible=100, compliant=70, acting_user=None,
    )  # fmt: skip
    quarter.submission_deadline = date(2020, 7, 30)
    quarter.save()
    sign_in(client, world.manager)
    params = {**FY_2020, "training_type": wrap.pk}
    before = timezone.make_aware(timezone.datetime(2020, 7, 30, 12, 0))
    with time_machine.travel(before, tick=False):
        client.get(URL, params)
        dashboard_service.dashboard_figures_refresh()
        html = client.get(URL, params).content.decode()
        assert "Agency B" in html and "missing" not in html
    with time_machine.travel(before + timedelta(days=1), tick=False):
        sign_in(client, world.manager)  # a day later: a new session
        response = client.get(URL, params)
        assert 'id="training-counted-at">Being counted.' in response.content.decode()
        assert response["Refresh"] == "15"
        dashboard_service.dashboard_figures_refresh()
        html = client.get(URL, params).content.decode()
        assert "Agency B" in html and "1 return missing" in html


def test_a_type_the_cache_dropped_is_being_counted_and_counted_again(client, world, settings):
    """A cache that evicts keys may drop one type's summary and keep the rest: the page then
    says the figures are being counted, and the next sweep counts them again."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    chosen = returns(world, types=2, partners=2)
    area = Area.objects.get()
    sign_in(client, world.manager)
    params = {**FY_2020, "training_type": chosen[1].pk}
    client.get(URL, params)
    dashboard_service.dashboard_figures_refresh()
    assert "Training figures counted at" in client.get(URL, params).content.decode()
    key = dashboard_service.training_key(area.pk, FROM, TO, timezone.localdate())
    first = cache.get(key).choices[0].training_type.pk
    dropped = next(t.pk for t in chosen if t.pk != first)
    cache.delete(f"{key}:{dropped}")
    html = client.get(URL, {**FY_2020, "training_type": dropped}).content.decode()
    assert 'id="training-counted-at">Being counted.' in html
    assert dashboard_service.dashboard_figures_refresh() == 1
    html = client.get(URL, {**FY_2020, "training_type": dropped}).content.decode()
    assert "Training figures counted at" in html
