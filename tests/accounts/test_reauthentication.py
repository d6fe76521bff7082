"""Sensitive actions ask "Confirm it's you" when the last sign-in is older than
REAUTH_MAX_AGE_SECONDS: sharing, exports of personal data, account security."""

import time

import pytest
from django.urls import resolve, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_portal.accounts.reauth import SESSION_AUTHENTICATED_AT
from referrals.services import referral_share
from tests import factories
from tests.accounts.test_sign_in import CODE, current_code, password_step
from tests.conftest import sign_in
from tests.factories import TEST_PASSWORD
from tests.permissions.urlwalk import all_routes

CONFIRM = "/sign-in/confirm/"


@pytest.fixture(autouse=True)
def _strict(settings):
    settings.REAUTH_MAX_AGE_SECONDS = 900
    settings.AXES_FAILURE_LIMIT = 3


@pytest.fixture
def referral(world):
    return factories.referral(world.agency_a, referrer=world.referrer_a)


def go_stale(client, seconds=901):
    session = client.session
    session[SESSION_AUTHENTICATED_AT] = time.time() - seconds
    session.save()


def confirm(client, user, *, next_url, password=TEST_PASSWORD, code=None):
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return client.post(
        f"{CONFIRM}?next={next_url}",
        {"password": password, "token": code or current_code(device)},
    )


def test_stale_session_is_asked_to_confirm_before_sharing(client, world, referral):
    sign_in(client, world.coordinator)
    go_stale(client)
    share = reverse("referrals:share", args=[referral.pk])
    response = client.get(share)
    assert response.status_code == 302
    assert response.url == f"{CONFIRM}?next=%2Freferrals%2F{referral.pk}%2Fshare%2F"
    page = client.get(response.url)
    assert "Confirm it’s you" in page.content.decode()


def test_confirming_returns_to_the_action_which_then_works(client, world, referral):
    sign_in(client, world.coordinator)
    go_stale(client)
    share = reverse("referrals:share", args=[referral.pk])
    response = confirm(client, world.coordinator, next_url=share)
    assert response.status_code == 302 and response.url == share
    assert client.get(share).status_code == 200
    response = client.post(
        share,
        {"share_with": "agency", "agency": world.agency_b.pk, "reason": "joint working"},
    )
    assert response.status_code == 302
    assert referral.group_grants.filter(group=world.agency_b.group).exists()


def test_fresh_sign_in_is_not_asked_again(client, world, referral):
    sign_in(client, world.coordinator)
    go_stale(client, seconds=899)
    assert client.get(reverse("referrals:share", args=[referral.pk])).status_code == 200


def test_the_real_sign_in_counts_as_fresh_authentication(client, world, referral):
    password_step(client, "coordinator")
    device = TOTPDevice.objects.get(user=world.coordinator)
    client.post(CODE, {"token": current_code(device)})
    assert client.get(reverse("referrals:share", args=[referral.pk])).status_code == 200


def test_wrong_security_code_shows_an_error_and_does_not_confirm(client, world, referral):
    sign_in(client, world.coordinator)
    go_stale(client)
    share = reverse("referrals:share", args=[referral.pk])
    response = confirm(client, world.coordinator, next_url=share, code="000000")
    content = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in content and "<title>Error: " in content
    assert "The security code is wrong or has already been used" in content
    assert client.get(share).status_code == 302


def test_wrong_password_shows_an_error_and_locks_out_like_sign_in(client, world, referral):
    sign_in(client, world.coordinator)
    go_stale(client)
    share = reverse("referrals:share", args=[referral.pk])
    response = confirm(client, world.coordinator, next_url=share, password="not it")
    assert response.status_code == 200
    assert "The password is wrong" in response.content.decode()
    confirm(client, world.coordinator, next_url=share, password="not it")
    confirm(client, world.coordinator, next_url=share, password="not it")
    # Locked out now: even the right password and code are refused.
    response = confirm(client, world.coordinator, next_url=share)
    assert response.status_code == 429
    assert client.get(share).status_code == 302


def test_a_used_security_code_cannot_confirm_again(client, world, referral):
    sign_in(client, world.coordinator)
    device = TOTPDevice.objects.get(user=world.coordinator)
    code = current_code(device)
    share = reverse("referrals:share", args=[referral.pk])
    go_stale(client)
    assert confirm(client, world.coordinator, next_url=share, code=code).status_code == 302
    go_stale(client)
    response = confirm(client, world.coordinator, next_url=share, code=code)
    assert response.status_code == 200


def test_a_stale_post_goes_back_to_the_form_it_came_from(client, world, referral):
    grant = referral_share(
        referral=referral, to_agency=world.agency_b, reason="joint", acting_user=world.coordinator
    )
    sign_in(client, world.coordinator)
    go_stale(client)
    detail = reverse("referrals:detail", args=[referral.pk])
    revoke = reverse("referrals:share_revoke", args=[referral.pk, "agency", grant.pk])
    response = client.post(revoke, HTTP_REFERER=f"http://testserver{detail}")
    assert response.status_code == 302
    assert response.url == f"{CONFIRM}?next=%2Freferrals%2F{referral.pk}%2F"
    assert referral.group_grants.filter(pk=grant.pk).exists()  # nothing done yet
    response = confirm(client, world.coordinator, next_url=detail)
    assert response.url == detail


def test_confirm_page_never_redirects_off_site(client, world):
    sign_in(client, world.coordinator)
    go_stale(client)
    response = confirm(client, world.coordinator, next_url="https://evil.example/")
    assert response.status_code == 302 and response.url == "/"


def test_panel_pack_pdf_asks_a_stale_session_to_confirm(client, world):
    sign_in(client, world.chair)
    go_stale(client)
    # The check comes before the meeting is looked up: nothing is learnt about meeting 999.
    response = client.get(reverse("channel_panel:pack_pdf", args=[999]))
    assert response.status_code == 302 and response.url.startswith(CONFIRM)


def test_inviting_someone_to_a_meeting_asks_a_stale_session_to_confirm(client, world):
    """An invitation opens the panel pack to the invitee: like a share, it needs a recent
    sign-in, and nothing is invited until the chair has confirmed."""
    meeting = factories.meeting(world.chair)
    sign_in(client, world.chair)
    go_stale(client)
    invited = meeting.invitees.count()
    url = reverse("channel_panel:meeting_invitee_add", args=[meeting.pk])
    response = client.post(url, {"person": "x"}, HTTP_REFERER=f"http://testserver{url}")
    assert response.status_code == 302 and response.url.startswith(CONFIRM)
    assert meeting.invitees.count() == invited
    assert confirm(client, world.chair, next_url=url).url == url
    assert client.get(url).status_code == 200


def test_changes_to_an_account_need_fresh_authentication(client, world):
    sign_in(client, world.sysadmin)
    go_stale(client)
    detail = reverse("accounts:account_detail", args=[world.spoc_a.pk])
    assert client.get(detail).status_code == 200  # looking is fine
    edit = reverse("accounts:account_edit", args=[world.spoc_a.pk])
    response = client.post(
        edit, {"email": "x@example.org"}, HTTP_REFERER=f"http://testserver{edit}"
    )
    assert response.status_code == 302 and response.url.startswith(CONFIRM)
    reset = reverse("accounts:account_authenticator_reset", args=[world.spoc_a.pk])
    response = client.post(reset, HTTP_REFERER=f"http://testserver{detail}")
    assert response.status_code == 302 and response.url.startswith(CONFIRM)
    assert TOTPDevice.objects.filter(user=world.spoc_a).exists()
    assert not world.spoc_a.change_requests.exists()


SENSITIVE = {
    "referrals:share",
    "referrals:share_revoke",
    "channel_panel:pack_pdf",
    "channel_panel:pack_pdf_prepare",
    "channel_panel:meeting_invitee_add",
    "accounts:account_deactivate",
    # The system administrator's changes to someone else's account (issue 16).
    "accounts:account_create",
    "accounts:account_edit",
    "accounts:account_identity",
    "accounts:account_identity_unlink",
    "accounts:account_authenticator_reset",
    "accounts:account_setup_link_send",
    "accounts:account_reactivate",
    "accounts:account_role_add",
    "accounts:account_role_end",
    "accounts:account_invitation_resend",
}


def test_sensitive_actions_are_marked_for_fresh_authentication():
    marked = {
        route.key
        for route in all_routes()
        if not route.key.startswith("admin:")
        and getattr(resolve(_sample(route)).func, "recent_authentication_required", False)
    }
    missing = SENSITIVE - marked
    assert not missing, f"no longer ask for fresh authentication: {sorted(missing)}"


def _sample(route) -> str:
    return route.path({param: "1" for param in route.params})
