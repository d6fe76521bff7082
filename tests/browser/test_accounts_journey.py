"""Accounts run inside the service (issue 16), in the browser:

1. a SPOC asks for an account for a colleague; the system administrator makes it (the
   invitation goes out), gives and ends a role, sends a new invitation and switches an
   account on again; the colleague opens the invitation, chooses a password and sets up the
   authenticator app;
2. the SPOC answers the quarterly access review ("no longer needs this role") and the
   system administrator ends the role;
3. someone who forgot their password resets it with the e-mailed link and their security
   code, then signs out everywhere else from "Your account".
"""

import base64
import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from prevent_portal.accounts import services as accounts
from prevent_portal.accounts.models import AccessReviewAnswer, Membership, Role, User
from prevent_portal.outbox.models import Notification
from tests import factories
from tests.browser.conftest import current_code
from tests.browser.pages import assert_page_is_usable

pytestmark = pytest.mark.browser
NEW = "a brand new long passphrase 7"


def _banner(page, text):
    expect(page.locator(".govuk-notification-banner")).to_contain_text(text)


def _mailed_path(user, kind) -> str:
    body = Notification.objects.filter(recipient=user, kind=kind).latest("pk").body
    return urlsplit(re.search(r"https?://\S+", body).group(0)).path


def test_an_account_is_asked_for_made_and_set_up(open_page, browsing, world):
    # 1. The SPOC asks.
    spoc = open_page(world.spoc_a)
    spoc.goto(reverse("accounts:account_request_list"))
    spoc.get_by_role("link", name="Ask for an account for a colleague").click()
    spoc.get_by_role("button", name="Send the request").click()
    expect(spoc.locator(".govuk-error-summary")).to_contain_text("Enter the first name")
    assert_page_is_usable(spoc, browsing, "Ask for an account for a colleague")
    spoc.get_by_label("First name").fill("Wren")
    spoc.get_by_label("Last name").fill("Hollis")
    spoc.get_by_label("Email address").fill("wren.hollis@agency-a.example")
    spoc.get_by_label("Agency").select_option(label=world.agency_a.name)
    spoc.get_by_label("Role").select_option(label="Referrer")
    spoc.get_by_label("Why do they need an account?").fill("New safeguarding lead")
    spoc.get_by_role("button", name="Send the request").click()
    _banner(spoc, "sent")

    # The administrator makes it.
    admin = open_page(world.sysadmin)
    admin.goto(reverse("accounts:account_request_list"))
    admin.get_by_role("link", name=re.compile("Request \\d+")).first.click()
    admin.get_by_label("Make the account").check()
    admin.get_by_label("Username for the new account").fill("wren.hollis")
    admin.get_by_role("button", name="Continue").click()
    _banner(admin, "Account wren.hollis made")
    assert_page_is_usable(admin, browsing, "Wren Hollis")
    wren = User.objects.get(username="wren.hollis")
    assert Membership.objects.get(user=wren).status == Membership.Status.PENDING

    # Gives a second role and ends it, sends a new invitation.
    admin.get_by_label("Agency").select_option(label=world.agency_a.name)
    admin.get_by_label("Role").select_option(label="Panel member")
    admin.get_by_role("button", name="Ask for the role").click()
    _banner(admin, "waits for approval")
    admin.get_by_role("button", name=re.compile("End role Panel member")).click()
    _banner(admin, "Role ended")
    admin.get_by_role("button", name="Send a new invitation").click()
    _banner(admin, "A new invitation has been sent")

    # Switching a deactivated account on again waits for the Coordinator.
    accounts.user_deactivate(user=world.referrer_a, acting_user=world.sysadmin)
    admin.goto(reverse("accounts:account_detail", args=[world.referrer_a.pk]))
    admin.get_by_role("button", name="Switch the account on again").click()
    _banner(admin, "waits for approval")

    # 2. The colleague accepts the (latest) invitation.
    invited = open_page()
    invited.goto(_mailed_path(wren, "accounts.invitation"))
    assert_page_is_usable(invited, browsing, "Choose your password")
    invited.get_by_label("New password", exact=True).fill(NEW)
    invited.get_by_label("Confirm the new password").fill(NEW)
    invited.get_by_role("button", name="Continue").click()
    expect(invited.locator("h1")).to_contain_text("Set up your authenticator app")
    key_text = invited.locator("p", has_text="Setup key").inner_text()
    secret = re.sub(r"\s", "", key_text.split(":", 1)[1])
    assert base64.b32decode(secret + "=" * (-len(secret) % 8))
    device = TOTPDevice.objects.get(user=wren)
    invited.get_by_label("Security code").fill(current_code(device))
    invited.get_by_role("button", name=re.compile("Continue|Confirm|Set up")).click()
    expect(invited.locator("h1")).to_contain_text("Backup codes")
    wren.refresh_from_db()
    assert wren.check_password(NEW)


def test_access_review_then_forgotten_password(open_page, browsing, world):
    # The SPOC says a referrer no longer needs their role; the administrator ends it.
    leaver = factories.UserFactory(username="leaver", first_name="Lee", last_name="Vaughan")
    accounts.membership_grant(user=leaver, agency=world.agency_a, role=Role.REFERRER)
    spoc = open_page(world.spoc_a)
    spoc.goto(reverse("accounts:access_review"))
    spoc.get_by_role("link", name=re.compile("Answer for Lee Vaughan")).click()
    spoc.get_by_label("No, end the role").check()
    spoc.get_by_label("Note (optional)").fill("Left in the summer")
    spoc.get_by_role("button", name="Save the answer").click()
    _banner(spoc, "Answer recorded")
    admin = open_page(world.sysadmin)
    admin.goto(reverse("accounts:access_review"))
    expect(admin.locator("main")).to_contain_text("Left in the summer")
    admin.get_by_role("button", name=re.compile("End role Referrer of leaver")).click()
    _banner(admin, "Role ended")
    assert AccessReviewAnswer.objects.get().acted_by == world.sysadmin
    assert not Membership.objects.get(user=leaver).is_active

    # Someone forgot their password: the link, their security code, a new password.
    user = world.panel_a
    user.email = "panel.a@agency-a.example"
    user.save()
    other_browser = open_page(user)
    page = open_page()
    page.goto(reverse("accounts:sign_in"))
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email address").fill(user.email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.locator("h1")).to_contain_text("Check your email")
    page.goto(_mailed_path(user, "accounts.password_reset"))
    assert_page_is_usable(page, browsing, "Choose a new password")
    page.get_by_label("New password", exact=True).fill(NEW)
    page.get_by_label("Confirm the new password").fill(NEW)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    page.get_by_label("Security code").fill(current_code(device))
    page.get_by_role("button", name="Reset password").click()
    expect(page.locator("main")).to_contain_text("Your password has been reset")
    # Every session ended: the other browser is signed out.
    other_browser.goto(reverse("core:home"))
    expect(other_browser.locator("h1")).to_contain_text("Sign in")

    # Signed in in two places, the person ends the other one from "Your account".
    first, second = open_page(world.spoc_b), open_page(world.spoc_b)
    first.goto(reverse("accounts:your_account"))
    assert_page_is_usable(first, browsing, "Your account")
    first.get_by_role("button", name="Sign out everywhere else").click()
    _banner(first, "signed out everywhere else")
    second.goto(reverse("core:home"))
    expect(second.locator("h1")).to_contain_text("Sign in")
    first.goto(reverse("core:home"))
    expect(first.locator("h1")).not_to_contain_text("Sign in")


# url name -> the test that presses the button which posts to it (tests/browser/test_pages.py)
ACCOUNT_POST_ONLY = {
    "accounts:account_reactivate": test_an_account_is_asked_for_made_and_set_up,
    "accounts:account_role_add": test_an_account_is_asked_for_made_and_set_up,
    "accounts:account_role_end": test_an_account_is_asked_for_made_and_set_up,
    "accounts:account_invitation_resend": test_an_account_is_asked_for_made_and_set_up,
    "accounts:access_review_act": test_access_review_then_forgotten_password,
    "accounts:sessions_end_others": test_access_review_then_forgotten_password,
}
