"""Journeys that post forms: what a coordinator sees at each step must stay accessible."""

import pytest
from playwright.sync_api import expect

from referrals.models import ReferralGroupGrant
from tests import factories
from tests.browser.pages import assert_page_is_usable

pytestmark = pytest.mark.browser


def test_coordinator_shares_and_withdraws_a_referral(open_page, browsing, world):
    referral = factories.referral(world.agency_b)
    page = open_page(world.coordinator)
    page.goto(f"/referrals/{referral.pk}/")
    expect(page.locator("main")).to_contain_text("Not shared outside the owning agency.")

    page.get_by_role("button", name="Share this referral").click()
    page.get_by_label("An agency").check()
    page.get_by_label("Agency", exact=True).select_option(label="Agency A")
    page.get_by_label("Why are you sharing this referral?").fill("Agency A knows the family")
    page.get_by_role("button", name="Share referral").click()

    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"Referral {referral.reference} shared"
    )
    row = page.get_by_role("row", name="Agency A")
    expect(row).to_contain_text("Agency A knows the family")
    assert_page_is_usable(page, browsing, referral.reference)

    row.get_by_role("button", name="Withdraw share with Agency A").click()

    expect(page.locator(".govuk-notification-banner")).to_contain_text("Share withdrawn")
    expect(page.locator("main")).to_contain_text("Not shared outside the owning agency.")
    assert not ReferralGroupGrant.objects.filter(content_object=referral).exists()
    assert_page_is_usable(page, browsing, referral.reference)
