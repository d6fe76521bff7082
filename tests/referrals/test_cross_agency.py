"""Issue 3's side channels: nothing of agency B's reaches agency A, in any form."""

from datetime import timedelta

import pytest
from django.utils import timezone

from prevent_portal.accounts.grants import object_share
from tests import factories
from tests.conftest import sign_in

LIST_PAGES = ["/referrals/", "/referrals/mine/"]


@pytest.fixture
def b_referral(world):
    person = factories.PersonFactory(given_name="Ottoline", family_name="Brackenbury")
    return factories.referral(world.agency_b, referrer=world.referrer_b, person=person)


def _pages_of(client, paths):
    return "".join(
        client.get(p).content.decode() for p in paths if client.get(p).status_code == 200
    )


def test_referrer_at_a_cannot_open_or_list_agency_b_referrals(client, world, b_referral):
    sign_in(client, world.referrer_a)
    assert client.get(f"/referrals/{b_referral.pk}/").status_code == 404
    text = _pages_of(client, LIST_PAGES)
    assert b_referral.reference not in text and "Brackenbury" not in text


def test_spoc_at_a_sees_b_referral_only_while_a_share_is_live(client, world, b_referral):
    grant = object_share(
        obj=b_referral,
        to_agency=world.agency_a,
        reason="joint working",
        acting_user=world.coordinator,
        expires_at=timezone.now() + timedelta(days=1),
    )
    sign_in(client, world.spoc_a)
    assert client.get(f"/referrals/{b_referral.pk}/").status_code == 200
    assert b_referral.reference in client.get("/referrals/").content.decode()
    type(grant).objects.filter(pk=grant.pk).update(expires_at=timezone.now() - timedelta(1))
    assert client.get(f"/referrals/{b_referral.pk}/").status_code == 404
    assert b_referral.reference not in client.get("/referrals/").content.decode()


def test_referrer_at_a_does_not_see_b_referral_shared_with_agency_a(client, world, b_referral):
    """Agency shares reach the agency's case roles, not its referrers."""
    object_share(
        obj=b_referral, to_agency=world.agency_a, reason="x", acting_user=world.coordinator
    )
    sign_in(client, world.referrer_a)
    assert client.get(f"/referrals/{b_referral.pk}/").status_code == 404


def test_manager_gets_aggregates_and_no_personal_data(client, world, b_referral):
    sign_in(client, world.manager)
    assert client.get(f"/referrals/{b_referral.pk}/").status_code == 404
    assert client.get("/referrals/").status_code == 403
    stats = client.get("/referrals/statistics/")
    assert stats.status_code == 200
    csv = client.get("/referrals/statistics/?format=csv").content.decode()
    for text in [stats.content.decode(), csv]:
        assert "Brackenbury" not in text and b_referral.reference not in text
