"""Each role starts from the home page, which passes axe, and reaches every item of work
waiting for it in one click (prevent_portal/core/work_waiting.py). One journey for every
role in turn, on one set of work (agency B's), to keep the browser time down."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests import factories
from tests.browser.pages import assert_page_is_usable
from tests.core.test_work_waiting import TODAY, add_work

pytestmark = pytest.mark.browser


def test_every_role_reaches_each_waiting_item_from_the_home_page_in_one_click(
    open_page, browsing, world, time_machine
):
    made = add_work(world, time_machine, world.agency_b, world.spoc_b)
    own = factories.referral(world.agency_b, referrer=world.referrer_b, received_on=TODAY)
    # (persona, panel heading, the link followed for a closer look, what its page shows)
    journeys = [
        (
            world.coordinator,
            "As Prevent Coordinator",
            "1 case with a support contact overdue",
            made["contact"][0].reference,
        ),
        (
            world.chair,
            "As Channel Panel chair",
            "1 meeting's minutes waiting for your approval",
            "3 December 2026",
        ),
        (
            world.spoc_b,
            "As panel member or agency single point of contact",
            "1 information request waiting for your agency's answer",
            made["asked"][0].reference,
        ),
        (
            world.referrer_b,
            "As referrer",
            "Your referral of 12 December 2026: received",
            own.reference,
        ),
        (world.manager, "As manager", "1 board update overdue", "Test board"),
    ]
    for user, heading, followed, shows in journeys:
        page = open_page(user)
        page.goto("/")
        panel = page.locator("section[data-waiting-panel]", has_text=heading)
        expect(panel).to_be_visible()
        assert_page_is_usable(page, browsing, settings.SERVICE_NAME)
        links = panel.locator("li[data-waiting] > a")
        hrefs = [links.nth(n).get_attribute("href") for n in range(links.count())]
        assert hrefs, f"nothing waiting for {user.username}"
        for href in hrefs:  # every item's link opens its page (fetched, not rendered)
            assert page.request.get(href).status == 200, href
        panel.get_by_role("link", name=followed).click()
        expect(page.locator("main")).to_contain_text(shows)
