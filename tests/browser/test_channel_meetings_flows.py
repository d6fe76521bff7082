"""Channel Panel meetings in Chromium: the Coordinator schedules a meeting, builds and
reorders its agenda (and meets a conflict when someone else reordered it first); the chair
withdraws an invitation, records attendance and a decision, marks the meeting held and
approves the minutes. axe runs on every page visited.

The ``*_kwargs`` helpers give tests/browser/test_pages.py the records its page walk opens
(the same ones on every call)."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from channel_panel import services
from channel_panel.models import AgendaItem, ChannelCase, PanelMeeting
from tests import factories
from tests.browser.pages import assert_page_is_usable, fill_date, follow_menu
from tests.channel_panel.test_decisions import approve_minutes

pytestmark = pytest.mark.browser

WALK_ROOM = "Page walk room"
APPROVED_ROOM = "Page walk room (approved)"


def _core_agency_a(world) -> None:
    if not world.agency_a.is_core_panel_member:
        world.agency_a.is_core_panel_member = True
        world.agency_a.save()


def _walk_meeting(world) -> PanelMeeting:
    """A meeting in two days (its pack open) with a new referral and a case on its agenda."""
    meeting = PanelMeeting.objects.filter(location=WALK_ROOM).first()
    if meeting is not None:
        return meeting
    _core_agency_a(world)
    meeting = factories.meeting(
        world.chair, timezone.localdate() + timedelta(days=2), location=WALK_ROOM
    )
    referral = factories.panel_referral(
        world.agency_b, assessed=True, concern_summary="Fictional: page walk"
    )
    case = factories.channel_case(world.agency_b, world.spoc_b)
    services.agenda_item_add(meeting=meeting, referral=referral, acting_user=world.coordinator)
    services.agenda_item_add(meeting=meeting, case=case, acting_user=world.coordinator)
    return meeting


def _approved_meeting(world) -> PanelMeeting:
    """A meeting last week whose minutes are approved, with one decision."""
    meeting = PanelMeeting.objects.filter(location=APPROVED_ROOM).first()
    if meeting is not None:
        return meeting
    _core_agency_a(world)
    meeting = factories.meeting(
        world.chair, timezone.localdate() - timedelta(days=7), location=APPROVED_ROOM
    )
    case = factories.channel_case(world.agency_a, world.spoc_a)
    item = services.agenda_item_add(meeting=meeting, case=case, acting_user=world.coordinator)
    services.decision_record(
        item=item, outcome="continue", rationale="Engaging well", acting_user=world.chair
    )
    approve_minutes(world, meeting)
    return meeting


def meeting_kwargs(scene) -> dict:
    return {"pk": _walk_meeting(scene.world).pk}


def item_kwargs(scene) -> dict:
    meeting = _walk_meeting(scene.world)
    return {"pk": meeting.pk, "item_pk": meeting.items.get(kind=AgendaItem.Kind.NEW).pk}


def approved_kwargs(scene) -> dict:
    return {"pk": _approved_meeting(scene.world).pk}


def correction_kwargs(scene) -> dict:
    meeting = _approved_meeting(scene.world)
    return {"pk": meeting.pk, "decision_pk": meeting.items.get().decisions.get().pk}


# url name -> (persona, heading, kwargs, content type of a download) for the page walk.
MEETING_PAGES = {
    "channel_panel:meetings": ("panel_a", "Panel meetings", lambda scene: {}, ""),
    "channel_panel:meeting_schedule": ("coordinator", "Schedule a meeting", lambda s: {}, ""),
    "channel_panel:meeting_detail": ("chair", "Meeting on", meeting_kwargs, ""),
    "channel_panel:meeting_edit": (
        "coordinator",
        "Change the meeting details",
        meeting_kwargs,
        "",
    ),
    "channel_panel:meeting_item_add": ("chair", "Add an item to the agenda", meeting_kwargs, ""),
    "channel_panel:meeting_invitee_add": (
        "chair",
        "Invite someone to the meeting",
        meeting_kwargs,
        "",
    ),
    "channel_panel:meeting_attendance": ("chair", "Record attendance", meeting_kwargs, ""),
    "channel_panel:meeting_decision": ("chair", "Record the decision", item_kwargs, ""),
    "channel_panel:meeting_decision_correct": (
        "chair",
        "Correct a decision",
        correction_kwargs,
        "",
    ),
    "channel_panel:meeting_minutes": ("panel_a", "Minutes", approved_kwargs, ""),
    "channel_panel:pack": ("panel_a", "Panel pack", meeting_kwargs, ""),
    "channel_panel:pack_pdf": ("panel_a", "Download the panel pack", meeting_kwargs, ""),
}


def test_a_panel_member_asks_for_the_pack_pdf(open_page, browsing, world):
    """The pack's PDF is built in the background for its reader (issue 18): the button asks
    for it and the page says so."""
    from channel_panel.models import PackBuild

    meeting = _walk_meeting(world)
    page = open_page(world.panel_a)
    page.goto(reverse("channel_panel:pack_pdf", args=[meeting.pk]))
    assert_page_is_usable(page, browsing, "Download the panel pack")
    page.get_by_role("button", name="Prepare the PDF of the pack").click()
    expect(page.locator("h1")).to_contain_text("Download the panel pack")
    assert PackBuild.objects.filter(meeting=meeting, reader=world.panel_a).exists()


def _agenda_kinds(page) -> list[str]:
    return page.locator("#agenda-table tbody tr td:nth-child(2)").all_inner_texts()


def test_coordinator_schedules_a_meeting_builds_and_reorders_its_agenda(open_page, browsing, world):
    _core_agency_a(world)
    referral = factories.panel_referral(world.agency_b, assessed=True)
    case = factories.channel_case(world.agency_a, world.spoc_a)
    page = open_page(world.coordinator)
    page.goto("/")
    follow_menu(page, "Panel meetings")
    assert_page_is_usable(page, browsing, "Panel meetings")

    page.get_by_role("button", name="Schedule a meeting").click()
    assert_page_is_usable(page, browsing, "Schedule a meeting")
    meets_on = timezone.localdate() + timedelta(days=3)
    fill_date(page, "Date of the meeting", f"{meets_on:%d/%m/%Y}")
    page.get_by_label("Start time (optional)").fill("14:00")
    page.get_by_label("Online").check()
    page.get_by_label("Chair", exact=True).select_option(str(world.chair.pk))
    page.get_by_role("button", name="Schedule meeting").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Meeting scheduled")
    assert_page_is_usable(page, browsing, "Meeting on")
    meeting = PanelMeeting.objects.get()

    page.get_by_role("button", name="Build the agenda").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("2 items added")
    assert _agenda_kinds(page) == ["New case", "Case review"]
    expect(page.locator("#agenda-table")).to_contain_text(referral.reference)
    assert_page_is_usable(page, browsing, "Meeting on")

    page.get_by_role("button", name="Move up item 2").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("moved up")
    assert _agenda_kinds(page) == ["Case review", "New case"]
    assert_page_is_usable(page, browsing, "Meeting on")

    # Someone else reorders while this page is open: the move is refused and explained.
    PanelMeeting.objects.filter(pk=meeting.pk).update(version=F("version") + 1)
    page.get_by_role("button", name="Move down item 1").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Someone else changed this record")
    expect(summary).to_contain_text("You asked to move item 1: case review down")
    assert _agenda_kinds(page) == ["Case review", "New case"]
    assert_page_is_usable(page, browsing, "Meeting on")

    page.get_by_role("button", name="Remove item 2").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("taken off the agenda")
    assert _agenda_kinds(page) == ["Case review"]
    assert not meeting.items.filter(referral=referral).exists()
    assert meeting.items.get().case == case
    assert_page_is_usable(page, browsing, "Meeting on")


def test_chair_runs_the_meeting_and_approves_the_minutes(open_page, browsing, world):
    _core_agency_a(world)
    meeting = factories.meeting(world.chair, timezone.localdate())
    case = factories.channel_case(world.agency_b, world.spoc_b)
    services.agenda_item_add(meeting=meeting, case=case, acting_user=world.coordinator)
    services.invitee_add(
        meeting=meeting, user=world.spoc_a, agency=world.agency_a, acting_user=world.coordinator
    )
    page = open_page(world.chair)
    page.goto(f"/panel/meetings/{meeting.pk}/")
    assert_page_is_usable(page, browsing, "Meeting on")
    expect(page.locator("#approval-blockers")).to_contain_text("has not been marked as held")
    # Before attendance the meeting is not quorate: the page says what holding it needs.
    expect(page.locator("#hold-needed")).to_contain_text("No attendance is recorded")

    spoc_name = world.spoc_a.get_full_name()
    page.get_by_role("button", name=f"Withdraw the invitation to {spoc_name}").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"Invitation to {spoc_name} withdrawn"
    )
    assert not meeting.invitees.filter(user=world.spoc_a).exists()
    assert_page_is_usable(page, browsing, "Meeting on")

    page.get_by_role("button", name="Record attendance").click()
    assert_page_is_usable(page, browsing, "Record attendance")
    for fieldset in page.locator("fieldset").all()[:-1]:  # each invitee; the last is "Attendance"
        fieldset.get_by_label("Present").check()
    page.get_by_label("Name", exact=True).fill("Wren Ashdown")
    page.get_by_label("Agency", exact=True).select_option(label="Agency B")
    page.locator("fieldset").last.get_by_label("Apologies").check()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.locator("#quorum")).to_contain_text("Quorate")
    expect(page.locator("#hold-needed")).to_have_count(0)

    page.get_by_role("button", name="Mark as held").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("marked as held")
    expect(page.locator("#approval-blockers")).to_contain_text("1 agenda item(s) have no decision")
    assert_page_is_usable(page, browsing, "Meeting on")

    page.get_by_role("link", name="Record decision on item 1").click()
    assert_page_is_usable(page, browsing, "Record the decision")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the panel's decision")
    assert_page_is_usable(page, browsing, "Record the decision")
    page.get_by_label("Continue support").check()
    page.get_by_label("Rationale", exact=True).fill("Engaging well with the mentor")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Decision recorded")

    page.get_by_role("button", name="Approve the minutes").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Minutes approved")
    assert_page_is_usable(page, browsing, "Meeting on")
    meeting.refresh_from_db()
    assert meeting.status == PanelMeeting.Status.MINUTES_APPROVED
    assert ChannelCase.objects.get(pk=case.pk).is_open()

    page.get_by_role("link", name="Minutes", exact=True).click()
    assert_page_is_usable(page, browsing, "Minutes")
    expect(page.locator("main")).to_contain_text("Engaging well with the mentor")
    expect(page.locator("main")).to_contain_text("Wren Ashdown")


# url name -> the test that presses its button, for tests/browser/test_pages.py.
MEETING_POST_ONLY = {
    "channel_panel:meeting_agenda_build": (
        test_coordinator_schedules_a_meeting_builds_and_reorders_its_agenda
    ),
    "channel_panel:meeting_item_move": (
        test_coordinator_schedules_a_meeting_builds_and_reorders_its_agenda
    ),
    "channel_panel:meeting_item_remove": (
        test_coordinator_schedules_a_meeting_builds_and_reorders_its_agenda
    ),
    "channel_panel:meeting_invitee_remove": test_chair_runs_the_meeting_and_approves_the_minutes,
    "channel_panel:meeting_mark_held": test_chair_runs_the_meeting_and_approves_the_minutes,
    "channel_panel:meeting_minutes_approve": test_chair_runs_the_meeting_and_approves_the_minutes,
    "channel_panel:pack_pdf_prepare": test_a_panel_member_asks_for_the_pack_pdf,
}
