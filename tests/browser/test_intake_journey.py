"""A referrer makes a referral in Chromium, one question per page, with axe on every page."""

import pytest
from playwright.sync_api import expect

from prevent_portal.outbox.models import Notification
from referrals.models import NeedsFlag, Referral, ReferralDraft
from tests import factories
from tests.browser.pages import assert_page_is_usable, follow_menu

pytestmark = pytest.mark.browser


def own_referral_kwargs(scene) -> dict:
    """A referral made by referrer A (the same one on every call), for its confirmation."""
    world = scene.world
    referral = Referral.objects.filter(referrer=world.referrer_a).first()
    if referral is None:
        referral = factories.referral(world.agency_a, referrer=world.referrer_a)
    return {"pk": referral.pk}


def _continue(page):
    page.get_by_role("button", name="Continue").click()


def test_referrer_makes_a_referral(open_page, browsing, world):
    page = open_page(world.referrer_a)
    page.goto("/")
    follow_menu(page, "Make a referral")
    assert_page_is_usable(page, browsing, "Make a referral")
    page.get_by_role("button", name="Start now").click()

    assert_page_is_usable(page, browsing, "What is the person's name?")
    page.get_by_label("First name").fill("Quill")
    page.get_by_label("Last name").fill("Fabricant")
    _continue(page)

    assert_page_is_usable(page, browsing, "What is the person's date of birth?")
    page.get_by_label("Day").fill("12")
    page.get_by_label("Month").fill("5")
    page.get_by_label("Year").fill("2999")
    _continue(page)
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Date of birth must be today or in the past")
    expect(summary).to_be_focused()
    assert page.title().startswith("Error: ")
    assert_page_is_usable(page, browsing, "What is the person's date of birth?")
    page.get_by_label("Year").fill("2010")
    _continue(page)

    assert_page_is_usable(page, browsing, "What is the person's gender?")
    page.get_by_label("Not known").check()
    _continue(page)

    assert_page_is_usable(page, browsing, "What is the person's address?")
    page.get_by_label("Address (optional)").fill("2 Invented Row")
    page.get_by_label("Postcode (optional)").fill("zz1 1zz")
    _continue(page)

    assert_page_is_usable(page, browsing, "Which school, college or employer")
    page.get_by_label("Which school, college or employer").fill("Made-up High School")
    _continue(page)

    assert_page_is_usable(page, browsing, "Other names the person is known by")
    page.get_by_label("Other names the person is known by").fill("Q Fab")
    _continue(page)

    assert_page_is_usable(page, browsing, "What is your concern?")
    page.get_by_label("What is your concern?").fill("Fictional concern: repeated remarks.")
    _continue(page)

    assert_page_is_usable(page, browsing, "What type of concern is it?")
    _continue(page)  # nothing chosen: an error, then choose one
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Select at least one type of concern"
    )
    assert_page_is_usable(page, browsing, "What type of concern is it?")
    page.locator("input[name=concern_types]").first.check()
    _continue(page)

    assert_page_is_usable(page, browsing, "needs or vulnerabilities")
    autism = NeedsFlag.objects.get(code=NeedsFlag.AUTISM).name
    page.get_by_label(autism).check()
    page.get_by_label("None or not known").check()  # exclusive: clears the others
    expect(page.get_by_label(autism)).not_to_be_checked()
    page.get_by_label(autism).check()
    expect(page.get_by_label("None or not known")).not_to_be_checked()
    _continue(page)

    assert_page_is_usable(page, browsing, "Does the person know about this referral?")
    page.get_by_label("Not aware").check()
    _continue(page)

    assert_page_is_usable(page, browsing, "Check your answers")
    answers = page.locator(".govuk-summary-list")
    for text in ["Quill Fabricant", "12 May 2010", "ZZ1 1ZZ", "Q Fab", autism, "Not aware"]:
        expect(answers).to_contain_text(text)
    page.get_by_role("link", name="Change gender").click()
    assert_page_is_usable(page, browsing, "What is the person's gender?")
    page.get_by_label("Female").check()
    _continue(page)
    expect(page.locator(".govuk-summary-list")).to_contain_text("Female")

    page.get_by_role("button", name="Accept and send").click()

    referral = Referral.objects.get(referrer=world.referrer_a)
    expect(page.locator(".govuk-panel")).to_contain_text(referral.reference)
    assert_page_is_usable(page, browsing, "Referral sent")
    assert referral.person.gender == "female"
    assert not ReferralDraft.objects.exists()
    assert Notification.objects.filter(
        recipient=world.coordinator, subject=f"New referral {referral.reference} received"
    ).exists()

    page.get_by_role("link", name="See the status of your referrals").click()
    assert_page_is_usable(page, browsing, "Your referrals")
    row = page.get_by_role("row", name=referral.reference)
    expect(row).to_contain_text("Received")


def test_referrer_deletes_a_draft(open_page, browsing, world):
    page = open_page(world.referrer_a)
    page.goto("/referrals/new/name/")
    page.get_by_label("First name").fill("Temp")
    page.get_by_label("Last name").fill("Orary")
    _continue(page)
    page.goto("/referrals/new/")
    expect(page.locator("main")).to_contain_text("You have a referral you have not sent")
    page.get_by_role("link", name="Delete your draft").click()
    assert_page_is_usable(page, browsing, "Delete your draft referral")
    page.get_by_role("button", name="Delete draft").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("deleted")
    assert_page_is_usable(page, browsing, "Make a referral")
    assert not ReferralDraft.objects.exists()
