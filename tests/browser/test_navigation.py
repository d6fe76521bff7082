"""The header in a real browser: one row of sections at 1,024 px for the widest menus, the
GOV.UK menu toggle at 320 px; the timeout warning keeps the session; drafts come back."""

import time

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse
from playwright.sync_api import expect

from prevent_portal.accounts import services
from prevent_portal.accounts.models import Role
from prevent_portal.core.middleware import SESSION_SEEN
from tests import factories
from tests.browser.pages import assert_page_is_usable

pytestmark = pytest.mark.browser

SECTION_TOPS = """() => [...document.querySelectorAll("#navigation > li")]
  .map(li => Math.round(li.getBoundingClientRect().top))"""


def _every_role(world):
    """One person holding every role that can be combined (not the system administrator's:
    accounts.E002)."""
    user = factories.member(Role.COORDINATOR, world.council, username="every-role")
    for role in [Role.PANEL_CHAIR, Role.PANEL_MEMBER, Role.SPOC, Role.REFERRER, Role.MANAGER]:
        services.membership_grant(user=user, agency=world.council, role=role, acting_user=None)
    return user


def test_the_menu_is_one_row_at_1024_and_folds_away_at_320(open_page, browsing, world):
    for user in [_every_role(world), world.coordinator]:
        page = open_page(user)
        page.set_viewport_size({"width": 1024, "height": 768})
        page.goto(reverse("referrals:triage_queue"))
        menu = page.get_by_role("navigation", name="Menu")
        expect(menu.get_by_role("link")).to_have_text(
            ["Home", "Referrals", "Channel", "Training", "Governance", "Administration"]
        )
        tops = page.evaluate(SECTION_TOPS)
        assert len(tops) == 6 and len(set(tops)) == 1, tops
        # The top row too: the council's name, the search box and the account links.
        header = page.locator(".govuk-header").bounding_box()
        assert header["height"] < 80, header
        expect(menu.get_by_role("link", name="Referrals")).to_have_attribute("aria-current", "true")
        section = page.get_by_role("navigation", name="Referrals", exact=True)
        expect(section.get_by_role("link", name="Triage queue")).to_have_attribute(
            "aria-current", "page"
        )

    assert_page_is_usable(page, browsing, "Triage queue")
    section.get_by_role("link", name="Make a referral").click()
    expect(page.locator("h1")).to_have_text("Make a referral")
    page.set_viewport_size({"width": 320, "height": 640})
    toggle = page.get_by_role("button", name="Menu")
    governance = menu.get_by_role("link", name="Governance")
    expect(toggle).to_be_visible()
    expect(governance).to_be_hidden()
    toggle.click()
    expect(governance).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    assert_page_is_usable(page, browsing, "Make a referral")
    toggle.click()
    expect(governance).to_be_hidden()


def _session(page) -> SessionStore:
    from django.conf import settings

    cookie = next(c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    return SessionStore(cookie["value"])


def _idle_for(page, seconds: int) -> None:
    """Within the middleware's one-minute resolution, so only the keep-alive moves it."""
    session = _session(page)
    session[SESSION_SEEN] = time.time() - seconds
    session.save()


def test_the_timeout_warning_keeps_the_session_and_drafts_come_back(
    open_page, browsing, world, settings
):
    # Warn two seconds after the page loads instead of two minutes before the sign-out.
    settings.SESSION_WARNING_SECONDS = int(settings.SESSION_IDLE_TIMEOUT.total_seconds()) - 2
    referral = factories.referral(world.agency_a)
    page = open_page(world.coordinator)
    note_url = reverse("referrals:chronology_note", kwargs={"pk": referral.pk})
    page.goto(note_url)

    dialog = page.get_by_role("dialog", name="You’re about to be signed out")
    expect(dialog).to_be_visible(timeout=6000)
    stay = dialog.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    assert_page_is_usable(page, browsing, "Add a note")
    _idle_for(page, 45)
    stay.click()
    expect(dialog).to_be_hidden()
    assert _session(page)[SESSION_SEEN] > time.time() - 10
    # It comes back; Escape keeps the session too.
    expect(dialog).to_be_visible(timeout=6000)
    _idle_for(page, 45)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert _session(page)[SESSION_SEEN] > time.time() - 10

    # Words typed and left without sending are put back on coming back, and it says so.
    settings.SESSION_WARNING_SECONDS = 120
    page.goto(note_url)
    note = page.get_by_role("textbox", name="Note")
    note.fill("Words typed for a long time")
    page.wait_for_timeout(500)  # the draft is written 300 ms after the last key
    page.goto(reverse("core:home"))
    page.goto(note_url)
    expect(note).to_have_value("Words typed for a long time")
    expect(page.get_by_role("region", name="Important")).to_contain_text("put back")
    # Signing out on purpose forgets every draft of the tab.
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    assert page.evaluate("Object.keys(sessionStorage)") == []
