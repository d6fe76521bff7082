"""Accounts run inside the service (issue 16), in the browser:

1. a SPOC asks for an account for a colleague; the system administrator makes it (the
   invitation goes out), gives and ends a role and switches an account on again; then
   invites a new SPOC (and sends the invitation again), whose role the Coordinator approves;
   the new SPOC opens the invitation, chooses a password and sets up the authenticator app;
   the administrator asks for their app to be reset, sends someone a set-up link and
   unlinks a council sign-in, all on the account page;
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
from prevent_portal.accounts.models import (
    AccessReviewAnswer,
    ExternalIdentity,
    Membership,
    Role,
    User,
)
from prevent_portal.outbox.models import Notification
from tests import factories
from tests.browser.conftest import current_code
from tests.browser.pages import assert_page_is_usable

pytestmark = pytest.mark.browser
NEW = "a brand new long passphrase 7"
TID, OID = "72f988bf-86f1-41af-91ab-2d7cd011db47", "0b5c4f1e-2a3d-4c5b-9e8f-1a2b3c4d5e6f"


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

    # Gives a second role and ends it.
    admin.get_by_label("Agency").select_option(label=world.agency_a.name)
    admin.get_by_label("Role").select_option(label="Panel member")
    admin.get_by_role("button", name="Ask for the role").click()
    _banner(admin, "waits for approval")
    admin.get_by_role("button", name=re.compile("End role Panel member")).click()
    _banner(admin, "Role ended")

    # Switching a deactivated account on again waits for the Coordinator.
    accounts.user_deactivate(user=world.referrer_a, acting_user=world.sysadmin)
    admin.goto(reverse("accounts:account_detail", args=[world.referrer_a.pk]))
    admin.get_by_role("button", name="Switch the account on again").click()
    _banner(admin, "waits for approval")

    # 2. The administrator invites a new SPOC (and sends the invitation again); the role
    # waits for the Coordinator, who approves it.
    admin.goto(reverse("accounts:account_create"))
    admin.get_by_label("First name").fill("Nora")
    admin.get_by_label("Last name").fill("Finch")
    admin.get_by_label("Email address").fill("nora.finch@agency-b.example")
    admin.get_by_label("Username", exact=True).fill("nora.finch")
    admin.get_by_label("Agency").select_option(label=world.agency_b.name)
    admin.get_by_label("First role").select_option(label="Agency single point of contact")
    admin.get_by_role("button", name="Make the account and send the invitation").click()
    _banner(admin, "Account nora.finch made")
    admin.get_by_role("button", name="Send a new invitation").click()
    _banner(admin, "A new invitation has been sent")
    nora = User.objects.get(username="nora.finch")
    coordinator = open_page(world.coordinator)
    coordinator.goto(reverse("accounts:approval_list"))
    coordinator.get_by_role("link", name="Decide on the change to nora.finch").click()
    coordinator.get_by_label("Approve", exact=True).check()
    coordinator.get_by_role("button", name="Save decision").click()
    _banner(coordinator, "The change has been made")
    assert Membership.objects.get(user=nora).status == Membership.Status.APPROVED

    # 3. The new SPOC accepts the (latest) invitation: a password, then the app.
    invited = open_page()
    invited.goto(_mailed_path(nora, "accounts.invitation"))
    assert_page_is_usable(invited, browsing, "Choose your password")
    invited.get_by_label("New password", exact=True).fill(NEW)
    invited.get_by_label("Confirm the new password").fill(NEW)
    invited.get_by_role("button", name="Continue").click()
    expect(invited.locator("h1")).to_contain_text("Set up your authenticator app")
    key_text = invited.locator("p", has_text="Setup key").inner_text()
    secret = re.sub(r"\s", "", key_text.split(":", 1)[1])
    assert base64.b32decode(secret + "=" * (-len(secret) % 8))
    device = TOTPDevice.objects.get(user=nora)
    invited.get_by_label("Security code").fill(current_code(device))
    invited.get_by_role("button", name=re.compile("Continue|Confirm|Set up")).click()
    expect(invited.locator("h1")).to_contain_text("Backup codes")
    nora.refresh_from_db()
    assert nora.check_password(NEW)

    # 4. Django admin no longer edits accounts: the account page does. Resetting a SPOC's
    # app (a lost phone) waits for the Coordinator.
    admin.goto(reverse("accounts:account_detail", args=[nora.pk]))
    admin.get_by_role("button", name="Reset the authenticator app").click()
    _banner(admin, "waits for the Prevent Coordinator")
    assert TOTPDevice.objects.filter(user=nora, confirmed=True).exists()
    # Someone without an app gets a set-up link; a council sign-in is unlinked.
    TOTPDevice.objects.filter(user=world.referrer_b).delete()
    accounts.external_identity_replace(user=world.referrer_b, tenant_id=TID, object_id=OID)
    admin.goto(reverse("accounts:account_detail", args=[world.referrer_b.pk]))
    admin.get_by_role("button", name="Send a link to set up the authenticator app").click()
    _banner(admin, "link to set up the authenticator app was sent")
    admin.get_by_role("button", name="Unlink the council sign-in").click()
    _banner(admin, "Council sign-in unlinked")
    assert not ExternalIdentity.objects.filter(user=world.referrer_b).exists()


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
    "accounts:account_authenticator_reset": test_an_account_is_asked_for_made_and_set_up,
    "accounts:account_setup_link_send": test_an_account_is_asked_for_made_and_set_up,
    "accounts:account_identity_unlink": test_an_account_is_asked_for_made_and_set_up,
    "accounts:access_review_act": test_access_review_then_forgotten_password,
    "accounts:sessions_end_others": test_access_review_then_forgotten_password,
}
