"""The vulnerability assessment in Chromium (issue 17): the Coordinator records the initial
assessment of a new referral from the panel pack, the panel adopts it, a review changes
three factors, and the case page shows what changed. axe runs on every page.

ASSESSMENT_PAGES gives tests/browser/test_pages.py the assessment pages of its page walk."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from channel_panel import services
from tests import factories
from tests.browser.pages import assert_page_is_usable
from tests.browser.test_channel_cases_flows import OPEN_CASE, _walk_case, case_kwargs
from tests.browser.test_channel_meetings_flows import item_kwargs

pytestmark = pytest.mark.browser


def assessment_kwargs(scene) -> dict:
    case = _walk_case(scene.world, OPEN_CASE)
    return {"pk": case.pk, "assessment_pk": case.referral.vaf_assessments.first().pk}


# url name -> (persona, heading, kwargs) for the page walk of tests/browser/test_pages.py.
ASSESSMENT_PAGES = {
    "channel_panel:case_assessments": ("spoc_a", "Vulnerability assessments", case_kwargs),
    "channel_panel:case_assessment_detail": (
        "spoc_a",
        "Vulnerability assessment of",
        assessment_kwargs,
    ),
    "channel_panel:case_assessment_new": (
        "coordinator",
        "Review the vulnerability assessment",
        case_kwargs,
    ),
    # The walk's new referral has the factories' assessment: this is its review.
    "channel_panel:meeting_item_assessment": (
        "coordinator",
        "Review the vulnerability assessment",
        item_kwargs,
    ),
}


def _rate(page, code: str, rating: str, evidence: str | None = None) -> None:
    factor = page.locator(f"#factor-{code}")
    factor.get_by_label(rating, exact=True).check()
    if evidence is not None:
        factor.get_by_role("textbox").first.fill(evidence)


def test_initial_assessment_then_a_review_shows_what_changed(open_page, browsing, world):
    today = timezone.localdate()
    referral = factories.panel_referral(world.agency_a, assessed=False)
    meeting = factories.meeting(world.chair, today + timedelta(days=3))
    services.agenda_item_add(meeting=meeting, referral=referral, acting_user=world.chair)

    page = open_page(world.coordinator)
    page.goto(f"/panel/meetings/{meeting.pk}/pack/")
    expect(page.locator(".app-pack-item")).to_contain_text(
        "No vulnerability assessment has been completed"
    )
    page.get_by_role("link", name="Record the vulnerability assessment").click()
    assert_page_is_usable(page, browsing, "Record the vulnerability assessment")
    _rate(page, "identity-meaning-belonging", "Present", "Spends evenings in one forum")
    _rate(page, "them-and-us", "Present", "Messages shared by the school")
    page.get_by_label("Summary conclusion").fill("Vulnerable to being drawn in")
    page.get_by_label("Management plan").fill("Mentoring; review monthly")
    page.get_by_role("button", name="Complete the assessment").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("assessment completed")
    expect(page.locator(".app-pack-item")).to_contain_text("Vulnerable to being drawn in")

    case = services.case_adopt(
        referral=referral,
        lead_agency=world.agency_a,
        case_manager=world.spoc_a,
        meeting=meeting,
        adopted_on=today,
        acting_user=world.chair,
    )
    page.goto(f"/panel/cases/{case.pk}/")
    page.get_by_role("link", name="Record a review of the assessment").click()
    assert_page_is_usable(page, browsing, "Review the vulnerability assessment")
    # The review starts from the last assessment: change three factors.
    expect(page.locator("#factor-them-and-us").get_by_label("Present", exact=True)).to_be_checked()
    _rate(page, "identity-meaning-belonging", "Not present", "")
    _rate(page, "transitional-time", "Present", "Left college this term")
    _rate(page, "them-and-us", "Present", "Fewer messages; mentor notes")
    page.get_by_role("button", name="Complete the assessment").click()
    assert_page_is_usable(page, browsing, "Vulnerability assessments")

    page.goto(f"/panel/cases/{case.pk}/")
    changes = page.locator("#assessment-changes tbody tr")
    expect(changes).to_have_count(3)
    expect(changes.filter(has_text="Being at a transitional time of life")).to_contain_text(
        "Newly present"
    )
    expect(changes.filter(has_text="A need for identity, meaning and belonging")).to_contain_text(
        "No longer present"
    )
    expect(changes.filter(has_text="Them and Us thinking")).to_contain_text("Evidence changed")
    expect(page.locator("#assessment-changes caption")).to_contain_text(
        f"Changes from {today:%-d %B %Y} to {today:%-d %B %Y}"
    )
    assert_page_is_usable(page, browsing, case.reference)
