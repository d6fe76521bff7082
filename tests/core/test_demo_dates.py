"""seed_demo shows a council at work on whatever day it is seeded: nothing it shows is
older than it should be, and every reminder (each a list of work waiting for someone) has
something in it. Seeded on two days years apart, with the clock moved by time-machine. The
README's "who does what" table names accounts the demo has."""

import re
from datetime import date, datetime, timedelta
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command

from channel_panel.models import ChannelCase, PanelMeeting, PostExitReview, SupportAction
from channel_panel.services import pack_is_open
from governance.models import Board, StrategyPeriod, SubjectAccessExport
from prevent_portal.accounts.models import Agency, Membership, Role
from prevent_portal.core.demo import add_months
from prevent_portal.reminders.registry import providers
from referrals.models import InformationRequest, Person, Referral, age_on
from training.expected import missing_returns, owed_pairs
from training.models import ComplianceReturn, ReportingPeriod, TrainingType


@pytest.fixture
def seeded_on(db, request):
    """The demo seeded at noon on the parametrised day, and the clock left there."""
    day = request.param
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo(settings.TIME_ZONE))
    with time_machine.travel(noon, tick=False):
        call_command("seed_demo", stdout=StringIO())
        yield day


@pytest.mark.parametrize("seeded_on", [date(2027, 3, 1), date(2031, 10, 15)], indirect=True)
def test_the_demo_is_dated_from_the_day_it_is_seeded(seeded_on):
    today = seeded_on

    # Training: the last complete quarter ended within three months; six complete quarters
    # of returns before it; the quarter under way is open.
    ended = ReportingPeriod.objects.filter(end__lt=today, returns__isnull=False).distinct()
    latest = ended.order_by("-end").first()
    assert today - timedelta(days=92) <= latest.end < today
    assert ended.filter(end__gte=add_months(today, -19)).count() == 6
    assert ReportingPeriod.objects.filter(start__lte=today, end__gte=today).exists()
    current = ComplianceReturn.objects.filter(period=latest)
    assert current.filter(training_type__name="Prevent duty training: Awareness").exists()
    # WRAP is historical: reported, never returned after it was withdrawn.
    wrap = TrainingType.objects.get(name="WRAP")
    assert wrap.is_historical and wrap not in TrainingType.objects.active()
    assert not ComplianceReturn.objects.filter(
        training_type=wrap, period__start__gt=wrap.withdrawn_on
    ).exists()
    assert ComplianceReturn.objects.filter(training_type=wrap).exists()

    # The strategy in force today; every board's latest update in the past year.
    assert StrategyPeriod.objects.filter(starts_on__lte=today, ends_on__gte=today).exists()
    for board in Board.objects.with_last_update():
        assert today - timedelta(days=366) <= board.last_presented_on <= today, board.name

    # Meetings: three held, the next within a week with its pack open, one further ahead.
    meetings = list(PanelMeeting.objects.order_by("meets_on"))
    held = [m for m in meetings if m.meets_on < today]
    ahead = [m for m in meetings if m.meets_on >= today]
    assert len(held) == 3 and today - timedelta(days=35) <= held[-1].meets_on
    assert all(m.status != PanelMeeting.Status.PLANNED for m in held)
    assert len(ahead) == 2
    assert ahead[0].meets_on <= today + timedelta(days=7) and pack_is_open(ahead[0])
    assert ahead[1].meets_on > ahead[0].meets_on + timedelta(days=21)

    # Work waiting for someone today, of every kind a home page lists.
    received = Referral.objects.filter(status=Referral.Status.RECEIVED)
    target = today - timedelta(days=settings.TRIAGE_TARGET_DAYS)
    assert received.filter(received_on__gt=target).exists()  # waiting for triage
    assert received.filter(received_on__lte=target).exists()  # over target
    open_requests = InformationRequest.objects.filter(status=InformationRequest.Status.OPEN)
    assert open_requests.filter(due_on__lt=today).exists()
    assert open_requests.filter(due_on__gte=today, due_on__lte=today + timedelta(days=7)).exists()
    assert any(case.needs_own_consent(today) for case in ChannelCase.objects.open())
    assert any(a.is_overdue(today) for a in SupportAction.objects.filter(case__status="open"))
    horizon = today + timedelta(days=settings.CHANNEL_REVIEW_REMINDER_DAYS)
    assert PostExitReview.objects.filter(held_on__isnull=True, due_on__lte=horizon).exists()
    request = SubjectAccessExport.objects.get()
    assert today < add_months(request.received_on, 1) <= today + timedelta(days=7)
    assert Board.objects.filter(next_due__lt=today).exists()
    assert Board.objects.filter(next_due__gte=today, next_due__lte=today + timedelta(28)).exists()
    # Returns missing past their deadline (SPOCs behind with their figures).
    overdue_quarter = ReportingPeriod.objects.filter(submission_deadline__lt=today).last()
    assert missing_returns(overdue_quarter, owed_pairs())
    # Every reminder the service sends has something to say about the demo today. Training
    # reminders run only from a fortnight before a quarter's deadline to four weeks after
    # it, so on some days there is rightly nothing to send (the missing returns are above).
    for name, provider in providers().items():
        if name != "training.missing_returns":
            assert list(provider(today)), f"the demo gives {name} nothing to remind anyone of"

    # People keep their ages; the ended CCG keeps its figures and gets no new ones.
    ellis = Person.objects.get(given_name="Ellis")
    assert age_on(ellis.date_of_birth, today) == 16
    ccg = Agency.objects.get(short_code="ccg")
    assert ccg.label == "Northmere CCG (became North Thameside ICB in July 2022)"
    assert ComplianceReturn.objects.filter(agency=ccg).exists()
    assert not ComplianceReturn.objects.filter(agency=ccg, period__start__gt=ccg.ended_on)

    # The README's "who does what" table names accounts that exist, in those roles.
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    rows = re.findall(r"^\| `([a-z0-9-]+)` \| ([^|]+) \| ([^|]+) \|", readme, re.MULTILINE)
    assert len(rows) >= 8
    for username, role, agency in rows:
        held = {
            (Role(m.role).label, m.agency.name)
            for m in Membership.objects.filter(user__username=username).select_related("agency")
        }
        assert (role.strip(), agency.strip()) in held, username
