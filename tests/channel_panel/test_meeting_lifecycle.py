"""The meeting and decision lifecycles (channel_panel/lifecycle.py), end to end: a meeting is
held no earlier than it starts and, without quorum, only with a confirmed reason; the list
files it by status and date; decisions wait for the meeting; the chair sees the cases of
the meetings they chair; a correction after approval undoes and redoes what the decision
did (issue 13, points 2, 4 and 6)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from channel_panel import services
from channel_panel.lifecycle import DECISION, MEETING
from channel_panel.models import ChannelCase, Decision, ExitReason, PanelMeeting
from prevent_portal.accounts.models import Role
from prevent_portal.core.lifecycle import TransitionRefused
from referrals.models import ChronologyEntry, Referral, SignpostingService
from tests import factories
from tests.channel_panel.test_meetings import client_for, person, url


def _attend(world, meeting, **statuses):
    """Attendance: the chair present, and each agency given as present/apologies."""
    meeting.refresh_from_db()
    entries = [services.AttendanceEntry(agency=world.council, status="present", user=world.chair)]
    entries += [
        services.AttendanceEntry(agency=getattr(world, key), status=status, name="A member")
        for key, status in statuses.items()
    ]
    services.attendance_record(
        meeting=meeting, entries=entries, expected_version=meeting.version, acting_user=world.chair
    )
    meeting.refresh_from_db()


@pytest.fixture
def core_a(world):
    world.agency_a.is_core_panel_member = True
    world.agency_a.save()


# --- Point 2: holding a meeting ----------------------------------------------------------------
def test_a_meeting_cannot_be_marked_held_before_it_starts(world, core_a):
    """On 6 December a meeting of 11 December was marked held: now the page says when it
    starts and the button is refused."""
    later = timezone.localdate() + timedelta(days=5)
    meeting = factories.meeting(world.chair, later, starts_at=time(10, 0))
    _attend(world, meeting, agency_a="present")
    client = client_for(world.chair)
    needed = (
        f"The meeting starts at 10:00 on {later:%-d %B %Y}: it cannot be marked held before then."
    )
    assert needed in client.get(url("meeting_detail", meeting.pk)).content.decode()
    response = client.post(url("meeting_mark_held", meeting.pk), {"version": meeting.version})
    assert response.status_code == 200
    assert needed in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == PanelMeeting.Status.PLANNED


def test_the_start_is_the_date_and_time_in_the_councils_time_zone(world):
    # 11 June 10:00 in London is 09:00 UTC (summer time).
    meeting = factories.meeting(world.chair, date(2026, 6, 11), starts_at=time(10, 0))
    _attend(world, meeting)
    just_before = datetime(2026, 6, 11, 8, 59, tzinfo=UTC)
    at_start = datetime(2026, 6, 11, 9, 0, tzinfo=UTC)
    with pytest.raises(TransitionRefused, match="starts at 10:00 on 11 June 2026"):
        services.meeting_mark_held(
            meeting=meeting,
            expected_version=meeting.version,
            acting_user=world.chair,
            now=just_before,
        )
    services.meeting_mark_held(
        meeting=meeting, expected_version=meeting.version, acting_user=world.chair, now=at_start
    )
    assert meeting.status == PanelMeeting.Status.HELD and meeting.held_by == world.chair


def test_holding_a_meeting_without_quorum_needs_a_confirmed_reason_the_minutes_show(world, core_a):
    meeting = factories.meeting(world.chair, timezone.localdate())
    _attend(world, meeting, agency_a="apologies")
    client = client_for(world.chair)
    needed = "Not quorate: missing Agency A. Confirm and give a reason to hold it anyway."
    assert needed in client.get(url("meeting_detail", meeting.pk)).content.decode()
    # Without the confirmation: refused, with the same words.
    response = client.post(url("meeting_mark_held", meeting.pk), {"version": meeting.version})
    assert needed in response.content.decode()
    # Confirmed, but no reason: refused.
    response = client.post(
        url("meeting_mark_held", meeting.pk),
        {"version": meeting.version, "confirm_inquorate": "on", "inquorate_reason": " "},
    )
    assert "Give the reason for holding the meeting without quorum." in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == PanelMeeting.Status.PLANNED
    response = client.post(
        url("meeting_mark_held", meeting.pk),
        {
            "version": meeting.version,
            "confirm_inquorate": "on",
            "inquorate_reason": "Police sent a written update; two cases were urgent",
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == PanelMeeting.Status.HELD
    minutes = client.get(url("meeting_minutes", meeting.pk)).content.decode()
    assert "Held without quorum because" in minutes
    assert "Police sent a written update; two cases were urgent" in minutes


def test_a_quorate_meeting_is_held_without_a_reason(world, core_a):
    meeting = factories.meeting(world.chair, timezone.localdate())
    _attend(world, meeting, agency_a="present")
    assert MEETING.needed("hold", meeting) == []
    services.meeting_mark_held(
        meeting=meeting,
        expected_version=meeting.version,
        acting_user=world.chair,
        inquorate_reason="ignored",
    )
    assert meeting.inquorate_reason == ""


def test_upcoming_and_past_follow_status_and_date(world):
    today = timezone.localdate()
    planned_today = factories.meeting(world.chair, today)
    planned_later = factories.meeting(world.chair, today + timedelta(days=9))
    overdue = factories.meeting(world.chair, today - timedelta(days=3))
    held_today = factories.meeting(world.chair, today)
    _attend(world, held_today)
    services.meeting_mark_held(
        meeting=held_today, expected_version=held_today.version, acting_user=world.chair
    )
    # A meeting wrongly held ahead of its day (before this rule) is past all the same.
    held_ahead = factories.meeting(world.chair, today + timedelta(days=5))
    PanelMeeting.objects.filter(pk=held_ahead.pk).update(status=PanelMeeting.Status.HELD)
    response = client_for(world.chair).get(url("meetings"))
    upcoming = {m.pk for m in response.context["upcoming"]}
    past = {m.pk for m in response.context["page"]}
    assert upcoming == {planned_today.pk, planned_later.pk}
    assert past == {overdue.pk, held_today.pk, held_ahead.pk}


def test_a_held_meeting_cannot_move_to_a_start_still_to_come(world):
    meeting = factories.meeting(world.chair, timezone.localdate())
    _attend(world, meeting)
    services.meeting_mark_held(
        meeting=meeting, expected_version=meeting.version, acting_user=world.chair
    )
    with pytest.raises(ValueError, match="start cannot move to a time still to come"):
        services.meeting_update(
            meeting=meeting,
            meets_on=timezone.localdate() + timedelta(days=5),
            chair=world.chair,
            mode=meeting.mode,
            starts_at=None,
            location="",
            expected_version=meeting.version,
            acting_user=world.coordinator,
        )


def test_decisions_wait_for_the_meeting_to_start_and_adoption_is_dated_its_day(world):
    later = timezone.localdate() + timedelta(days=5)
    meeting = factories.meeting(world.chair, later)
    referral = factories.panel_referral(world.agency_b, assessed=True)
    item = services.agenda_item_add(
        meeting=meeting, referral=referral, acting_user=world.coordinator
    )
    page = client_for(world.chair).get(url("meeting_decision", meeting.pk, item.pk))
    assert "its decisions can be recorded from then" in page.content.decode()
    with pytest.raises(ValueError, match="its decisions can be recorded from then"):
        services.decision_record(
            item=item,
            outcome="adopt",
            rationale="Vulnerable; consent likely",
            lead_agency=world.agency_b,
            case_manager=world.spoc_b,
            acting_user=world.chair,
        )
    assert not ChannelCase.objects.filter(referral=referral).exists()
    # On the day it is allowed, and the adoption (and so any exit) is dated the meeting's day.
    today_meeting = factories.meeting(world.chair, timezone.localdate())
    services.agenda_item_remove(item=item, acting_user=world.coordinator)
    item = services.agenda_item_add(
        meeting=today_meeting, referral=referral, acting_user=world.coordinator
    )
    factories.held(today_meeting)
    services.decision_record(
        item=item,
        outcome="adopt",
        rationale="Vulnerable; consent likely",
        lead_agency=world.agency_b,
        case_manager=world.spoc_b,
        acting_user=world.chair,
    )
    case = ChannelCase.objects.get(referral=referral)
    assert case.adopted_on == timezone.localdate()
    factories.exit_agreed(case, world.chair)
    services.case_exit(
        case=case,
        reason=ExitReason.objects.get(code="risk-reduced"),
        exited_on=timezone.localdate(),
        expected_version=case.version,
        acting_user=world.chair,
    )


def test_the_decision_table_refuses_what_is_missing_in_one_message(world):
    meeting = factories.meeting(world.chair, timezone.localdate())
    item = services.agenda_item_add(
        meeting=meeting,
        referral=factories.panel_referral(world.agency_b, assessed=True),
        acting_user=world.chair,
    )
    held_first = (
        "Adoption and exit are the panel's decisions: mark the meeting held (quorate, or "
        "confirmed with a reason) before recording them."
    )
    assert DECISION.needed("record", item, outcome="adopt", rationale="") == [
        held_first,
        "A decision needs its rationale.",
        "Adoption needs a lead agency and a case manager.",
    ]
    # Other outcomes may be noted while the meeting runs; once held, adoption may be too.
    assert DECISION.needed("record", item, outcome="not_adopt", rationale="x") == [
        "Say where the person is signposted to."
    ]
    factories.held(meeting)
    item.refresh_from_db()
    assert DECISION.needed("record", item, outcome="adopt", rationale="") == [
        "A decision needs its rationale.",
        "Adoption needs a lead agency and a case manager.",
    ]


def test_no_case_is_adopted_or_exited_at_a_meeting_not_yet_held(world):
    """Issue 13, invariant 1: a Channel case exists only through an adoption decision at a
    held meeting, so the decision is refused while the meeting is still planned, and
    nothing is written."""
    meeting = factories.meeting(world.chair, timezone.localdate())
    referral = factories.panel_referral(world.agency_b, assessed=True)
    item = services.agenda_item_add(
        meeting=meeting, referral=referral, acting_user=world.coordinator
    )
    case = factories.channel_case(world.agency_b, world.spoc_b)
    case_item = services.agenda_item_add(meeting=meeting, case=case, acting_user=world.chair)
    with pytest.raises(ValueError, match="mark the meeting held"):
        services.decision_record(
            item=item,
            outcome="adopt",
            rationale="Vulnerable; consent likely",
            lead_agency=world.agency_b,
            case_manager=world.spoc_b,
            acting_user=world.chair,
        )
    with pytest.raises(ValueError, match="mark the meeting held"):
        services.decision_record(
            item=case_item,
            outcome="exit",
            rationale="Risk reduced",
            exit_reason=ExitReason.objects.get(code="risk-reduced"),
            acting_user=world.chair,
        )
    assert not ChannelCase.objects.filter(referral=referral).exists()
    assert not Decision.objects.filter(item__meeting=meeting).exists()
    case.refresh_from_db()
    assert case.status == ChannelCase.Status.OPEN
    # The decision page says what is still needed before the chair tries.
    page = client_for(world.chair).get(url("meeting_decision", meeting.pk, item.pk))
    assert "mark the meeting held" in page.content.decode()


# --- Point 4: the chair sees the cases of the meetings they chair -----------------------------
@pytest.fixture
def adopted(world):
    """Agency B's referral adopted, led by agency B, at a meeting chaired by world.chair
    (of the council: not agency B)."""
    meeting = factories.meeting(world.chair, timezone.localdate())
    referral = factories.panel_referral(
        world.agency_b, assessed=True, person=person("Orla", "Brindle")
    )
    item = services.agenda_item_add(
        meeting=meeting, referral=referral, acting_user=world.coordinator
    )
    factories.held(meeting)
    decision = services.decision_record(
        item=item,
        outcome="adopt",
        rationale="Vulnerable; consent likely",
        lead_agency=world.agency_b,
        case_manager=world.spoc_b,
        acting_user=world.chair,
    )
    return meeting, item, decision, ChannelCase.objects.get(referral=referral)


def test_the_chair_sees_the_case_they_just_adopted_and_its_draft_minutes(world, adopted):
    meeting, item, _, case = adopted
    client = client_for(world.chair)
    page = client.get(url("case_detail", case.pk))
    assert page.status_code == 200 and "Orla Brindle" in page.content.decode()
    minutes = client.get(url("meeting_minutes", meeting.pk)).content.decode()
    assert "Orla Brindle" in minutes and "Not available to you" not in minutes


def test_a_chair_of_other_meetings_does_not_see_that_case(world, adopted):
    _, _, _, case = adopted
    other_chair = factories.member(Role.PANEL_CHAIR, world.council, username="chair-2")
    assert client_for(other_chair).get(url("case_detail", case.pk)).status_code == 404
    assert not ChannelCase.objects.visible_to(other_chair).filter(pk=case.pk).exists()
    # Nor does the chair once they no longer hold the chair role.
    world.chair.memberships.filter(role=Role.PANEL_CHAIR).update(is_active=False)
    chair = type(world.chair).objects.get(pk=world.chair.pk)
    assert not ChannelCase.objects.visible_to(chair).filter(pk=case.pk).exists()


# --- Point 6: a correction does what the corrected decision should have done ------------------
def _approve(world, meeting):
    _attend(world, meeting)
    meeting.refresh_from_db()
    if meeting.status == PanelMeeting.Status.PLANNED:
        services.meeting_mark_held(
            meeting=meeting, expected_version=meeting.version, acting_user=world.chair
        )
    services.minutes_approve(
        meeting=meeting, expected_version=meeting.version, acting_user=world.chair
    )


def test_adopted_corrected_to_not_adopted_closes_the_case_it_opened(world, adopted):
    meeting, item, decision, case = adopted
    _approve(world, meeting)
    service = SignpostingService.objects.current().first()
    response = client_for(world.chair).post(
        url("meeting_decision_correct", meeting.pk, decision.pk),
        {"outcome": "not_adopt", "rationale": "Minuted wrongly", "signposted_to": service.pk},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == ChannelCase.Status.CLOSED
    referral = Referral.objects.get(pk=case.referral_id)
    assert referral.status == Referral.Status.CLOSED and not referral.adopted
    assert Decision.objects.current().get(item=item).signposted_to == service
    kinds = set(referral.chronology.values_list("kind", flat=True))
    assert ChronologyEntry.Kind.CORRECTION in kinds
    changes = LogEntry.objects.get_for_object(case).filter(action=LogEntry.Action.UPDATE)
    assert any("closed" in str(entry.changes) for entry in changes)


def test_not_adopted_corrected_to_adopted_reopens_the_referral_and_opens_the_case(world):
    meeting = factories.meeting(world.chair, timezone.localdate())
    referral = factories.panel_referral(world.agency_b, assessed=True)
    item = services.agenda_item_add(
        meeting=meeting, referral=referral, acting_user=world.coordinator
    )
    decision = services.decision_record(
        item=item,
        outcome="not_adopt",
        rationale="Below threshold",
        signposted_to=SignpostingService.objects.current().first(),
        acting_user=world.chair,
    )
    _approve(world, meeting)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.CLOSED
    # The correction needs what an adoption needs.
    client = client_for(world.chair)
    response = client.post(
        url("meeting_decision_correct", meeting.pk, decision.pk),
        {"outcome": "adopt", "rationale": "The panel adopted it"},
    )
    assert "Choose the lead agency of the case" in response.content.decode()
    response = client.post(
        url("meeting_decision_correct", meeting.pk, decision.pk),
        {
            "outcome": "adopt",
            "rationale": "The panel adopted it",
            "lead_agency": world.agency_b.pk,
            "case_manager": f"{world.spoc_b.pk}-{world.agency_b.pk}",
        },
    )
    assert response.status_code == 302, response.content.decode()
    case = ChannelCase.objects.get(referral=referral)
    assert case.is_open() and case.adopted_on == meeting.meets_on
    assert case.adopted_at_meeting == meeting
    referral.refresh_from_db()
    assert referral.status == Referral.Status.PASSED_TO_PANEL and referral.adopted


def test_exit_corrected_to_continue_reopens_the_case(world):
    case = factories.channel_case(world.agency_b, world.spoc_b)
    meeting = factories.meeting(world.chair, timezone.localdate())
    item = services.agenda_item_add(meeting=meeting, case=case, acting_user=world.coordinator)
    # An exit decision counts once the meeting is held (the case lifecycle).
    _attend(world, meeting)
    services.meeting_mark_held(
        meeting=meeting, expected_version=meeting.version, acting_user=world.chair
    )
    decision = services.decision_record(
        item=item,
        outcome="exit",
        rationale="Risk reduced",
        exit_reason=ExitReason.objects.get(code="risk-reduced"),
        acting_user=world.chair,
    )
    meeting.refresh_from_db()
    services.minutes_approve(
        meeting=meeting, expected_version=meeting.version, acting_user=world.chair
    )
    case.refresh_from_db()
    assert case.status == ChannelCase.Status.EXITED and case.reviews.count() == 2
    services.decision_correct(
        decision=decision, outcome="continue", rationale="Minuted wrongly", acting_user=world.chair
    )
    case.refresh_from_db()
    assert case.status == ChannelCase.Status.OPEN and case.exited_on is None
    assert case.reviews.count() == 0
    assert case.referral.chronology.filter(
        kind=ChronologyEntry.Kind.CORRECTION, text__contains="open again"
    ).exists()
    # And back again: continue corrected to exit exits it, through case_exit.
    correction = Decision.objects.current().get(item=item)
    services.decision_correct(
        decision=correction,
        outcome="exit",
        rationale="It did exit after all",
        exit_reason=ExitReason.objects.get(code="risk-reduced"),
        acting_user=world.chair,
    )
    case.refresh_from_db()
    assert case.status == ChannelCase.Status.EXITED and case.exited_on == meeting.meets_on


def test_a_correction_that_cannot_be_acted_on_saves_nothing(world, adopted):
    meeting, item, decision, case = adopted
    _approve(world, meeting)
    case.refresh_from_db()
    factories.exit_agreed(case, world.chair)
    services.case_exit(
        case=case,
        reason=ExitReason.objects.get(code="risk-reduced"),
        exited_on=timezone.localdate(),
        expected_version=case.version,
        acting_user=world.chair,
    )
    with pytest.raises(ValueError, match="has exited since it was adopted"):
        services.decision_correct(
            decision=decision,
            outcome="review",
            rationale="Minuted wrongly",
            acting_user=world.chair,
        )
    assert Decision.objects.filter(item=item).count() == 1


def test_the_architecture_document_prints_the_meeting_and_decision_tables():
    from pathlib import Path

    from django.conf import settings

    doc = (Path(settings.BASE_DIR) / "docs" / "architecture.md").read_text()
    assert MEETING.as_markdown() in doc
    assert DECISION.as_markdown() in doc
