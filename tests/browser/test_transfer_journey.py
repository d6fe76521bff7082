"""Transfer between council areas in Chromium (issue 18): the sending Coordinator proposes
a transfer from the referral's page (an empty form first, and its error summary), the
receiving area's Coordinator finds it waiting on their home page, reads the summary and
accepts; the record, with "Transferred from" in its history, is then theirs, and the sender
finds nothing at its address. axe runs on every page opened.

Also the kwargs helpers the page walk (test_pages.py) uses to reach the transfer pages.
"""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from referrals.models import AreaTransfer
from tests import factories
from tests.areas.conftest import two_areas  # noqa: F401 - the fixture
from tests.browser.pages import assert_page_is_usable


def _transfer(scene) -> dict:
    """A waiting transfer of the scene's referral, made for the walk (its two areas the
    world's: the walk has one area, and only the pages are walked)."""
    referral = scene.referral
    transfer = AreaTransfer.objects.filter(referral=referral).first()
    if transfer is None:
        transfer = AreaTransfer.objects.create(
            kind=AreaTransfer.Kind.REFERRAL,
            referral=referral,
            reference=referral.reference,
            from_area_id=referral.area_id,
            to_area_id=referral.area_id,
            summary="Moved house in May.",
            proposed_by=scene.world.coordinator,
            proposed_at=timezone.now(),
        )
    return {"pk": transfer.pk}


# url name -> (persona, heading, kwargs) for the page walk.
TRANSFER_PAGES = {
    "referrals:transfer_list": ("coordinator", "Transfers between council areas", lambda s: {}),
    "referrals:transfer_detail": ("coordinator", "Transfer from", _transfer),
    "referrals:transfer_propose": (
        "coordinator",
        "Transfer to another council area",
        lambda s: {"pk": s.referral.pk},
    ),
}


@pytest.mark.browser
def test_a_transfer_is_proposed_accepted_and_the_record_moves(
    open_page,
    browsing,
    world,
    two_areas,  # noqa: F811
):
    there = two_areas.elsewhere
    referral = factories.referral(world.council)
    page = open_page(world.coordinator)
    page.goto(f"/referrals/{referral.pk}/")
    page.get_by_role("button", name="Transfer to another council area").click()
    assert_page_is_usable(page, browsing, "Transfer to another council area")
    page.get_by_role("button", name="Propose the transfer").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a summary")
    assert_page_is_usable(page, browsing, "Transfer to another council area")
    page.get_by_label(there.area.name).check()
    page.get_by_label("Summary for the receiving area's Prevent Coordinator").fill(
        "Moved to Westbrook in May; support from the college continues."
    )
    page.get_by_role("button", name="Propose the transfer").click()
    assert_page_is_usable(page, browsing, f"Transfer from {two_areas.here.name}")
    expect(page.locator("[data-transfer-status]")).to_have_text("Waiting for the receiving area")

    receiver = open_page(there.coordinator)
    receiver.goto("/")
    receiver.get_by_role("link", name="1 transfer from another council area waiting").click()
    assert_page_is_usable(receiver, browsing, "Transfers between council areas")
    receiver.get_by_role("link", name="Read the summary").click()
    assert_page_is_usable(receiver, browsing, f"Transfer from {two_areas.here.name}")
    expect(receiver.locator("main")).to_contain_text("support from the college continues")
    expect(receiver.locator("main")).not_to_contain_text(referral.person.family_name)
    receiver.get_by_role("button", name="Accept the transfer").click()
    assert_page_is_usable(receiver, browsing, referral.reference)
    expect(receiver.locator("[data-transferred-from]").first).to_contain_text(
        f"Transferred from {two_areas.here.name} on"
    )
    expect(receiver.locator("main")).to_contain_text(referral.person.family_name)

    response = page.goto(f"/referrals/{referral.pk}/")
    assert response.status == 404
