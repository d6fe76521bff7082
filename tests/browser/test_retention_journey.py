"""Retention in Chromium: the Coordinator follows the menu to the records past retention,
tries a legal hold without a reason and sees why not, holds one person's records with a
reason, approves deletion of another's (whose referral then is not found), and lengthens a
rule. axe runs on every page opened.

Also the kwargs helpers the page walk (test_pages.py) uses to reach the retention pages.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from referrals.models import RetentionReview, RetentionRule
from referrals.services import retention_sweep
from tests import factories
from tests.browser.pages import assert_page_is_usable


def closed_long_ago(world, given_name: str):
    """A fictional adult's referral closed with no further action in 2015: past retention."""
    person = factories.PersonFactory(given_name=given_name, date_of_birth=date(1980, 5, 5))
    return factories.closed_referral(world.agency_a, person=person)


def _review(scene) -> dict:
    # Called more than once per visit: the first call queues a review, later ones find it.
    review = RetentionReview.objects.first()
    if review is None:
        closed_long_ago(scene.world, "Walkpage")
        retention_sweep(today=date(2026, 11, 22), acting_user=None)
        review = RetentionReview.objects.get()
    return {"pk": review.pk}


def _rule(scene) -> dict:
    return {"pk": RetentionRule.objects.get(code="channel-case-closed").pk}


# url name -> (persona, heading, kwargs) for the page walk.
RETENTION_PAGES = {
    "referrals:retention_reviews": ("coordinator", "Records past retention", lambda s: {}),
    "referrals:retention_review": ("coordinator", "Retention review", _review),
    "referrals:retention_rules": ("coordinator", "Retention rules", lambda s: {}),
    "referrals:retention_rule_edit": ("coordinator", "Channel case closed", _rule),
}


def _open_review(page, referral):
    row = page.get_by_role("row").filter(has_text=referral.reference)
    row.get_by_role("link").click()


@pytest.mark.browser
def test_coordinator_holds_one_record_deletes_another_and_lengthens_a_rule(
    open_page, browsing, world
):
    held = closed_long_ago(world, "Heldperson")
    deleted = closed_long_ago(world, "Deletedperson")
    retention_sweep(today=date(2026, 11, 22), acting_user=None)

    page = open_page(world.coordinator)
    page.goto("/")
    page.get_by_role("link", name="Records past retention").first.click()
    assert_page_is_usable(page, browsing, "Records past retention")
    expect(page.locator("main")).to_contain_text(held.reference)
    expect(page.locator("main")).not_to_contain_text("Heldperson")

    # A hold without a reason is refused and explained.
    _open_review(page, held)
    assert_page_is_usable(page, browsing, "Retention review")
    page.get_by_role("button", name="Apply legal hold").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter the reason for the legal hold")
    assert page.title().startswith("Error: ")
    assert_page_is_usable(page, browsing, "Retention review")
    page.get_by_label("Reason for the legal hold").fill("Needed for a fictional inquiry")
    page.get_by_role("button", name="Apply legal hold").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Legal hold applied")
    assert_page_is_usable(page, browsing, "Records past retention")
    expect(page.get_by_role("table", name="Records under legal hold")).to_contain_text(
        held.reference
    )

    # Approve deletion of the other: its referral is then not found by anyone.
    _open_review(page, deleted)
    page.get_by_role("button", name="Approve deletion").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Personal data deleted")
    assert_page_is_usable(page, browsing, "Records past retention")
    response = page.goto(reverse("referrals:detail", args=[deleted.pk]))
    assert response.status == 404

    # Lengthen the Channel rule.
    page.goto(reverse("referrals:retention_rules"))
    assert_page_is_usable(page, browsing, "Retention rules")
    page.get_by_role("link", name="Change Channel case closed").click()
    assert_page_is_usable(page, browsing, "Channel case closed")
    page.get_by_label("Years kept after closure").fill("10")
    page.get_by_role("button", name="Save rule").click()
    expect(page.get_by_role("row", name="Channel case closed")).to_contain_text("10")
    assert RetentionRule.objects.get(code="channel-case-closed").years == 10
