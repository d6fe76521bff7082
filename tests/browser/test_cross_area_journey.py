"""Issue 18: a partner's SPOC whose agency serves two council areas works cases in both, in
Chromium: the referral list names each referral's area, a referral of each area opens, an
information request from the second area's Coordinator is answered, and a referral is sent
to the first area, chosen on the intake's council-area question (axe on every page and error
state along the way)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from prevent_portal.areas.models import Area
from referrals.models import InformationRequest, Referral
from referrals.services import information_request_create
from tests import factories
from tests.areas.conftest import other_area_build
from tests.browser.pages import assert_page_is_usable
from tests.conftest import sign_in
from tests.referrals.test_intake import fill_in

pytestmark = pytest.mark.browser


def test_a_spoc_serving_two_areas_works_cases_in_both(open_page, browsing, world):
    here = Area.objects.get()
    elsewhere = other_area_build()
    world.agency_a.areas.add(elsewhere.area)  # agency A serves both councils
    in_here = factories.referral(world.agency_a, person=factories.PersonFactory(area=here))
    in_elsewhere = factories.referral(
        world.agency_a, person=factories.PersonFactory(area=elsewhere.area)
    )
    information_request_create(
        referral=in_elsewhere,
        agency=world.agency_a,
        question="Is the person known to you?",
        due_on=timezone.localdate() + timedelta(days=7),
        acting_user=elsewhere.coordinator,
    )

    page = open_page(world.spoc_a)
    page.goto(reverse("referrals:list"))
    expect(page.locator("thead")).to_contain_text("Council area")
    expect(page.get_by_role("row", name=in_here.reference)).to_contain_text(here.name)
    expect(page.get_by_role("row", name=in_elsewhere.reference)).to_contain_text(
        elsewhere.area.name
    )
    assert_page_is_usable(page, browsing, "Referrals")
    for referral, area in ((in_here, here), (in_elsewhere, elsewhere.area)):
        page.goto(reverse("referrals:list"))
        page.get_by_role("link", name=referral.reference).click()
        expect(page.locator("h1")).to_contain_text(referral.reference)
        expect(page.locator("main")).to_contain_text(area.name)

    # In the second area: answer its Coordinator's information request.
    page.goto("/")
    page.get_by_role("link", name="Information requests").first.click()
    page.get_by_role(
        "link", name=f"Answer the request about referral {in_elsewhere.reference}"
    ).click()
    page.get_by_label("Your answer").fill("Known to our team since last year.")
    page.get_by_role("button", name="Send answer").click()
    expect(page.locator("main")).to_contain_text(
        "There are no open information requests to your agency."
    )
    assert InformationRequest.objects.get().status == InformationRequest.Status.ANSWERED

    # In the first area: a referral, its area chosen. The questions are answered as the
    # intake tests answer them; the browser sends it from check your answers.
    client = Client()
    sign_in(client, world.spoc_a)
    fill_in(client)
    page.goto(reverse("referrals:intake_check"))
    page.get_by_role("button", name="Accept and send").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select the council area the person lives in")
    summary.get_by_role("link", name="Select the council area the person lives in").click()
    assert_page_is_usable(page, browsing, "Which council area does the person live in?")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    assert page.title().startswith("Error: ")
    assert_page_is_usable(page, browsing, "Which council area does the person live in?")
    page.get_by_label(here.name).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("main")).to_contain_text(here.name)  # check your answers
    page.get_by_role("button", name="Accept and send").click()
    made = Referral.objects.exclude(pk__in=[in_here.pk, in_elsewhere.pk]).get()
    expect(page.locator("main")).to_contain_text(made.reference)
    assert made.area == here
