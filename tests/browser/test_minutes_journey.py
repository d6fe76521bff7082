"""Minutes that are minutes, in Chromium (issue 17): the chair writes an item's discussion
notes and two actions, sees them carried to the next meeting's agenda, the sweep reminds the
owner, who finds the action on their home page and marks it done, and it is no longer
carried. axe runs on every page visited.

MINUTES_PAGES gives tests/browser/test_pages.py the records its page walk opens."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from channel_panel import services
from channel_panel.models import MeetingAction
from prevent_portal.outbox.models import Notification
from prevent_portal.reminders.services import reminders_queue_due
from tests import factories
from tests.browser.pages import assert_page_is_usable, fill_date
from tests.browser.test_channel_meetings_flows import _walk_meeting, item_kwargs, meeting_kwargs

pytestmark = pytest.mark.browser


def _action_kwargs(scene) -> dict:
    meeting = _walk_meeting(scene.world)
    action = meeting.actions.first() or MeetingAction.objects.create(
        meeting=meeting,
        description="Circulate the terms of reference",
        due_on=meeting.meets_on + timedelta(days=14),
        owner_user=scene.world.chair,
        created_by=scene.world.chair,
    )
    return {"pk": meeting.pk, "meeting_action_pk": action.pk}


MINUTES_PAGES = {
    "channel_panel:meeting_minute_taker": (
        "chair",
        "Name a minute-taker",
        meeting_kwargs,
        "",
    ),
    "channel_panel:meeting_item_notes": ("chair", "Discussion notes", item_kwargs, ""),
    "channel_panel:meeting_action_add": ("chair", "Add an action", meeting_kwargs, ""),
    "channel_panel:meeting_action_close": ("chair", "Action", _action_kwargs, ""),
    "channel_panel:meeting_actions": (
        "spoc_a",
        "Your actions from panel meetings",
        lambda scene: {},
        "",
    ),
    "channel_panel:meeting_minutes_download": (
        "chair",
        "Download the minutes",
        meeting_kwargs,
        "",
    ),
}


def test_chair_minutes_two_actions_carried_forward_and_reminded(open_page, browsing, world):
    today = timezone.localdate()
    world.agency_a.is_core_panel_member = True
    world.agency_a.save()
    last_week = factories.meeting(world.chair, today - timedelta(days=7))
    case = factories.channel_case(world.agency_a, world.spoc_a)
    services.agenda_item_add(meeting=last_week, case=case, acting_user=world.chair)
    next_week = factories.meeting(world.chair, today + timedelta(days=7))

    page = open_page(world.chair)
    page.goto(f"/panel/meetings/{last_week.pk}/minutes/")
    assert_page_is_usable(page, browsing, "Draft minutes")
    page.get_by_role("link", name="Write the discussion notes on item 1").click()
    assert_page_is_usable(page, browsing, "Discussion notes")
    page.get_by_label("Discussion notes", exact=True).fill("The mentor reports steady engagement.")
    page.get_by_role("button", name="Save the notes").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Notes saved")
    expect(page.locator(f"#notes-{case.agenda_items.get().pk}")).to_contain_text(
        "steady engagement"
    )

    for text, owner, due, about in [
        ("Confirm the mentor's next sessions", f"user:{world.spoc_a.pk}", 3, "Item 1"),
        ("Share the school's attendance figures", f"agency:{world.agency_b.pk}", 20, ""),
    ]:
        page.get_by_role("button", name="Add an action").click()
        assert_page_is_usable(page, browsing, "Add an action")
        page.get_by_label("What is to be done", exact=True).fill(text)
        page.get_by_label("Owner", exact=True).select_option(value=owner)
        fill_date(page, "Due by", today + timedelta(days=due))
        if about:
            page.get_by_label("Which item it is about", exact=True).select_option(
                label="Item 1: Case review"
            )
        page.get_by_role("button", name="Add the action").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("Action added")
    expect(page.locator("main")).to_contain_text("Confirm the mentor's next sessions")
    expect(page.locator("#meeting-actions")).to_contain_text("Share the school's attendance")

    # Both are on the next meeting's agenda as actions carried forward.
    page.goto(f"/panel/meetings/{next_week.pk}/")
    carried = page.locator("#carried-actions")
    expect(carried).to_contain_text("Confirm the mentor's next sessions")
    expect(carried).to_contain_text("Share the school's attendance figures")
    assert_page_is_usable(page, browsing, "Meeting on")

    # The daily sweep reminds the owner of the one due within a week, naming no one.
    reminders_queue_due(today=today)
    reminder = Notification.objects.get(kind="panel_action_due")
    assert reminder.recipient == world.spoc_a
    assert "Confirm the mentor" not in reminder.body and case.reference not in reminder.body

    owner = open_page(world.spoc_a)
    owner.goto("/")
    owner.get_by_role("link", name="1 open action from panel meetings").click()
    assert_page_is_usable(owner, browsing, "Your actions from panel meetings")
    owner.get_by_role("link", name="Confirm the mentor's next sessions").click()
    assert_page_is_usable(owner, browsing, "Action")
    owner.get_by_label("Done", exact=True).check()
    owner.get_by_role("button", name="Save").click()
    expect(owner.locator(".govuk-notification-banner")).to_contain_text("marked done")

    page.reload()
    expect(carried).not_to_contain_text("Confirm the mentor's next sessions")
    expect(carried).to_contain_text("Share the school's attendance figures")
