"""Issue 18's journey: a cross-area repeat match leads to a request, not a disclosure.

Area B's Coordinator triages a referral whose person is known in area A (the world's). They
see "Known in A", ask A's Coordinator, A's Coordinator replies with a summary, and B's
Coordinator reads it. At no point does a page of B's show A's person's name. Each new page
passes axe.
"""

from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests import factories
from tests.areas.conftest import other_area_build
from tests.browser.pages import assert_page_is_usable

pytestmark = pytest.mark.browser

A_NAME = "Quennell"


def _assert_no_a(page):
    text = page.locator("body").inner_text()
    assert A_NAME not in text and "QA1 2BB" not in text and "5 March 2001" not in text


def test_a_cross_area_match_leads_to_a_request_not_a_disclosure(open_page, browsing, world):
    known = factories.PersonFactory(
        given_name="Orlaith",
        family_name=A_NAME,
        date_of_birth=date(2001, 3, 5),
        postcode="QA1 2BB",
    )
    factories.referral(world.agency_a, person=known)
    area_a = known.area
    b = other_area_build()
    theirs = factories.PersonFactory(
        area=b.area,
        given_name="Orlaith",
        family_name="Quennel",
        date_of_birth=date(2001, 3, 4),
        postcode="QA1 9ZZ",
    )
    referral_b = factories.referral(b.partner, person=theirs)

    page_b = open_page(b.coordinator)
    page_b.goto(reverse("referrals:earlier_referrals", args=[referral_b.pk]))
    card = page_b.locator(".govuk-summary-card", has_text=f"Known in {area_a.name}")
    expect(card).to_contain_text("contact their Coordinator")
    _assert_no_a(page_b)
    assert_page_is_usable(page_b, browsing, "Earlier referrals")

    card.get_by_role("button", name=f"Ask {area_a.name}'s Coordinator for information").click()
    page_b.get_by_role("button", name="Send the request").click()  # no reason yet
    expect(page_b.locator(".govuk-error-summary")).to_contain_text(
        "Enter why you need to know what the other area knows"
    )
    assert_page_is_usable(page_b, browsing, f"Ask {area_a.name}'s Coordinator")
    page_b.get_by_label("Why do you need to know what they know?").fill(
        "Moved here last month: any risk we should know of?"
    )
    page_b.get_by_role("button", name="Send the request").click()
    expect(page_b.locator(".govuk-notification-banner")).to_contain_text("Request sent")
    expect(page_b.locator("#area-requests-sent")).to_contain_text("Awaiting a reply")
    _assert_no_a(page_b)

    page_a = open_page(world.coordinator)
    page_a.goto(reverse("referrals:area_requests"))
    assert_page_is_usable(page_a, browsing, "Requests between council areas")
    page_a.get_by_role("link", name=f"Request from {b.area.name}").click()
    expect(page_a.locator("#area-request-matches")).to_contain_text(f"Orlaith {A_NAME}")
    assert_page_is_usable(page_a, browsing, f"{b.area.name}'s Coordinator asks")
    page_a.get_by_label("Summary to share").fill("Known here in 2024; closed at triage.")
    page_a.get_by_role("button", name="Share this summary").click()
    expect(page_a.locator(".govuk-notification-banner")).to_contain_text("Summary shared")

    page_b.goto(reverse("referrals:earlier_referrals", args=[referral_b.pk]))
    expect(page_b.locator("#area-requests-sent")).to_contain_text(
        "Known here in 2024; closed at triage."
    )
    _assert_no_a(page_b)
    page_b.goto(reverse("referrals:area_requests"))
    _assert_no_a(page_b)


# --- The page walk (tests/browser/test_pages.py) and the read-coverage walk ----------------
WALK_CODE = "westbrook-walk"


def cross_area_scene(scene) -> dict:
    """A second area whose person matches one of the world's, with a request each way: from
    it to the world's area (the world's Coordinator replies) and from the world's area to it
    (the world's Coordinator's sent list). Made once; later calls find it."""
    from prevent_portal.areas.models import Area
    from referrals.models import CrossAreaRequest
    from referrals.services import cross_area_request_send

    world = scene.world
    area = Area.objects.filter(short_code=WALK_CODE).first()
    if area is None:
        here_person = factories.PersonFactory(
            given_name="Orlaith", family_name=A_NAME, date_of_birth=date(2001, 3, 5)
        )
        here = factories.referral(world.agency_a, person=here_person)
        b = other_area_build("Westbrook walk", WALK_CODE)
        area = b.area
        theirs = factories.referral(
            b.partner,
            person=factories.PersonFactory(
                area=area,
                given_name="Orlaith",
                family_name="Quennel",
                date_of_birth=date(2001, 3, 5),
            ),
        )
        cross_area_request_send(
            referral=theirs, holding_area=here.area, reason="Moved here", acting_user=b.coordinator
        )
        cross_area_request_send(
            referral=here, holding_area=area, reason="Known there?", acting_user=world.coordinator
        )
    asked = CrossAreaRequest.objects.get(requesting_area=area)
    sent = CrossAreaRequest.objects.get(holding_area=area)
    return {"asked": asked.pk, "sent_referral": sent.referral_id, "area": area.pk}


def _ask(scene) -> dict:
    found = cross_area_scene(scene)
    return {"pk": found["sent_referral"], "area_pk": found["area"]}


def _reply(scene) -> dict:
    return {"request_pk": cross_area_scene(scene)["asked"]}


def _list(scene) -> dict:
    cross_area_scene(scene)
    return {}


# url name -> (persona, heading, kwargs): the world's Coordinator on each page.
CROSS_AREA_PAGES = {
    "referrals:area_request_new": ("coordinator", "Ask Westbrook walk's Coordinator", _ask),
    "referrals:area_requests": ("coordinator", "Requests between council areas", _list),
    "referrals:area_request_reply": ("coordinator", "Westbrook walk's Coordinator asks", _reply),
}
