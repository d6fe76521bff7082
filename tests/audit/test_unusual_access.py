"""The unusual-access report: an agency's SPOC sees which records owned by other agencies
their agency's users opened, how often and when; the Coordinator sees everyone's. Built from
the access log in a constant number of queries; it shows references, never names."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from prevent_portal.accounts.grants import object_share
from prevent_portal.accounts.models import Agency
from prevent_portal.audit.access_log import log_access
from prevent_portal.audit.unusual import Period, unusual_access_report, working_hours
from tests import factories
from tests.conftest import sign_in

LONDON = ZoneInfo("Europe/London")
URL = reverse("audit:unusual_access")


def opened(user, records, *, at: datetime | None = None) -> None:
    """``user`` opened ``records`` (one access entry each), at ``at`` (default: midday
    yesterday, in working hours whatever the time the test runs)."""
    request = SimpleNamespace(user=user, META={"REMOTE_ADDR": "127.0.0.1"})
    at = at or london(timezone.localdate() - timedelta(days=1), 12)
    with time_machine.travel(at, tick=False):
        log_access(request, records, view="test")


def london(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def b_referral(world):
    return factories.referral(world.agency_b, person=factories.PersonFactory(given_name="Ozanne"))


def test_spoc_sees_their_agency_user_open_another_agency_referral(client, world):
    referral = factories.referral(world.agency_b)
    object_share(
        obj=referral, to_agency=world.agency_a, reason="joint work", acting_user=world.coordinator
    )
    sign_in(client, world.panel_a)
    assert client.get(reverse("referrals:detail", args=[referral.pk])).status_code == 200
    client.logout()
    sign_in(client, world.spoc_a)
    response = client.get(URL)
    assert response.status_code == 200
    rows = response.context["report"].rows
    assert [(r.user_id, r.reference, r.owner, r.opened) for r in rows] == [
        (world.panel_a.pk, referral.reference, "Agency B", 1)
    ]
    assert referral.reference in response.content.decode()


def test_own_agency_records_are_not_listed(world, today):
    opened(world.panel_a, [factories.referral(world.agency_a)])
    report = unusual_access_report(period=Period.last_days(today), agency=world.agency_a)
    assert report.rows == []


def test_report_shows_the_reference_never_the_person(client, world, b_referral):
    opened(world.panel_a, [b_referral, b_referral.person])
    sign_in(client, world.spoc_a)
    page = client.get(URL).content.decode()
    assert b_referral.reference in page
    assert "Ozanne" not in page and b_referral.person.family_name not in page


def test_spoc_sees_only_their_own_agency_users(client, world, b_referral):
    own_c = factories.channel_case(world.agency_a, world.spoc_a)
    opened(world.panel_a, [b_referral])  # agency A's user, agency B's record
    opened(world.spoc_b, [own_c])  # agency B's user, agency A's case
    sign_in(client, world.spoc_b)
    rows = client.get(URL).context["report"].rows
    assert [(r.user_id, r.reference, r.owner) for r in rows] == [
        (world.spoc_b.pk, own_c.reference, "Agency A")
    ]


def test_spoc_cannot_ask_for_another_agency_users(client, world, b_referral):
    opened(world.spoc_b, [factories.referral(world.agency_a)])
    sign_in(client, world.spoc_a)
    response = client.get(URL, {"agency": world.agency_b.pk})
    assert response.status_code == 200
    assert response.context["report"] is None
    assert "Choose an agency from the list" in response.content.decode()


def test_coordinator_sees_every_agency_and_may_pick_one(client, world, b_referral):
    a_referral = factories.referral(world.agency_a)
    opened(world.panel_a, [b_referral])
    opened(world.spoc_b, [a_referral])
    sign_in(client, world.coordinator)
    everyone = client.get(URL).context["report"].rows
    assert {r.user_id for r in everyone} == {world.panel_a.pk, world.spoc_b.pk}
    only_b = client.get(URL, {"agency": world.agency_b.pk}).context["report"].rows
    assert [r.user_id for r in only_b] == [world.spoc_b.pk]


@pytest.mark.parametrize("persona", ["manager", "sysadmin", "referrer_a", "panel_a", "chair"])
def test_others_are_refused(client, world, persona):
    sign_in(client, world.persona(persona))
    assert client.get(URL).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, world):
    assert client.get(URL).status_code == 302


def test_rows_are_sorted_by_how_often_the_record_was_opened(world, today):
    once, thrice = factories.referral(world.agency_b), factories.referral(world.agency_b)
    opened(world.panel_a, [once, thrice, thrice, thrice])
    rows = unusual_access_report(period=Period.last_days(today), agency=world.agency_a).rows
    assert [(r.reference, r.opened) for r in rows] == [(thrice.reference, 3), (once.reference, 1)]


def test_cases_and_their_parts_count_against_the_lead_agency(world, today):
    case = factories.channel_case(world.agency_b, world.spoc_b)
    opened(world.panel_a, [case, case.referral])
    rows = unusual_access_report(period=Period.last_days(today), agency=world.agency_a).rows
    assert {(r.kind, r.reference, r.owner) for r in rows} == {
        ("channel case", case.reference, "Agency B"),
        ("referral", case.referral.reference, "Agency B"),
    }


def test_openings_outside_working_hours_are_counted(world, b_referral, today):
    yesterday = today - timedelta(days=1)
    opened(world.panel_a, [b_referral], at=london(yesterday, 6, 59))
    opened(world.panel_a, [b_referral], at=london(yesterday, 7, 0))
    opened(world.panel_a, [b_referral], at=london(yesterday, 18, 59))
    opened(world.panel_a, [b_referral], at=london(yesterday, 19, 0))
    opened(world.panel_a, [b_referral], at=london(yesterday, 23, 30))
    (row,) = unusual_access_report(period=Period.last_days(today), agency=world.agency_a).rows
    assert (row.opened, row.out_of_hours) == (5, 3)


def test_working_hours_are_configurable(world, b_referral, settings, today):
    settings.UNUSUAL_ACCESS_WORKING_HOURS = "09:00-17:00"
    opened(world.panel_a, [b_referral], at=london(today - timedelta(days=1), 8, 30))
    (row,) = unusual_access_report(period=Period.last_days(today), agency=world.agency_a).rows
    assert row.out_of_hours == 1


@pytest.mark.parametrize("text", ["7-19", "19:00-07:00", "nonsense"])
def test_bad_working_hours_are_refused(settings, text):
    settings.UNUSUAL_ACCESS_WORKING_HOURS = text
    with pytest.raises(ImproperlyConfigured):
        working_hours()


def test_a_day_over_the_threshold_is_a_busy_day(world, settings, today):
    settings.UNUSUAL_ACCESS_DAILY_THRESHOLD = 3
    busy, quiet = today - timedelta(days=2), today - timedelta(days=1)
    records = [factories.referral(world.agency_a) for _ in range(4)]
    opened(world.panel_a, records, at=london(busy, 10))
    opened(world.panel_a, records[:3] * 2, at=london(quiet, 10))  # 3 records, 6 openings
    days = unusual_access_report(period=Period.last_days(today), agency=world.agency_a).busy_days
    assert [(d.user_id, d.day, d.records) for d in days] == [(world.panel_a.pk, busy, 4)]


def test_default_period_is_the_last_30_days_and_can_be_changed(client, world, b_referral, today):
    opened(world.panel_a, [b_referral], at=london(today - timedelta(days=40), 12))
    sign_in(client, world.spoc_a)
    assert client.get(URL).context["report"].rows == []
    first = today - timedelta(days=45)
    response = client.get(URL, {"date_from": f"{first:%d/%m/%Y}", "date_to": f"{today:%d/%m/%Y}"})
    assert [r.reference for r in response.context["report"].rows] == [b_referral.reference]


def test_a_period_backwards_shows_the_error_and_no_report(client, world):
    sign_in(client, world.spoc_a)
    response = client.get(URL, {"date_from": "30/4/2026", "date_to": "1/4/2026"})
    page = response.content.decode()
    assert response.context["report"] is None
    assert "govuk-error-summary" in page
    assert "The last day must be the same as or after the first day" in page


def test_csv_download_lists_the_rows(client, world, b_referral):
    opened(world.panel_a, [b_referral, b_referral])
    sign_in(client, world.spoc_a)
    response = client.get(URL, {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("user,record,kind,owning agency,opened")
    assert f",{b_referral.reference},referral,Agency B,2,0," in lines[1]
    assert len(lines) == 2


def test_viewing_the_report_is_logged_on_the_agency_not_on_the_records(client, world, b_referral):
    opened(world.panel_a, [b_referral])
    before = LogEntry.objects.count()
    sign_in(client, world.spoc_a)
    client.get(URL)
    new = LogEntry.objects.order_by("pk")[before:]
    agency_type = ContentType.objects.get_for_model(Agency)
    assert [(e.action, e.content_type_id, e.object_pk, e.actor_id) for e in new] == [
        (LogEntry.Action.ACCESS, agency_type.pk, str(world.agency_a.pk), world.spoc_a.pk)
    ]


def _queries_for_report(world, today) -> int:
    with CaptureQueriesContext(connection) as queries:
        unusual_access_report(period=Period.last_days(today), agency=world.agency_a)
    return len(queries)


def test_report_costs_the_same_queries_for_10_and_200_entries(world, today):
    users = [world.panel_a, world.spoc_a]
    records = [factories.referral(world.agency_b) for _ in range(5)]
    records.append(factories.channel_case(world.agency_b, world.spoc_b))
    opened(users[0], records + records[:4])  # 10 entries
    _queries_for_report(world, today)  # content types cached, as in any running process
    small = _queries_for_report(world, today)
    for user in users:
        opened(user, records * 16 + records[:3])  # 99 each: 208 entries in all
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count() == 208
    large = _queries_for_report(world, today)
    report = unusual_access_report(period=Period.last_days(today), agency=world.agency_a)
    assert len(report.rows) == 12 and sum(r.opened for r in report.rows) == 208
    assert small == large <= 4
