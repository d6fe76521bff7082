"""The management dashboard: figures only (no name or reference anywhere, however the page is
filtered), small numbers hidden with the percentages made from them, the period as a
shareable GET form, and a fixed number of aggregating queries whatever the data."""

from __future__ import annotations

import re
import secrets
from datetime import date, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from channel_panel.models import Attendance
from governance import services
from governance.dashboard import (
    PERIOD_TEMPLATE,
    Figure,
    Row,
    dashboard_figures,
    referrals_by_quarter,
    training_figures_count,
)
from governance.models import Rag
from governance.services import dashboard as dashboard_service
from prevent_portal.areas.models import Area
from prevent_portal.core.periods import WHOLE_PERIOD_ERROR
from referrals.measures import LABELS
from referrals.services.imports import referrals_import
from tests import factories
from tests.channel_panel.test_report import meeting
from tests.conftest import sign_in
from tests.core.test_mail_tls import PRODUCTION
from tests.referrals.test_import import csv_bytes, row
from tests.rows_read import rows_read
from tests.test_docker_compose import _manage
from training import services as training
from training.models import TrainingType

URL = reverse("governance:dashboard")
FY_2020 = {"year": "2020"}  # April 2020 to March 2021
# Invented names and references that must never reach the page.
CANARY_GIVEN, CANARY_FAMILY = "Wystanbelle", "Quorrindale"
CANARY_REFERENCE = "CANARY-REF"
CANARY_ATTENDEE = "Ophelantha Brisketworth"


def load(rows) -> None:
    result = referrals_import(name="history.csv", content=csv_bytes(rows), acting_user=None)
    assert result.ok, result.messages()


def referral_rows(count: int, *, start: int = 1, **overrides) -> list[dict]:
    """``count`` referrals received in 2020-21, each person carrying the canary names; half
    adults and half young people, half men and half women (a year of identical referrals
    would say something about every one of them, and have its total hidden)."""
    return [
        row(
            n,
            **{
                "date_of_birth": "1990-01-01" if n % 2 else "2004-03-02",
                "gender": "male" if n % 2 else "female",
                "reached_panel": "yes" if n % 2 else "no",
                "outcome": "Passed to the Channel Panel" if n % 2 else "No further action",
                "mental_health_concern": "yes" if n % 2 else "no",
                "reference": f"{CANARY_REFERENCE}-{n:05d}",
                "first_name": f"{CANARY_GIVEN}{n}",
                "last_name": CANARY_FAMILY,
                "received_on": f"2020-{4 + n % 9:02d}-{1 + n % 27:02d}",
                **overrides,
            },
        )
        for n in range(start, start + count)
    ]


def page(client, user, params=None):
    sign_in(client, user)
    response = client.get(URL, params if params is not None else FY_2020)
    assert response.status_code == 200
    return response


def figures(**kwargs):
    return dashboard_figures(
        user=kwargs.pop("user"),
        date_from=kwargs.pop("date_from", date(2020, 4, 1)),
        date_to=kwargs.pop("date_to", date(2021, 3, 31)),
        today=date(2021, 4, 10),
        suppress=kwargs.pop("suppress", 5),
        **kwargs,
    )


@pytest.fixture(autouse=True)
def _tasks_inline(settings):
    """These tests read figures the way the demo counts them: the task inline, at once.
    The background tests below switch it off, as production has it."""
    settings.CELERY_TASK_ALWAYS_EAGER = True


def rows_of(figure) -> dict:
    return {r.label: (r.count, r.percent) for r in figure.rows}


# --- No personal data ------------------------------------------------------------------------
def test_manager_sees_no_name_or_reference_anywhere_on_the_dashboard(client, world):
    load(
        referral_rows(8, type_of_concern="Islamist")
        + referral_rows(2, start=9, type_of_concern="Extreme Right-Wing")
    )
    world.agency_a.is_core_panel_member = True
    world.agency_a.save()
    from channel_panel import services as channel

    held = meeting(world, date(2020, 6, 4))
    channel.attendance_record(
        meeting=held,
        entries=[
            channel.AttendanceEntry(
                agency=world.agency_a, status=Attendance.Status.PRESENT, name=CANARY_ATTENDEE
            )
        ],
        expected_version=held.version,
        acting_user=world.chair,
    )

    for params in (FY_2020, {"date_from": "1/4/2020", "date_to": "30/9/2020"}, {}):
        html = page(client, world.manager, params).content.decode()
        for canary in (CANARY_GIVEN, CANARY_FAMILY, CANARY_REFERENCE, CANARY_ATTENDEE, "PR-20"):
            assert canary not in html, f"{canary} appeared with {params}"

    html = page(client, world.manager).content.decode()
    assert 'id="referrals-total">10<' in html
    assert "Islamist" in html and "Agency A" in html  # the figures are there, by category


# --- Small numbers ---------------------------------------------------------------------------
def test_counts_below_the_threshold_and_their_percentages_are_hidden(client, world):
    load(
        referral_rows(8, type_of_concern="Islamist")
        + referral_rows(2, start=9, type_of_concern="Extreme Right-Wing")
    )
    made = figures(user=world.manager)
    concern = next(f for f in made.referral_figures if f.key == "by-type-of-concern")
    assert rows_of(concern)["Islamist"] == (8, 80)
    assert rows_of(concern)["Extreme Right-Wing"] == (None, None)  # 2 (20%): both hidden
    assert made.referrals == 10

    html = page(client, world.manager).content.decode()
    assert "hidden" in html
    assert ">2<" not in html.split('id="figure-by-type-of-concern"')[1].split("</section>")[0]
    assert "20%" not in html


def test_the_threshold_is_the_statistics_setting(client, world, settings):
    settings.STATISTICS_SUPPRESS_BELOW = 3
    load(referral_rows(2, type_of_concern="Islamist"))
    html = page(client, world.coordinator).content.decode()
    assert "below 3" in html and "below 5" not in html


def test_referrals_by_quarter_lists_every_quarter_of_the_period(world):
    load(
        referral_rows(6, received_on="2020-05-10")
        + referral_rows(3, start=7, received_on="2021-02-01")
    )
    rows = referrals_by_quarter(date(2020, 4, 1), date(2021, 3, 31), 5)
    assert [(r.label, r.count, r.percent) for r in rows] == [
        ("Q1 2020/21", 6, 67),
        ("Q2 2020/21", None, None),  # none: below the threshold, like any small count
        ("Q3 2020/21", None, None),
        ("Q4 2020/21", None, None),  # 3
    ]
    unsuppressed = referrals_by_quarter(date(2020, 4, 1), date(2021, 3, 31), 0)
    assert [r.count for r in unsuppressed] == [6, 0, 0, 3]


def test_needs_flags_are_the_shared_measures_as_shares_of_referrals(world):
    """Every measure of referrals.measures, as the statistics count it: a share of all
    referrals, those known to services a share of those with a concern; the neurodiversity
    flags too (none here: hidden, like any count below the threshold)."""
    load(
        referral_rows(5, mental_health_concern="yes", known_to_mental_health_services="yes")
        + referral_rows(5, start=6, mental_health_concern="yes")
        + referral_rows(5, start=11, mental_health_concern="no")
    )
    assert rows_of(figures(user=world.manager).mental_health) == {
        LABELS["mental_health_concern"]: (10, 67),
        LABELS["known_to_mental_health_services"]: (5, 50),
        LABELS["autism_spectrum_condition"]: (None, None),
        LABELS["adhd"]: (None, None),
        LABELS["learning_difficulty"]: (None, None),
        LABELS["other_neurodiversity"]: (None, None),
    }


def test_a_figure_draws_a_bar_and_writes_a_row_for_each_category_words_escaped():
    """A figure's bars and rows (built by governance's dashboard_figures tags): each
    category's label escaped, a bar's length only where it has a count, a hidden count and
    its percentage as "hidden", a count's detail after it, "-" for no percentage, and no
    percentage column for a figure without one."""
    figure = Figure(
        key="k",
        title="T",
        column="C",
        rows=[
            Row("<b>A</b> & B", 3, 60, "of 5 meetings"),
            Row("None yet", 0, None),
            Row("Small", None, None),
        ],
    )
    html = render_to_string("governance/dashboard_figure.html", {"figure": figure})
    assert '<th scope="row" class="govuk-table__header">&lt;b&gt;A&lt;/b&gt; &amp; B</th>' in html
    assert ">&lt;b&gt;A&lt;/b&gt; &amp; B</text>" in html and "<b>" not in html
    numeric = '<td class="govuk-table__cell govuk-table__cell--numeric">'
    assert f"{numeric}3 of 5 meetings</td>\n            {numeric}60%</td>" in html
    assert f"{numeric}0</td>\n            {numeric}-</td>" in html
    assert f"{numeric}hidden</td>\n            {numeric}hidden</td>" in html
    assert html.count('fill="#1d70b8"') == 1  # only the count of 3 has a length
    assert '<rect x="0" y="24" width="300" height="20" fill="#1d70b8"></rect>' in html
    assert ">3 of 5 meetings (60%)</text>" in html and ">hidden</text>" in html
    boards = Figure(key="b", title="B", column="C", rows=[Row("Due", 2)], show_percent=False)
    html = render_to_string("governance/dashboard_figure.html", {"figure": boards})
    assert f"{numeric}2</td>\n            \n          </tr>" in html
    empty = Figure(key="e", title="E", column="C", rows=[], show_percent=False)
    html = render_to_string("governance/dashboard_figure.html", {"figure": empty})
    assert 'colspan="2">Nothing recorded in this period.</td>' in html


# --- Boards, the action plan, training, meetings ------------------------------------------------
def test_boards_rag_training_and_attendance_are_counted(world):
    overdue = factories.board(world.coordinator, next_due_override=date(2021, 3, 1))
    factories.board(world.coordinator, next_due_override=date(2021, 4, 20))  # due soon
    factories.board(world.coordinator, next_due_to_be_confirmed=True)
    assert overdue.next_due == date(2021, 3, 1)
    item = factories.action_item(owner_agency=world.agency_a)
    factories.action_item(owner_agency=world.agency_b, action=item.action)
    services.progress_update_add(
        item=item, on=date(2021, 1, 5), text="Late", rag=Rag.RED,
        expected_version=item.version, acting_user=None,
    )  # fmt: skip
    wrap = TrainingType.objects.get(name="WRAP")  # seeded by a migration, target 85%
    quarter = training.reporting_period_for_end(end=date(2020, 6, 30), acting_user=None)
    training.compliance_return_submit(
        agency=world.agency_a, training_type=wrap, period=quarter,
        eligible=480, compliant=422, acting_user=world.coordinator,
    )  # fmt: skip
    world.agency_a.is_core_panel_member = True
    world.agency_a.save()
    meeting(world, date(2020, 7, 2), attendance={world.agency_a: Attendance.Status.PRESENT})
    meeting(world, date(2020, 8, 6), attendance={world.agency_a: Attendance.Status.ABSENT})

    # The plan in force at the end of March 2021 starts in 2026 here: none had started.
    made = figures(user=world.manager, date_to=date(2030, 3, 31), training_type=wrap.pk)
    assert rows_of(made.boards)["Overdue"][0] == 1
    assert rows_of(made.boards)["Due soon"][0] == 1
    assert rows_of(made.boards)["Date to be confirmed"][0] == 1
    assert made.plan == item.action.period
    assert rows_of(made.rag) == {
        "Red: off track": (1, 50),
        "Amber: at risk": (0, 0),
        "Green: on track": (1, 50),
    }
    assert made.meetings_held == 2
    assert rows_of(made.attendance) == {"Agency A": (1, 50)}
    summary = next(s for s in made.training if s.training_type == wrap)
    sector = world.agency_a.sector.name
    assert [(r.sector, [(c.period.label, c.percent, c.meets) for c in r.cells])
            for r in summary.sectors] == [(sector, [("Q1 2020/21", 88, True)])]  # fmt: skip
    assert summary.table.rows == [] and summary.below_count == 0  # 88% meets the 85% target
    assert summary.table.missing == 1  # Agency B owes it, deadline passed


# --- The period ------------------------------------------------------------------------------
def test_a_financial_year_or_dates_choose_the_period_and_the_url_shares_it(client, world):
    load(referral_rows(6, received_on="2020-05-10"))
    html = page(client, world.manager, FY_2020).content.decode()
    assert "1 April 2020 to 31 March 2021" in html
    html = page(client, world.coordinator, {"date_from": "1/5/2020", "date_to": "31/5/2020"})
    assert "1 May 2020 to 31 May 2020" in html.content.decode()
    html = page(client, world.manager, {"date_from": "1/7/2020", "date_to": "30/9/2020"})
    assert "1 July 2020 to 30 September 2020" in html.content.decode()
    # A year wins over dates given with it, so a shared link always means one thing.
    html = page(client, world.manager, {"year": "2020", "date_from": "1/5/2020"})
    assert "1 April 2020 to 31 March 2021" in html.content.decode()


@pytest.mark.parametrize(
    "dates",
    [("1/5/2020", "31/5/2020"), ("1/4/2020", "30/3/2021"), ("1/4/2020", "30/9/2020")],
)
def test_a_manager_may_choose_only_a_whole_quarter_or_year(client, world, dates):
    """Security finding F3: free dates let an aggregate-only reader subtract two periods a
    day apart and read one referral's details from the difference."""
    load(referral_rows(6, received_on="2020-05-10"))
    response = page(client, world.manager, {"date_from": dates[0], "date_to": dates[1]})
    html = response.content.decode()
    assert "govuk-error-summary" in html and WHOLE_PERIOD_ERROR in html
    assert response.context["figures"] is None


def test_a_bad_period_is_explained_and_shows_no_figures(client, world):
    response = page(client, world.manager, {"date_from": "31/3/2021", "date_to": "1/4/2020"})
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "The last day must be the same as or after the first day" in html
    assert response.context["figures"] is None
    response = page(client, world.manager, {"year": "1850"})
    assert "Choose a financial year from the list" in response.content.decode()


def test_without_a_period_the_dashboard_shows_this_financial_year(client, world):
    response = page(client, world.manager, {})
    made = response.context["figures"]
    assert made.date_from.month == 4 and made.date_from.day == 1
    assert (made.date_to - made.date_from).days in {364, 365}


@pytest.mark.parametrize("persona", ["spoc_a", "chair", "referrer_a", "sysadmin"])
def test_only_managers_and_the_coordinator_see_the_dashboard(client, world, persona):
    sign_in(client, world.persona(persona))
    assert client.get(URL, FY_2020).status_code == 403


# --- Queries ---------------------------------------------------------------------------------
def _dashboard_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL, FY_2020).status_code == 200
    return len(ctx.captured_queries)


def test_the_dashboard_runs_the_same_queries_for_10_or_200_referrals(client, world, settings):
    """The request a reader waits for, its period's and training figures counted by the
    worker: a fixed number of queries, none of which reads a referral or a case (issue 18: 34
    before; the training figures counted here too, the bound was 20)."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    sign_in(client, world.manager)
    client.get(URL, FY_2020)  # the first request of a session also saves the session
    load(referral_rows(10))
    dashboard_service.dashboard_figures_refresh()
    few = _dashboard_queries(client)
    load(referral_rows(190, start=11))
    cache.clear()
    client.get(URL, FY_2020)  # asks for the period again
    dashboard_service.dashboard_figures_refresh()
    assert _dashboard_queries(client) == few <= 8


# --- Counted in the background (issue 18) -------------------------------------------------
def _clock(moment) -> str:  # 09:41, as the page writes it
    return f"{timezone.localtime(moment):%H:%M}"


def test_a_period_not_yet_counted_is_asked_of_the_worker_and_the_page_says_so(
    client, world, settings
):
    """Production: no reader waits for the referral and Channel Panel figures. The page says
    they are being counted (and looks again); the next sweep counts them; the page then
    shows them and when they were counted."""
    settings.CELERY_TASK_ALWAYS_EAGER = False  # a worker runs, as in production
    load(referral_rows(10))
    sign_in(client, world.manager)
    client.get(URL, FY_2020)  # the first request of a session also saves the session
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, FY_2020)
    html = response.content.decode()
    assert "figures for this period are being counted" in html
    assert response["Refresh"] == "15"
    assert 'id="referrals-total"' not in html
    read = " ".join(q["sql"] for q in ctx.captured_queries)
    assert '"referrals_referral"' not in read and '"channel_panel_' not in read
    area_id = Area.objects.get().pk
    wanted = cache.get(dashboard_service.WANTED_KEY)
    assert (area_id, date(2020, 4, 1), date(2021, 3, 31), 5) in wanted
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=1)
    with time_machine.travel(start, tick=False):
        assert dashboard_service.dashboard_figures_refresh() == 2  # this year, and 2020/21
        response = client.get(URL, FY_2020)
    html = response.content.decode()
    assert 'id="referrals-total">10<' in html
    assert f"figures counted at {_clock(start)} on" in html
    assert "Refresh" not in response


def test_the_worker_counts_again_once_the_figures_are_old_and_the_page_keeps_them_till_then(
    client, world, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.DASHBOARD_CACHE_SECONDS = 300
    load(referral_rows(10))
    sign_in(client, world.manager)
    # Mid-morning: the training figures are kept per day, so the next minutes must not
    # cross midnight.
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    with time_machine.travel(start, tick=False):
        client.get(URL, FY_2020)  # asks for 2020/21
        assert dashboard_service.dashboard_figures_refresh() == 2
    load(referral_rows(10, start=11))
    with time_machine.travel(start + timedelta(minutes=4), tick=False):
        assert dashboard_service.dashboard_figures_refresh() == 0  # not five minutes old
        html = client.get(URL, FY_2020).content.decode()
    assert 'id="referrals-total">10<' in html  # as counted four minutes ago
    assert f"figures counted at {_clock(start)} on" in html
    assert "again once they are more than 5 minutes old" in html
    later = start + timedelta(minutes=6)
    with time_machine.travel(later, tick=False):
        assert dashboard_service.dashboard_figures_refresh() == 2
        html = client.get(URL, FY_2020).content.decode()
    assert 'id="referrals-total">20<' in html
    assert f"figures counted at {_clock(later)} on" in html
    # A period nobody has looked at for a day is no longer counted (this year always is).
    with time_machine.travel(later + timedelta(days=1, minutes=1), tick=False):
        assert dashboard_service.dashboard_figures_refresh() == 1


def test_figures_counted_in_the_background_are_hidden_exactly_as_counted_in_a_request(
    client, world, settings
):
    """Small numbers: the same cells hidden, with the same threshold, whoever counts."""
    load(referral_rows(20))
    load(referral_rows(2, start=21, type_of_concern="Extreme Right-Wing"))
    inline = figures(user=world.manager)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    period = {"date_from": date(2020, 4, 1), "date_to": date(2021, 3, 31), "suppress": 5}
    area = Area.objects.get()
    assert dashboard_service.dashboard_period_figures(area=area, **period) is None
    dashboard_service.dashboard_period_want(area_id=area.pk, **period)
    dashboard_service.dashboard_figures_refresh()
    background = dashboard_figures(
        user=world.manager,
        today=date(2021, 4, 10),
        period=dashboard_service.dashboard_period_figures(area=area, **period),
        **period,
    )
    assert background.period_counted
    assert [rows_of(f) for f in background.referral_figures] == [
        rows_of(f) for f in inline.referral_figures
    ]
    assert rows_of(background.mental_health) == rows_of(inline.mental_health)
    assert any(r.count is None for f in background.referral_figures for r in f.rows)


def test_with_tasks_inline_the_figures_are_counted_at_once(client, world, settings):
    """The demo: no worker, the request runs the task in-process."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    load(referral_rows(10))
    html = page(client, world.manager).content.decode()
    assert 'id="referrals-total">10<' in html
    assert "figures counted at" in html


def test_a_cache_that_does_not_answer_leaves_the_page_working(client, world, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    html = page(client, world.manager).content.decode()
    assert "figures for this period are being counted" in html


def test_the_database_does_the_counting_not_python(world):
    """Every query that reads referrals aggregates them (COUNT ... GROUP BY in SQL), and, on
    PostgreSQL where the driver reports it, no query returns a row per referral."""
    load(referral_rows(200))
    returned = []

    def count_rows(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        returned.append((sql, context["cursor"].rowcount))
        return result

    with CaptureQueriesContext(connection) as ctx, connection.execute_wrapper(count_rows):
        figures(user=world.manager)
    reading_referrals = [
        q["sql"] for q in ctx.captured_queries if '"referrals_referral"' in q["sql"]
    ]
    assert reading_referrals, "the dashboard must read referrals"
    for sql in reading_referrals:
        assert "COUNT(" in sql.upper(), sql
    if connection.vendor == "postgresql":
        assert max(rowcount for _, rowcount in returned) < 50


def _summary_of(world, training_type):
    """The manager's dashboard's training summary of ``training_type``, shown in full."""
    return next(
        s for s in figures(
            user=world.manager, date_to=date(2030, 3, 31), training_type=training_type.pk
        ).training
        if s.training_type == training_type
    )  # fmt: skip


def test_training_lists_sector_totals_and_only_the_lowest_agencies_below_target(world):
    wrap = TrainingType.objects.get(name="WRAP")  # target 85%
    quarter = training.reporting_period_for_end(end=date(2020, 6, 30), acting_user=None)
    for agency, compliant in ((world.agency_a, 90), (world.agency_b, 70)):
        training.compliance_return_submit(
            agency=agency, training_type=wrap, period=quarter,
            eligible=100, compliant=compliant, acting_user=None,
        )  # fmt: skip
    for n in range(30):
        agency = factories.AgencyFactory(name=f"Partner {n:02d}", sector=world.agency_a.sector)
        training.compliance_return_submit(
            agency=agency, training_type=wrap, period=quarter,
            eligible=100, compliant=40 + n, acting_user=None,
        )  # fmt: skip
    summary = _summary_of(world, wrap)
    assert summary.below_count == 31  # the 30 partners and Agency B
    assert [r.agency.name for r in summary.table.rows] == [f"Partner {n:02d}" for n in range(25)]
    assert summary.more == 6
    totals = {r.sector: (r.cells[0].eligible, r.cells[0].compliant) for r in summary.sectors}
    assert totals == {world.agency_a.sector.name: (3200, 90 + 70 + sum(range(40, 70)))}


def test_the_agencies_below_target_shown_are_25_agencies_over_several_quarters(world):
    """The first BELOW_TARGET_SHOWN agencies by their lowest percentage, each once, however
    many quarters each is below target in. The ranking was per return, not per agency
    (ComplianceReturn's default ordering, the quarter first, joined the ranked query's
    GROUP BY): an agency below target in two quarters took two of the 25 places, and the
    page showed fewer agencies than it said."""
    wrap = TrainingType.objects.get(name="WRAP")  # target 85%
    quarters = [
        training.reporting_period_for_end(end=end, acting_user=None)
        for end in (date(2020, 6, 30), date(2020, 9, 30))
    ]
    for n in range(30):
        agency = factories.AgencyFactory(name=f"Partner {n:02d}", sector=world.agency_a.sector)
        for quarter in quarters:
            training.compliance_return_submit(
                agency=agency, training_type=wrap, period=quarter,
                eligible=100, compliant=40 + n, acting_user=None,
            )  # fmt: skip
    summary = _summary_of(world, wrap)
    assert summary.below_count == 30
    assert [r.agency.name for r in summary.table.rows] == [f"Partner {n:02d}" for n in range(25)]
    assert summary.more == 5


def test_production_shares_its_cache_in_redis_and_refuses_one_of_a_single_process(tmp_path):
    """Every web process reads what the worker counted: a per-process cache would leave
    the dashboard "being counted" for ever."""
    production = {**PRODUCTION, "SECRET_KEY": secrets.token_urlsafe(50)}
    shown = _manage(
        tmp_path, "shell", "-c",
        "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])",
        **production,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip().splitlines()[-1].endswith("redis.RedisCache")
    refused = _manage(tmp_path, "check", CACHE_URL="locmem://", **production)
    assert refused.returncode != 0
    assert "the cache must be shared by every web process" in refused.stderr


def test_the_training_figures_read_the_same_rows_with_30_or_60_agencies(
    client, world, settings, django_capture_on_commit_callbacks
):
    """Issue 18: the agencies below target are chosen, counted and ordered in the database;
    no query returns a row per agency or per return (it listed every agency's returns),
    neither in the worker's count nor in the page, which reads none of them."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    wrap = TrainingType.objects.get(name="WRAP")
    quarter = training.reporting_period_for_end(end=date(2020, 6, 30), acting_user=None)
    area = Area.objects.get()

    def partners(start):
        with django_capture_on_commit_callbacks(execute=True):
            for n in range(start, start + 30):
                agency = factories.AgencyFactory(name=f"Partner {n:02d}")
                training.compliance_return_submit(
                    agency=agency, training_type=wrap, period=quarter,
                    eligible=100, compliant=40 + n % 40, acting_user=None,
                )  # fmt: skip

    def count():
        training_figures_count(
            area_id=area.pk, date_from=date(2020, 4, 1), date_to=date(2021, 3, 31),
            today=date(2021, 4, 10),
        )  # fmt: skip

    def view():
        dashboard_service.dashboard_figures_refresh()
        return rows_read(lambda: client.get(URL, wrapped))

    sign_in(client, world.manager)
    client.get(URL, FY_2020)  # saves the session, asks for the period
    wrapped = {**FY_2020, "training_type": wrap.pk}
    partners(0)
    fewer, page_fewer = rows_read(count), view()
    partners(30)
    more, page_more = rows_read(count), view()
    assert len(more) == len(fewer)
    assert more[0][0] == fewer[0][0], more[0][1]
    assert page_more[0][0] == page_fewer[0][0], page_more[0][1]
    assert not any("training_compliancereturn" in sql for _, sql in page_more)
    html = client.get(URL, wrapped).content.decode()
    assert "and 35 more" in html  # 60 below target, 25 shown


def test_one_training_type_is_shown_in_full_and_each_other_is_one_link_away(client, world):
    """Issue 18: every active type in full (its sector totals and up to 25 agencies below
    target over every quarter) was most of the dashboard's cost at scale 1. One type is
    shown in full; the chooser names each other type with its counts and links to it,
    keeping the period."""
    wrap = TrainingType.objects.get(name="WRAP")
    other = TrainingType.objects.active().exclude(pk=wrap.pk).order_by("pk").first()
    quarter = training.reporting_period_for_end(end=date(2020, 6, 30), acting_user=None)
    for training_type, compliant in ((wrap, 70), (other, 10)):
        training.compliance_return_submit(
            agency=world.agency_b, training_type=training_type, period=quarter,
            eligible=100, compliant=compliant, acting_user=None,
        )  # fmt: skip
    html = page(client, world.manager, {**FY_2020, "training_type": wrap.pk}).content.decode()
    assert f"{wrap.name}: totals by sector" in html
    assert f"{other.name}: totals by sector" not in html
    link = f'href="?year=2020&amp;training_type={other.pk}#training">{other.name}</a>'
    assert link in html
    assert f"{other.name}</a>: target {other.target_percent}%, 1 agency below target" in html
    html = client.get(URL, {**FY_2020, "training_type": other.pk}).content.decode()
    assert f"{other.name}: totals by sector" in html
    assert f"{wrap.name}: totals by sector" not in html
    assert f'<strong aria-current="true">{other.name}</strong>' in html


def test_the_dashboard_runs_the_same_queries_and_draws_one_type_however_many_types(
    client, world, settings, django_capture_on_commit_callbacks
):
    """Issue 18: one training type is shown in full whatever the number of types; the
    chooser's counts for every type come from the same queries, in the worker's count as in
    the page."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    quarter = training.reporting_period_for_end(end=date(2020, 6, 30), acting_user=None)
    area = Area.objects.get()

    def more_types(start):
        with django_capture_on_commit_callbacks(execute=True):
            for n in range(start, start + 3):
                made = TrainingType.objects.create(name=f"Course {n}", target_percent=80, order=n)
                training.compliance_return_submit(
                    agency=world.agency_b, training_type=made, period=quarter,
                    eligible=100, compliant=50, acting_user=None,
                )  # fmt: skip

    def worker_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            training_figures_count(
                area_id=area.pk, date_from=date(2020, 4, 1), date_to=date(2021, 3, 31),
                today=date(2021, 4, 10),
            )  # fmt: skip
        return len(ctx.captured_queries)

    sign_in(client, world.manager)
    client.get(URL, FY_2020)  # saves the session, asks for the period
    more_types(0)
    dashboard_service.dashboard_figures_refresh()
    few, worker_few = _dashboard_queries(client), worker_queries()
    more_types(3)
    dashboard_service.dashboard_figures_refresh()
    html = client.get(URL, FY_2020).content.decode()
    assert _dashboard_queries(client) == few
    assert worker_queries() == worker_few
    assert html.count(": totals by sector") == 1
    for n in range(6):  # each named with its counts, linked unless it is the one shown
        assert re.search(rf"Course {n}</(a|strong)>: target 80%, 1 agency below target", html)


def test_the_period_figures_are_rendered_by_the_worker_as_the_page_renders_them(world):
    """Nothing rendered while a reader waits: the worker renders the period's figures with
    them, byte for byte what the page renders from the same figures."""
    load(referral_rows(20))
    load(referral_rows(2, start=21, type_of_concern="Extreme Right-Wing"))
    made = figures(user=world.manager)
    assert 'id="referrals-total">22<' in made.period_html
    assert "hidden" in made.period_html  # two of a type of concern, below the threshold
    assert made.period_html == render_to_string(PERIOD_TEMPLATE, {"period": made})
