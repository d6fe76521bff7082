"""Time-limited panel-pack access: opens and closes on the configured days, ends when
ownership returns to another agency, and never shows non-agenda cases of other agencies."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from channel_panel import services
from channel_panel.models import ChannelCase, Decision, ExitReason
from prevent_portal.accounts.grants import expired_grants_sweep
from prevent_portal.accounts.models import Role
from referrals.models import Referral
from tests import factories

MEETS_ON = date(2026, 12, 3)


def at(day: date, hour: int = 12):
    return time_machine.travel(timezone.make_aware(datetime.combine(day, time(hour))), tick=False)


@pytest.fixture
def panel(world, settings):
    settings.PANEL_PACK_OPENS_DAYS_BEFORE = 7
    settings.PANEL_PACK_CLOSES_DAYS_AFTER = 3
    world.agency_a.is_core_panel_member = True
    world.agency_a.save()
    with at(date(2026, 11, 1)):
        meeting = factories.meeting(world.chair, MEETS_ON)
        on_agenda = factories.panel_referral(world.agency_b)
        case_b = factories.channel_case(world.agency_b, world.spoc_b)
        services.agenda_build(meeting=meeting, acting_user=world.coordinator)
        # Another agency's referral that is not on this agenda (another meeting has it).
        later = factories.meeting(world.chair, MEETS_ON + timedelta(days=60))
        off_agenda = factories.panel_referral(world.agency_b)
        services.agenda_item_add(meeting=later, referral=off_agenda, acting_user=world.chair)
    return meeting, on_agenda, case_b, off_agenda


def sees_referral(user, referral) -> bool:
    return Referral.objects.visible_to(user).filter(pk=referral.pk).exists()


def sees_case(user, case) -> bool:
    return ChannelCase.objects.visible_to(user).filter(pk=case.pk).exists()


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (MEETS_ON - timedelta(days=8), False),
        (MEETS_ON - timedelta(days=7), True),
        (MEETS_ON, True),
        (MEETS_ON + timedelta(days=3), True),
        (MEETS_ON + timedelta(days=4), False),
    ],
)
def test_pack_access_opens_and_closes_on_the_configured_days(world, panel, day, expected):
    meeting, on_agenda, case_b, _ = panel
    with at(day):
        assert sees_referral(world.panel_a, on_agenda) is expected
        assert sees_case(world.panel_a, case_b) is expected


def test_pack_access_opens_at_midnight_and_closes_at_midnight(world, panel):
    meeting, on_agenda, _, _ = panel
    first = MEETS_ON - timedelta(days=7)
    tz = timezone.get_current_timezone()
    with time_machine.travel(
        datetime.combine(first, time.min, tz) - timedelta(seconds=1), tick=False
    ):
        assert not sees_referral(world.panel_a, on_agenda)
    with time_machine.travel(datetime.combine(first, time.min, tz), tick=False):
        assert sees_referral(world.panel_a, on_agenda)
    last = MEETS_ON + timedelta(days=3)
    with time_machine.travel(datetime.combine(last, time.max, tz), tick=False):
        assert sees_referral(world.panel_a, on_agenda)
    with time_machine.travel(datetime.combine(last + timedelta(days=1), time.min, tz), tick=False):
        assert not sees_referral(world.panel_a, on_agenda)


def test_a_member_never_sees_another_agencys_case_that_is_not_on_the_agenda(world, panel):
    _, _, _, off_agenda = panel
    with at(MEETS_ON):
        assert not sees_referral(world.panel_a, off_agenda)


def test_only_invitees_get_pack_access(world, panel):
    meeting, on_agenda, _, _ = panel
    with at(MEETS_ON):
        # spoc_a works for a core agency but is not a panel member, so is not invited.
        assert not sees_referral(world.spoc_a, on_agenda)
        assert not sees_referral(world.referrer_a, on_agenda)


def test_the_expiry_sweep_removes_closed_pack_grants(world, panel):
    meeting, on_agenda, _, _ = panel
    with at(MEETS_ON + timedelta(days=5)):
        assert expired_grants_sweep() >= 2
        assert not on_agenda.user_grants.filter(user=world.panel_a).exists()


def test_access_ends_at_once_when_ownership_returns_to_another_agency(world, panel):
    meeting, _, case_b, _ = panel
    school = factories.AgencyFactory(name="Fictional Primary School", short_code="school")
    school_spoc = factories.member(Role.SPOC, school, username="school-spoc")
    with at(MEETS_ON):
        assert sees_case(world.panel_a, case_b)
        item = meeting.items.get(case=case_b)
        # An exit decision counts once the meeting is held (the case lifecycle).
        services.meeting_mark_held(
            meeting=meeting,
            expected_version=meeting.version,
            confirm_inquorate=True,
            inquorate_reason="Attendance is not what this test is about",
            acting_user=world.chair,
        )
        services.decision_record(
            item=item,
            outcome=Decision.Outcome.EXIT,
            rationale="Risk of radicalisation now low; safeguarding concerns remain",
            exit_reason=ExitReason.objects.get(code="ownership-returned"),
            return_ownership_to=school,
            case_manager=school_spoc,
            acting_user=world.chair,
        )
        case_b.refresh_from_db()
        assert case_b.lead_agency == school
        assert not sees_case(world.panel_a, case_b)
        assert not sees_referral(world.panel_a, case_b.referral)
        # The former case manager's agency no longer holds it either (it still owns the
        # referral it made).
        assert not sees_case(world.spoc_b, case_b)
        assert "change" not in case_b.extra_actions_for(world.spoc_b)
        # The next sync (every 15 minutes) does not give it back.
        services.pack_grants_sync()
        assert not sees_case(world.panel_a, case_b)
        assert sees_case(school_spoc, case_b)
        assert sees_referral(school_spoc, case_b.referral)


def test_a_case_on_two_meetings_gets_each_meetings_window_in_turn(world, panel):
    meeting, _, case_b, _ = panel
    second_day = MEETS_ON + timedelta(days=28)
    with at(date(2026, 11, 2)):
        second = factories.meeting(world.chair, second_day)
        services.agenda_build(meeting=second, acting_user=world.coordinator)
    with at(MEETS_ON + timedelta(days=10)):
        expired_grants_sweep()
        services.pack_grants_sync()
        assert not sees_case(world.panel_a, case_b)
    with at(second_day - timedelta(days=7)):
        assert sees_case(world.panel_a, case_b)


def test_six_month_post_exit_review_comes_up_on_a_later_agenda(world, panel):
    meeting, _, case_b, _ = panel
    with at(MEETS_ON):
        item = meeting.items.get(case=case_b)
        services.meeting_mark_held(
            meeting=meeting,
            expected_version=meeting.version,
            confirm_inquorate=True,
            inquorate_reason="Attendance is not what this test is about",
            acting_user=world.chair,
        )
        services.decision_record(
            item=item,
            outcome=Decision.Outcome.EXIT,
            rationale="Support plan complete",
            exit_reason=ExitReason.objects.get(code="risk-reduced"),
            acting_user=world.chair,
        )
    case_b.refresh_from_db()
    assert [r.months_after_exit for r in case_b.reviews.all()] == [6, 12]
    assert case_b.reviews.first().due_on == date(2027, 6, 3)
    with at(date(2027, 5, 1)):
        may = factories.meeting(world.chair, date(2027, 5, 6))
        added = services.agenda_build(meeting=may, acting_user=world.coordinator)
    assert [(i.kind, i.case_id) for i in added if i.case_id == case_b.pk] == [
        ("post_exit", case_b.pk)
    ]
    with at(date(2027, 5, 6)):
        assert sees_case(world.panel_a, case_b)


def test_the_beat_task_grants_a_window_that_opened_since_the_last_change(world, panel):
    from channel_panel.models import PackGrant
    from channel_panel.tasks import pack_grants_sync_task
    from prevent_portal.celery import app

    meeting, on_agenda, _, _ = panel
    assert app.conf.beat_schedule["panel-pack-grants"]["task"] == pack_grants_sync_task.name
    with at(MEETS_ON):
        PackGrant.objects.all().delete()
        on_agenda.user_grants.all().delete()
        assert not sees_referral(world.panel_a, on_agenda)
        assert pack_grants_sync_task() > 0
        assert sees_referral(world.panel_a, on_agenda)


def _settled_sync_queries(world, referrals: int) -> int:
    """Queries of a sync that finds nothing to change, for an agenda of ``referrals``."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with at(date(2026, 11, 1)):
        meeting = factories.meeting(world.chair, MEETS_ON + timedelta(days=referrals))
        for _ in range(referrals):
            services.agenda_item_add(
                meeting=meeting,
                referral=factories.panel_referral(world.agency_b),
                acting_user=world.chair,
            )
        services.pack_grants_sync()
        with CaptureQueriesContext(connection) as queries:
            assert services.pack_grants_sync() == 0
    return len(queries)


def test_settled_pack_sync_costs_the_same_for_2_and_12_agenda_items(world, settings):
    world.agency_a.is_core_panel_member = True
    world.agency_a.save()
    small = _settled_sync_queries(world, 2)
    assert _settled_sync_queries(world, 12) == small
