"""Who may receive a share (security.md F12): only people in a case role, enforced in the one
helper every share goes through, with one message whatever the reason, so that the share
form cannot be used to learn which usernames exist."""

import re

import pytest
from django.urls import reverse

from prevent_portal.accounts import services as accounts
from prevent_portal.accounts.grants import SHARE_REFUSED_MESSAGE, ShareRefused, object_share
from prevent_portal.accounts.models import Membership, Role
from referrals.models import Referral, ReferralUserGrant
from tests import factories
from tests.conftest import sign_in


@pytest.fixture
def referral(world):
    return factories.referral(world.agency_b, referrer=world.referrer_b)


def _left(world):
    """An SPOC of agency A whose membership has ended."""
    user = factories.member(Role.SPOC, world.agency_a, username="left-spoc")
    accounts.membership_end(membership=Membership.objects.get(user=user), acting_user=None)
    return user


@pytest.mark.parametrize("who", ["manager", "sysadmin", "referrer_a", "no_role", "left"])
def test_object_share_refuses_anyone_outside_a_case_role(world, referral, who):
    user = _left(world) if who == "left" else getattr(world, who)
    with pytest.raises(ShareRefused) as refused:
        object_share(obj=referral, to_user=user, reason="x", acting_user=world.coordinator)
    assert str(refused.value) == SHARE_REFUSED_MESSAGE
    assert not ReferralUserGrant.objects.filter(user=user).exists()
    assert not Referral.objects.visible_to(user).filter(pk=referral.pk).exists()


@pytest.mark.parametrize("who", ["spoc_a", "panel_a", "chair"])
def test_object_share_accepts_case_roles(world, referral, who):
    user = getattr(world, who)
    object_share(obj=referral, to_user=user, reason="joint work", acting_user=world.coordinator)
    assert Referral.objects.visible_to(user).filter(pk=referral.pk).exists()


def _share(client, referral, username):
    return client.post(
        reverse("referrals:share", args=[referral.pk]),
        {"share_with": "user", "username": username, "reason": "Needs to know"},
    )


def test_the_share_form_says_the_same_for_no_such_user_and_a_refused_one(client, world, referral):
    sign_in(client, world.coordinator)
    answers = {}
    for username in ["nobody-by-this-name", world.manager.username, world.sysadmin.username]:
        response = _share(client, referral, username)
        assert response.status_code == 200
        html = response.content.decode()
        assert SHARE_REFUSED_MESSAGE in html
        assert "no active account" not in html.lower()
        # The page is the same but for the username typed back and the CSRF token.
        answers[username] = re.sub(r'value="[^"]*"', "", html.replace(username, ""))
    assert len(set(answers.values())) == 1
    assert not ReferralUserGrant.objects.exists()
    assert _share(client, referral, world.spoc_a.username).status_code == 302
    assert ReferralUserGrant.objects.filter(user=world.spoc_a).exists()
