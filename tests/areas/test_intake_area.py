"""The intake's council-area question (issue 18): a partner serving several council areas
says which area the referral goes to; an agency serving one is never asked."""

from __future__ import annotations

import pytest
from django.urls import reverse

from referrals.models import Referral, ReferralDraft
from tests.conftest import sign_in
from tests.referrals.test_intake import fill_in, url

AREA_URL = reverse("referrals:intake_area")


@pytest.fixture
def serving_both(world, two_areas):
    """Agency A (the world's referrer's) serves the second area too."""
    world.agency_a.areas.add(two_areas.elsewhere.area)
    return two_areas


def test_a_partner_serving_two_areas_chooses_the_area_and_the_referral_goes_there(
    client, world, serving_both
):
    elsewhere = serving_both.elsewhere.area
    sign_in(client, world.referrer_a)
    start = client.get(url("intake_start")).content.decode()
    assert f'href="{AREA_URL}"' in start  # the first question is the area
    page = client.get(AREA_URL).content.decode()
    assert "Which council area does the person live in?" in page
    assert serving_both.here.name in page and elsewhere.name in page
    assert 'type="radio"' in page

    response = client.post(AREA_URL, {"area": str(elsewhere.pk)})
    assert response.status_code == 302 and response.url == url("intake_name")
    fill_in(client)
    check = client.get(url("intake_check")).content.decode()
    assert "Council area" in check and elsewhere.name in check
    assert client.post(url("intake_check")).status_code == 302
    referral = Referral.objects.get()
    assert referral.area == elsewhere and referral.person.area == elsewhere


def test_leaving_the_area_out_is_an_error_in_the_summary_and_nothing_is_kept(
    client, world, serving_both
):
    sign_in(client, world.referrer_a)
    response = client.post(AREA_URL, {})
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert 'href="#id_area' in page
    assert "Select the council area the person lives in" in page
    assert not ReferralDraft.objects.filter(author=world.referrer_a).exists()


def test_an_area_the_agency_does_not_serve_is_refused(client, world, serving_both):
    from prevent_portal.areas.models import Area

    third = Area.objects.create(name="Thirdshire", short_code="thirdshire")
    sign_in(client, world.referrer_a)
    response = client.post(AREA_URL, {"area": str(third.pk)})
    assert response.status_code == 200
    assert "Select the council area the person lives in" in response.content.decode()
    assert not ReferralDraft.objects.filter(author=world.referrer_a).exists()


def test_submitting_without_the_area_sends_the_referrer_to_the_question(
    client, world, serving_both
):
    sign_in(client, world.referrer_a)
    fill_in(client)
    page = client.post(url("intake_check")).content.decode()
    assert "Select the council area the person lives in" in page
    assert f'href="{AREA_URL}?change=1"' in page
    assert not Referral.objects.exists()


def test_a_single_area_agency_is_not_asked(client, world):
    sign_in(client, world.referrer_a)
    start = client.get(url("intake_start")).content.decode()
    assert f'href="{AREA_URL}"' not in start
    response = client.get(AREA_URL)  # typed in: straight on to the first question
    assert response.status_code == 302 and response.url == url("intake_name")
    fill_in(client)
    assert "Council area" not in client.get(url("intake_check")).content.decode()
