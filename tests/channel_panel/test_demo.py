"""seed_demo's Channel Panel part: three meetings held (the last one's minutes waiting for
the chair), one coming up with its pack open and one after it, cases in each state,
fictional providers; safe to run twice."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from channel_panel.models import (
    AgendaItem,
    ChannelCase,
    Consent,
    InterventionProvider,
    PanelMeeting,
    SupportAction,
)
from channel_panel.reports import channel_report
from channel_panel.services import pack_is_open
from prevent_portal.accounts.models import User
from referrals.models import Referral


def seed() -> None:
    call_command("seed_demo", stdout=StringIO())


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Seeded once for the module (seeding takes a while), rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed()
        yield
        transaction.set_rollback(True)


def counts() -> tuple[int, ...]:
    models = [PanelMeeting, AgendaItem, ChannelCase, Consent, SupportAction, Referral]
    return tuple(model.objects.count() for model in models)


def test_seeding_twice_adds_nothing_the_second_time(demo, db):
    before = counts()
    seed()
    assert counts() == before


def test_three_past_meetings_held_the_last_minutes_waiting_and_two_coming_up(demo, db):
    today = timezone.localdate()
    past = list(PanelMeeting.objects.filter(meets_on__lt=today).order_by("meets_on"))
    assert len(past) == 3
    for meeting in past:
        assert meeting.attendance.filter(status="present").exists()
        case_items = meeting.items.exclude(kind=AgendaItem.Kind.OTHER)
        assert case_items.exists()
        assert not case_items.filter(decisions__isnull=True).exists()
    statuses = [meeting.status for meeting in past]
    assert statuses == [PanelMeeting.Status.MINUTES_APPROVED] * 2 + [PanelMeeting.Status.HELD]
    upcoming, after = PanelMeeting.objects.filter(meets_on__gte=today).order_by("meets_on")
    assert upcoming.status == after.status == PanelMeeting.Status.PLANNED
    assert pack_is_open(upcoming)
    kinds = sorted(upcoming.items.values_list("kind", flat=True))
    assert kinds.count("new") >= 1 and kinds.count("review") == 3 and "post_exit" in kinds
    # Its invitees can open the cases on its agenda now.
    member = User.objects.get(username="beh-mht-panel")
    on_agenda = upcoming.items.filter(kind=AgendaItem.Kind.REVIEW).first().case
    assert ChannelCase.objects.visible_to(member).filter(pk=on_agenda.pk).exists()


def test_cases_in_each_state(demo, db):
    today = timezone.localdate()
    cases = ChannelCase.objects.select_related("referral__person", "ownership_returned_to")
    assert 4 <= cases.count() <= 6
    # Open, with an overdue contact on its support plan.
    overdue = [a for a in SupportAction.objects.filter(case__status="open") if a.is_overdue(today)]
    assert overdue
    # Under 18 with a parent's consent.
    young = [c for c in cases if c.is_open() and c.age_today(today) < 18]
    assert young
    assert young[0].consents.filter(given_by=Consent.GivenBy.PARENT).exclude(giver_name="")
    # Exited with ownership returned to a school, a post-exit review coming up.
    exited = cases.get(status=ChannelCase.Status.EXITED, ownership_returned_to__isnull=False)
    assert exited.ownership_returned_to.sector.code == "education"
    assert exited.lead_agency == exited.ownership_returned_to
    due = exited.reviews.filter(held_on__isnull=True).order_by("due_on").first()
    assert today < due.due_on <= today + timedelta(days=36)
    # Closed after its reviews, and its person referred again since.
    closed = cases.get(status=ChannelCase.Status.CLOSED)
    assert not closed.reviews.filter(held_on__isnull=True).exists()
    assert closed.referral.person.referrals.filter(received_on__gt=closed.closed_on).exists()


def test_no_exited_or_closed_case_has_an_action_still_due(demo, db):
    assert not SupportAction.objects.filter(
        case__status__in=["exited", "closed"], status__in=SupportAction.OPEN_STATUSES
    ).exists()


def test_fictional_intervention_providers(demo, db):
    assert InterventionProvider.objects.count() >= 3


def test_the_report_has_something_to_show(demo, db):
    today = timezone.localdate()
    figures = channel_report(date_from=today - timedelta(days=120), date_to=today)
    assert figures["meetings_held"] == 3
    assert figures["cases_discussed"] >= 4
    assert figures["cases_adopted"] == 4
    assert figures["re_referrals"] == 1
    assert figures["mental_health_concern"] >= 1
    assert sum(figures["exits_by_reason"].values()) >= 1
    assert set(figures["core_agency_meetings"].values()) == {3}
    # The school case left Channel about five months ago.
    assert figures["ownership_returned_by_agency"] == {}
    half_year = channel_report(date_from=today - timedelta(days=200), date_to=today)
    assert half_year["ownership_returned_by_agency"] == {"Hollins Park Academy": 1}


def test_past_meetings_have_notes_and_actions_one_overdue_one_done(demo, db):
    from channel_panel.models import ItemNote, MeetingAction

    today = timezone.localdate()
    held = PanelMeeting.objects.exclude(status=PanelMeeting.Status.PLANNED)
    assert ItemNote.objects.filter(item__meeting__in=held).count() == (
        AgendaItem.objects.filter(meeting__in=held).count()
    )
    actions = MeetingAction.objects.all()
    assert actions.filter(status="done").count() == 1
    overdue = actions.filter(status="open", due_on__lt=today)
    assert overdue.count() == 1 and overdue.get().item is not None
    # Carried to the meeting coming up, until done.
    upcoming = PanelMeeting.objects.filter(meets_on__gt=today).order_by("meets_on").first()
    assert set(actions.carried_to(upcoming)) == set(actions.filter(status="open"))
