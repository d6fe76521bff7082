"""Signing in and out through the real pages, as a person at a keyboard would."""

import base64
import re

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from prevent_portal.accounts import enrolment
from prevent_portal.accounts import services as accounts
from prevent_portal.accounts.models import Role
from tests import factories
from tests.browser.conftest import current_code
from tests.browser.pages import assert_page_is_usable

pytestmark = pytest.mark.browser

HOME = re.compile(r"^https?://[^/]+/$")


def _give_password(page, username: str) -> None:
    page.goto(reverse("accounts:sign_in"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(factories.TEST_PASSWORD)
    page.get_by_role("button", name="Continue").click()


def test_user_signs_in_with_password_and_security_code(open_page, world):
    page = open_page()
    _give_password(page, world.coordinator.username)

    expect(page).to_have_url(re.compile(re.escape(reverse("accounts:second_factor")) + "$"))
    device = TOTPDevice.objects.get(user=world.coordinator, confirmed=True)
    page.get_by_label("Security code").fill(current_code(device))
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(HOME)
    expect(page.locator("main")).to_contain_text("You are signed in as: Prevent Coordinator")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_first_sign_in_sets_up_an_authenticator(open_page, world):
    user = factories.UserFactory(username="new-starter")
    accounts.membership_grant(
        user=user, agency=world.agency_a, role=Role.REFERRER, acting_user=None
    )
    link = enrolment.enrolment_link_send(user=user, acting_user=world.sysadmin)
    page = open_page()
    page.goto(reverse("accounts:enrol", args=[link.token]))  # from their e-mail
    _give_password(page, user.username)

    expect(page).to_have_url(re.compile(re.escape(reverse("accounts:set_up_authenticator")) + "$"))
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    key_text = page.locator("p", has_text="Setup key").inner_text()
    secret = re.sub(r"\s", "", key_text.split(":", 1)[1])
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    device = TOTPDevice.objects.get(user=user)
    assert key == device.bin_key, "the setup key on the page is not the device's secret"
    page.get_by_label("Security code").fill(current_code(device))
    page.get_by_role("button", name="Confirm and sign in").click()

    expect(page).to_have_url(re.compile(re.escape(reverse("accounts:backup_codes")) + "$"))
    expect(page.locator("main")).to_contain_text("We will not show these codes again")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(HOME)
    expect(page.locator("main")).to_contain_text("You are signed in as: Referrer")
    device.refresh_from_db()
    assert device.confirmed


def test_sign_out_button_ends_the_session(open_page, browsing, world):
    page = open_page(world.coordinator)
    page.goto(reverse("core:home"))
    session_key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")

    page.get_by_role("button", name="Sign out").click()

    expect(page.locator(".govuk-inset-text")).to_have_text("You have signed out.")
    assert not Session.objects.filter(session_key=session_key).exists()
    assert_page_is_usable(page, browsing, "Sign in to")
    page.goto(reverse("referrals:list"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Prevent Portal")
