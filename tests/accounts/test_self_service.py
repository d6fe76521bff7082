"""A person's own account (issue 16): forgot password, changing it, recent sign-ins and
"sign out everywhere else"."""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_portal.accounts import enrolment, services
from prevent_portal.accounts.models import (
    AccountChangeRequest,
    ExternalIdentity,
    SignInEvent,
)
from prevent_portal.outbox.models import Notification
from tests.accounts.test_sign_in import CODE, current_code, password_step
from tests.conftest import sign_in
from tests.factories import TEST_PASSWORD

FORGOT = reverse("accounts:forgot_password")
SENT = reverse("accounts:forgot_password_sent")
RESET = reverse("accounts:password_reset")
NEW = "a brand new long passphrase 7"


def _reset_mails(user):
    return Notification.objects.filter(recipient=user, kind="accounts.password_reset")


def _link(notification) -> str:
    """The path of the e-mail's link (the test client has no host)."""
    return urlsplit(re.search(r"https?://\S+", notification.body).group(0)).path


def _ask(client, email):
    return client.post(FORGOT, {"email": email})


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://portal.example.org"


def test_the_answer_is_the_same_whether_or_not_the_account_exists(client, world):
    world.spoc_a.email = "spoc.a@agency-a.example"
    world.spoc_a.save()
    known = _ask(client, "SPOC.A@agency-a.example")
    unknown = _ask(Client(), "nobody@nowhere.example")
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url == SENT
    page = client.get(SENT).content.decode()
    assert "If the address you entered belongs to an account" in page
    assert _reset_mails(world.spoc_a).count() == 1
    mail = _reset_mails(world.spoc_a).get()
    assert "https://portal.example.org/sign-in/reset-password/" in mail.body
    assert "spoc.a@" not in mail.body and world.spoc_a.username not in mail.subject


def test_a_bad_address_gets_a_govuk_error(client):
    page = client.post(FORGOT, {"email": "not an email"}).content.decode()
    assert "govuk-error-summary" in page and "correct format" in page


def test_requests_are_limited_per_email_and_per_address(client, world, settings):
    world.spoc_a.email = "spoc.a@agency-a.example"
    world.spoc_a.save()
    settings.PASSWORD_RESET_LIMITS = {"per_email_per_hour": 2, "per_address_per_hour": 3}
    for _ in range(4):
        assert _ask(client, "spoc.a@agency-a.example").url == SENT
    assert _reset_mails(world.spoc_a).count() == 2  # the same page, no more e-mails
    world.spoc_b.email = "spoc.b@agency-b.example"
    world.spoc_b.save()
    _ask(client, "spoc.b@agency-b.example")  # same client address, its limit reached
    assert _reset_mails(world.spoc_b).count() == 0


def test_no_link_for_a_switched_off_account_or_one_without_an_authenticator(client, world):
    for user, email in ((world.spoc_a, "off@a.example"), (world.spoc_b, "noapp@b.example")):
        user.email = email
        user.save()
    services.user_deactivate(user=world.spoc_a, acting_user=None)
    TOTPDevice.objects.filter(user=world.spoc_b).delete()
    _ask(client, "off@a.example")
    _ask(client, "noapp@b.example")
    assert not Notification.objects.filter(kind="accounts.password_reset").exists()


def test_no_link_for_a_council_sign_in_account(client, world):
    world.chair.email = "chair@council.example"
    world.chair.save()
    ExternalIdentity.objects.create(user=world.chair, tenant_id="t", object_id="o")
    _ask(client, "chair@council.example")
    assert not _reset_mails(world.chair).exists()


def _open_link(client, user):
    world_mail = _reset_mails(user).latest("pk")
    response = client.get(_link(world_mail))
    assert response.status_code == 302 and response.url == RESET  # no token in the page
    return world_mail


def test_resetting_needs_the_security_code_and_ends_every_session(client, world):
    user = world.spoc_a
    user.email = "spoc.a@agency-a.example"
    user.save()
    elsewhere = Client()
    sign_in(elsewhere, user)
    _ask(client, user.email)
    _open_link(client, user)
    page = client.post(
        RESET, {"new_password": NEW, "new_password_again": NEW, "token": "000000"}
    ).content.decode()
    assert "The security code is wrong" in page
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    device.throttle_reset()  # the wait after a wrong code has passed
    response = client.post(
        RESET, {"new_password": NEW, "new_password_again": NEW, "token": current_code(device)}
    )
    assert response.status_code == 302 and "password=reset" in response.url
    user.refresh_from_db()
    assert user.check_password(NEW)
    # Every session ended; the change is recorded (never the password).
    assert elsewhere.get(reverse("core:home")).status_code == 302
    change = AccountChangeRequest.objects.filter(
        subject=user, kind=AccountChangeRequest.Kind.PASSWORD
    ).get()
    assert change.status == AccountChangeRequest.Status.APPROVED and change.password_hash == ""
    # The link works once: it is tied to the old password.
    assert client.get(_link(_reset_mails(user).latest("pk"))).status_code == 404
    assert client.get(RESET).status_code == 404
    assert "Your password has been reset" in client.get(response.url).content.decode()


def test_a_backup_code_will_do_instead_of_the_app(client, world):
    user = world.spoc_b
    user.email = "spoc.b@agency-b.example"
    user.save()
    codes = enrolment.backup_codes_generate(user=user)
    _ask(client, user.email)
    _open_link(client, user)
    response = client.post(
        RESET, {"new_password": NEW, "new_password_again": NEW, "token": codes[0]}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert StaticToken.objects.filter(device__user=user).count() == len(codes) - 1


def test_password_rules_apply_and_nothing_changes_on_error(client, world):
    user = world.spoc_a
    user.email = "spoc.a@agency-a.example"
    user.save()
    _ask(client, user.email)
    _open_link(client, user)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    page = client.post(
        RESET,
        {"new_password": "short", "new_password_again": "short", "token": current_code(device)},
    ).content.decode()
    assert "govuk-error-summary" in page and "too short" in page
    page = client.post(
        RESET, {"new_password": NEW, "new_password_again": NEW + "x", "token": "123456"}
    ).content.decode()
    assert "The passwords do not match" in page
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)


# --- Changing your own password -------------------------------------------------------------
def test_changing_your_password_needs_the_current_one_and_a_code(client, world):
    user = world.referrer_a
    sign_in(client, user)
    url = reverse("accounts:password_change")
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    page = client.post(
        url,
        {
            "current_password": "wrong",
            "token": current_code(device),
            "new_password": NEW,
            "new_password_again": NEW,
        },
    ).content.decode()
    assert "Your current password is wrong" in page
    response = client.post(
        url,
        {
            "current_password": TEST_PASSWORD,
            "token": current_code(device),
            "new_password": NEW,
            "new_password_again": NEW,
        },
    )
    assert response.status_code == 302 and "password=changed" in response.url
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert client.get(reverse("core:home")).status_code == 302  # signed out: sign in again


# --- Sign-ins and sessions -----------------------------------------------------------------
def test_your_account_lists_your_sign_ins_and_sessions_and_ends_the_others(world):
    user = world.panel_a
    first, second = Client(), Client()
    for browser in (first, second):
        password_step(browser, user.username)
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        device.last_t = -1  # a fresh code for the second browser in the same 30 s
        device.save()
        assert browser.post(CODE, {"token": current_code(device)}).status_code == 302
    assert SignInEvent.objects.filter(user=user).count() == 2
    page = first.get(reverse("accounts:your_account")).content.decode()
    assert "Password and security code" in page and "This browser" in page
    assert page.count("govuk-table__row") >= 4  # two sessions, two sign-ins, with headers
    assert first.post(reverse("accounts:sessions_end_others")).status_code == 302
    assert second.get(reverse("core:home")).status_code == 302  # signed out
    assert first.get(reverse("core:home")).status_code == 200  # still signed in
    # Nobody else's sessions were touched.
    other = Client()
    sign_in(other, world.spoc_a)
    first.post(reverse("accounts:sessions_end_others"))
    assert other.get(reverse("core:home")).status_code == 200
    assert Session.objects.exists()


def test_the_sign_in_page_offers_forgot_password(client):
    page = client.get(reverse("accounts:sign_in")).content.decode()
    assert f'href="{FORGOT}"' in page
