"""The Coordinator triages a referral to the Channel Panel in Chromium, with axe on every
page and error state along the way; an SPOC answers an information request."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from referrals.models import ChronologyEntry, InformationRequest, Outcome, Referral
from tests import factories
from tests.browser.pages import assert_page_is_usable, fill_date

pytestmark = pytest.mark.browser


def test_coordinator_triages_a_referral_to_the_channel_panel(open_page, browsing, world):
    referral = factories.referral(
        world.agency_b, received_on=timezone.localdate() - timedelta(days=9)
    )
    page = open_page(world.coordinator)
    page.goto("/")
    page.get_by_role("link", name="Triage queue").first.click()
    expect(page.locator("h1")).to_have_text("Triage queue")
    row = page.get_by_role("row", name=referral.reference)
    expect(row).to_contain_text("Over target")
    assert_page_is_usable(page, browsing, "Triage queue")

    row.get_by_role("link", name=referral.reference).click()
    expect(page.locator("#waiting")).to_contain_text("Waiting 9 days")
    assert_page_is_usable(page, browsing, f"Referral {referral.reference}")

    page.get_by_role("button", name="Assign officer").click()
    assert_page_is_usable(page, browsing, "Assign an officer")
    page.get_by_label("Assign to").select_option(label=world.coordinator.get_full_name())
    page.get_by_role("button", name="Assign").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Officer assigned")

    page.get_by_role("button", name="Record police gateway").click()
    page.get_by_role("button", name="Save gateway outcome").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Select the police gateway outcome"
    )
    assert page.title().startswith("Error: ")
    assert_page_is_usable(page, browsing, "Record the police gateway outcome")
    page.get_by_label("No live investigation: can proceed").check()
    fill_date(page, "Date of the check", timezone.localdate().strftime("%d/%m/%Y"))
    page.get_by_role("button", name="Save gateway outcome").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("gateway outcome")

    page.get_by_role("button", name="Record triage outcome").click()
    page.get_by_label("Passed to the Channel Panel").check()
    page.get_by_role("button", name="Save triage outcome").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the reason for the outcome")
    assert_page_is_usable(page, browsing, "Record the triage outcome")
    page.get_by_label("Reason for the outcome").fill("Vulnerable and at risk of being drawn in")
    page.get_by_role("button", name="Save triage outcome").click()

    expect(page.locator(".govuk-notification-banner")).to_contain_text("Triage outcome recorded")
    expect(page.locator("main")).to_contain_text("Passed to Channel Panel")
    chronology = page.locator("#chronology ~ ol")
    expect(chronology).to_contain_text("Triage outcome")
    expect(chronology).to_contain_text("Vulnerable and at risk of being drawn in")
    assert_page_is_usable(page, browsing, f"Referral {referral.reference}")

    referral.refresh_from_db()
    assert referral.status == Referral.Status.PASSED_TO_PANEL
    assert referral.outcome.code == Outcome.PASSED_TO_PANEL
    assert set(referral.chronology.values_list("kind", flat=True)) >= {
        ChronologyEntry.Kind.ASSIGNED,
        ChronologyEntry.Kind.GATEWAY,
        ChronologyEntry.Kind.OUTCOME,
    }


def test_spoc_answers_an_information_request(open_page, browsing, world):
    referral = factories.referral(world.agency_b)
    coordinator = open_page(world.coordinator)
    coordinator.goto(f"/referrals/{referral.pk}/triage/")
    coordinator.get_by_role("button", name="Request information").click()
    coordinator.get_by_label("Agency to ask").select_option(label="Agency A")
    coordinator.get_by_label("What do you need to know?").fill("Is the person known to you?")
    due = timezone.localdate() + timedelta(days=7)
    fill_date(coordinator, "Answer needed by", due.strftime("%d/%m/%Y"))
    coordinator.get_by_role("button", name="Send request").click()
    expect(coordinator.locator(".govuk-notification-banner")).to_contain_text(
        "Information requested"
    )

    page = open_page(world.spoc_a)
    page.goto("/")
    page.get_by_role("link", name="Information requests").first.click()
    assert_page_is_usable(page, browsing, "Information requests")
    page.get_by_role("link", name=f"Answer the request about referral {referral.reference}").click()
    page.get_by_role("button", name="Send answer").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your answer")
    assert_page_is_usable(page, browsing, "Answer an information request")
    page.get_by_label("Your answer").fill("Known to our youth team since last year.")
    page.get_by_role("button", name="Send answer").click()
    expect(page.locator("main")).to_contain_text(
        "There are no open information requests to your agency."
    )
    assert InformationRequest.objects.get().status == InformationRequest.Status.ANSWERED

    coordinator.reload()
    expect(coordinator.locator("#chronology ~ ol")).to_contain_text("Known to our youth team")
