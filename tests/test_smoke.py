from django.urls import reverse

from tests.conftest import sign_in


def test_sign_in_page_is_govuk_styled(client, db):
    response = client.get(reverse("accounts:sign_in"))
    assert response.status_code == 200
    assert b"govuk-header" in response.content
    assert b"Sign in to" in response.content


def test_coordinator_home_lists_referrals(client, world):
    sign_in(client, world.coordinator)
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    assert b"Referrals" in response.content
