"""Setting up a second factor (issue 14, F8): only through a one-time link that expires;
the session key changes at the security-code step; single-use backup codes."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_portal.accounts import enrolment
from prevent_portal.accounts.models import EnrolmentLink
from prevent_portal.outbox.models import Notification
from tests import factories
from tests.accounts.test_sign_in import CODE, current_code, password_step
from tests.conftest import sign_in

SET_UP = "/sign-in/set-up-authenticator/"


@pytest.fixture
def starter(world):
    """A referrer whose account was just made: no authenticator yet."""
    user = factories.UserFactory(username="starter")
    from prevent_portal.accounts import services

    services.membership_grant(user=user, agency=world.agency_a, role="referrer")
    return user


def set_up_with_code(client) -> object:
    device = TOTPDevice.objects.get(user__username="starter", confirmed=False)
    return client.post(SET_UP, {"token": current_code(device)})


def test_password_alone_cannot_enrol_an_authenticator(client, starter):
    password_step(client, "starter")
    page = client.get(SET_UP)
    assert page.status_code == 200
    content = page.content.decode()
    assert "You need a set-up link" in content
    assert "ask your system administrator" in content
    assert "Setup key" not in content
    assert not TOTPDevice.objects.filter(user=starter).exists()


def test_one_time_link_lets_the_person_enrol_once(client, starter, world):
    link = enrolment.enrolment_link_send(user=starter, acting_user=world.sysadmin)
    note = Notification.objects.get(recipient=starter, kind="accounts.enrolment_link")
    assert link.token in note.body and "72 hours" in note.body
    assert not EnrolmentLink.objects.filter(token_hash=link.token).exists()  # only a hash kept

    client.get(reverse("accounts:enrol", args=[link.token]))
    password_step(client, "starter")
    assert "Setup key" in client.get(SET_UP).content.decode()
    response = set_up_with_code(client)
    assert response.status_code == 302 and response.url == reverse("accounts:backup_codes")
    assert client.get("/").status_code == 200

    # The link is used up: a second visit is refused.
    other = client.__class__()
    response = other.get(reverse("accounts:enrol", args=[link.token]))
    assert response.status_code == 404
    assert "This set-up link does not work" in response.content.decode()


def test_expired_link_does_not_work(client, starter, world):
    link = enrolment.enrolment_link_send(user=starter, acting_user=world.sysadmin)
    EnrolmentLink.objects.filter(pk=link.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert client.get(reverse("accounts:enrol", args=[link.token])).status_code == 404
    password_step(client, "starter")
    assert "You need a set-up link" in client.get(SET_UP).content.decode()


def test_someone_elses_link_does_not_enrol_this_account(client, starter, world):
    other = factories.UserFactory(username="other-starter")
    link = enrolment.enrolment_link_send(user=other, acting_user=world.sysadmin)
    client.get(reverse("accounts:enrol", args=[link.token]))
    password_step(client, "starter")
    assert "You need a set-up link" in client.get(SET_UP).content.decode()


def test_new_link_cancels_the_old_one(starter, world):
    first = enrolment.enrolment_link_send(user=starter, acting_user=world.sysadmin)
    enrolment.enrolment_link_send(user=starter, acting_user=world.sysadmin)
    assert enrolment.enrolment_link_find(first.token) is None


def test_administrator_sends_a_set_up_link_only_where_it_helps(client, starter, world):
    """From the account page (issue 16: no longer a Django admin action): a link for someone
    who can sign in but has no authenticator app; refused, with the reason, for someone who
    has one (reset it instead) or never chose a password (send a new invitation)."""
    sign_in(client, world.sysadmin)
    url = reverse("accounts:account_setup_link_send", args=[starter.pk])
    page = client.get(reverse("accounts:account_detail", args=[starter.pk])).content.decode()
    assert url in page
    response = client.post(url)
    assert (
        "link to set up the authenticator app was sent" in client.get(response.url).content.decode()
    )
    link = EnrolmentLink.objects.get(user=starter, created_by=world.sysadmin)
    assert Notification.objects.filter(recipient=starter, kind="accounts.enrolment_link").exists()
    # Someone with an app: nothing sent, and the page offers a reset instead.
    has_app = reverse("accounts:account_setup_link_send", args=[world.referrer_a.pk])
    response = client.post(has_app)
    assert "reset it instead" in client.get(response.url).content.decode()
    invited = factories.UserFactory(username="invited")
    invited.set_unusable_password()
    invited.save()
    response = client.post(reverse("accounts:account_setup_link_send", args=[invited.pk]))
    assert "send a new invitation instead" in client.get(response.url).content.decode()
    assert EnrolmentLink.objects.exclude(pk=link.pk).count() == 0


def test_session_key_changes_at_the_security_code_step(client, world):
    password_step(client, "spoc-a")
    before = client.session.session_key
    device = TOTPDevice.objects.get(user=world.spoc_a)
    client.post(CODE, {"token": current_code(device)})
    assert client.session.session_key != before
    assert client.get("/").status_code == 200


# --- Backup codes -------------------------------------------------------------------------------


def test_backup_codes_are_shown_once_at_enrolment(client, starter, world):
    link = enrolment.enrolment_link_send(user=starter, acting_user=world.sysadmin)
    client.get(reverse("accounts:enrol", args=[link.token]))
    password_step(client, "starter")
    client.get(SET_UP)
    set_up_with_code(client)
    codes = list(StaticToken.objects.filter(device__user=starter).values_list("token", flat=True))
    assert len(codes) == enrolment.BACKUP_CODE_COUNT
    first = client.get(reverse("accounts:backup_codes")).content.decode()
    assert all(code in first for code in codes)
    again = client.get(reverse("accounts:backup_codes")).content.decode()
    assert not any(code in again for code in codes)
    assert "You have 10 unused backup codes" in again


def test_backup_code_signs_in_once(client, world):
    codes = enrolment.backup_codes_generate(user=world.spoc_a)
    password_step(client, "spoc-a")
    response = client.post(CODE, {"token": codes[0].upper()})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    client.post(reverse("accounts:sign_out"))

    password_step(client, "spoc-a")
    response = client.post(CODE, {"token": codes[0]})
    assert b"wrong or has already been used" in response.content
    assert client.get("/referrals/").status_code == 302


def test_new_backup_codes_replace_the_old_ones(client, world):
    old = enrolment.backup_codes_generate(user=world.spoc_a)
    sign_in(client, world.spoc_a)
    response = client.post(reverse("accounts:backup_codes"))
    assert response.status_code == 302
    page = client.get(reverse("accounts:backup_codes")).content.decode()
    new = list(
        StaticToken.objects.filter(device__user=world.spoc_a).values_list("token", flat=True)
    )
    assert all(code in page for code in new)
    assert not set(old) & set(new)
