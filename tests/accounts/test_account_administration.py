"""Accounts run inside the service (issue 16): the system administrator makes an account and
invites its holder; a SPOC asks for a colleague's account; the quarterly access review."""

import re
from urllib.parse import urlsplit

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_portal.accounts import access, administration
from prevent_portal.accounts.models import (
    AccessReviewAnswer,
    AccountChangeRequest,
    AccountRequest,
    ExternalIdentity,
    Membership,
    Role,
    User,
)
from prevent_portal.core.concurrency import StaleEdit
from prevent_portal.outbox.models import Notification
from tests.accounts.test_sign_in import current_code
from tests.conftest import sign_in

NEW = "a brand new long passphrase 7"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://portal.example.org"


def _client(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def _new_account(client, world, **extra):
    data = {
        "first_name": "Ada",
        "last_name": "Quill",
        "email": "ada.quill@agency-a.example",
        "job_title": "Safeguarding lead",
        "username": "ada.quill",
        "agency": world.agency_a.pk,
        "role": Role.SPOC,
        **extra,
    }
    return client.post(reverse("accounts:account_create"), data)


def test_the_administrator_makes_an_account_and_invites_its_holder(world):
    response = _new_account(_client(world.sysadmin), world)
    user = User.objects.get(username="ada.quill")
    assert response.status_code == 302 and response.url == f"/accounts/{user.pk}/"
    assert not user.has_usable_password()
    # The role waits for the Coordinator: it gives nothing yet.
    membership = Membership.objects.get(user=user)
    assert membership.status == Membership.Status.PENDING
    assert not access.has_role(user, Role.SPOC)
    invitation = Notification.objects.get(recipient=user, kind="accounts.invitation")
    assert "https://portal.example.org/sign-in/set-up/" in invitation.body
    assert "Ada" not in invitation.subject


def test_the_invited_person_chooses_a_password_then_sets_up_the_app(world):
    _new_account(_client(world.sysadmin), world)
    user = User.objects.get(username="ada.quill")
    body = Notification.objects.get(recipient=user, kind="accounts.invitation").body
    link = urlsplit(re.search(r"https://\S+", body).group(0)).path
    browser = Client()
    response = browser.get(link)
    assert response.url == reverse("accounts:choose_password")
    page = browser.get(response.url).content.decode()
    assert "ada.quill" in page
    page = browser.post(
        response.url, {"new_password": "short", "new_password_again": "short"}
    ).content.decode()
    assert "govuk-error-summary" in page
    response = browser.post(response.url, {"new_password": NEW, "new_password_again": NEW})
    assert response.url == reverse("accounts:set_up_authenticator")
    user.refresh_from_db()
    assert user.check_password(NEW)
    # The same link goes on to set up the app, once.
    page = browser.get(response.url).content.decode()
    assert "Set up" in page or "authenticator" in page
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = browser.post(
        reverse("accounts:set_up_authenticator"), {"token": current_code(device)}
    )
    assert response.status_code == 302
    assert TOTPDevice.objects.get(user=user).confirmed
    # The link cannot be used again to choose another password.
    assert Client().get(link).status_code == 404


def test_a_password_cannot_be_chosen_for_an_account_that_has_one(world, client):
    from prevent_portal.accounts.enrolment import enrolment_link_send

    link = enrolment_link_send(user=world.spoc_b, acting_user=None)
    response = client.get(reverse("accounts:enrol", args=[link.token]))
    assert response.url.startswith(reverse("accounts:sign_in"))  # sign in as usual
    assert client.get(reverse("accounts:choose_password")).status_code == 404


def test_only_the_administrator_makes_accounts_and_never_changes_their_own(world):
    for persona in (world.coordinator, world.spoc_a, world.manager):
        assert _new_account(_client(persona), world).status_code == 403
    assert not User.objects.filter(username="ada.quill").exists()
    admin = _client(world.sysadmin)
    own = reverse("accounts:account_role_add", args=[world.sysadmin.pk])
    assert (
        admin.post(own, {"agency": world.agency_a.pk, "role": Role.COORDINATOR}).status_code == 403
    )
    with pytest.raises(PermissionDenied):
        administration.account_create(
            username="x",
            first_name="x",
            last_name="x",
            email="x@example.org",
            job_title="",
            agency=world.agency_a,
            role=Role.SPOC,
            acting_user=world.coordinator,
        )


def test_a_taken_username_is_an_error_and_nothing_is_half_made(world):
    admin = _client(world.sysadmin)
    page = _new_account(admin, world, username=world.spoc_a.username).content.decode()
    assert "That username is taken" in page
    assert not User.objects.filter(email="ada.quill@agency-a.example").exists()
    assert not Notification.objects.filter(kind="accounts.invitation").exists()


def test_roles_given_and_ended_on_the_account_page(world):
    admin = _client(world.sysadmin)
    target = world.referrer_a
    url = reverse("accounts:account_role_add", args=[target.pk])
    assert (
        admin.post(url, {"agency": world.agency_a.pk, "role": Role.PANEL_MEMBER}).status_code == 302
    )
    pending = Membership.objects.get(user=target, role=Role.PANEL_MEMBER)
    assert pending.status == Membership.Status.PENDING
    page = admin.get(reverse("accounts:account_detail", args=[target.pk])).content.decode()
    assert "Waiting for approval" in page
    live = Membership.objects.get(user=target, role=Role.REFERRER)
    end = reverse("accounts:account_role_end", args=[target.pk, live.pk])
    assert admin.post(end).status_code == 302
    live.refresh_from_db()
    assert not live.is_active
    assert not access.has_role(User.objects.get(pk=target.pk), Role.REFERRER)


# --- A SPOC asks for a colleague's account ----------------------------------------------------
def _request(client, world, **extra):
    data = {
        "first_name": "Bram",
        "last_name": "Oakes",
        "email": "bram.oakes@agency-a.example",
        "job_title": "Teacher",
        "agency": world.agency_a.pk,
        "role": Role.REFERRER,
        "reason": "New designated safeguarding lead",
        **extra,
    }
    return client.post(reverse("accounts:account_request_add"), data)


def test_a_spoc_asks_and_the_administrator_makes_the_account(world):
    spoc = _client(world.spoc_a)
    response = _request(spoc, world)
    made = AccountRequest.objects.get()
    assert response.url == reverse("accounts:account_request_detail", args=[made.pk])
    assert Notification.objects.filter(recipient=world.sysadmin, kind="accounts.account_request")
    admin = _client(world.sysadmin)
    url = reverse("accounts:account_request_detail", args=[made.pk])
    page = admin.post(url, {"decision": "approve", "version": made.version}).content.decode()
    assert "Enter a username for the new account" in page
    response = admin.post(
        url, {"decision": "approve", "username": "bram.oakes", "version": made.version}
    )
    user = User.objects.get(username="bram.oakes")
    assert response.url == reverse("accounts:account_detail", args=[user.pk])
    made.refresh_from_db()
    assert made.status == AccountRequest.Status.MADE and made.account == user
    assert Membership.objects.get(user=user).status == Membership.Status.PENDING
    assert Notification.objects.filter(recipient=user, kind="accounts.invitation").exists()
    told = Notification.objects.get(recipient=world.spoc_a, kind="accounts.account_request_decided")
    assert "Bram" not in told.body and "Oakes" not in told.body
    assert "Account made" in spoc.get(url).content.decode()


def test_a_spoc_asks_only_for_their_own_agency_and_ordinary_roles(world):
    spoc = _client(world.spoc_a)
    page = _request(spoc, world, agency=world.agency_b.pk).content.decode()
    assert "govuk-error-summary" in page
    page = _request(spoc, world, role=Role.COORDINATOR).content.decode()
    assert "govuk-error-summary" in page
    assert not AccountRequest.objects.exists()
    with pytest.raises(PermissionDenied):
        administration.account_request_create(
            agency=world.agency_b,
            first_name="x",
            last_name="y",
            email="x@example.org",
            job_title="",
            role=Role.REFERRER,
            reason="z",
            acting_user=world.spoc_a,
        )
    # Another agency's SPOC does not see the request at all.
    _request(spoc, world)
    made = AccountRequest.objects.get()
    other = _client(world.spoc_b)
    assert other.get(reverse("accounts:account_request_detail", args=[made.pk])).status_code == 404
    assert "Bram" not in other.get(reverse("accounts:account_request_list")).content.decode()


def test_declining_needs_a_reason_and_a_request_is_dealt_with_once(world):
    _request(_client(world.spoc_a), world)
    made = AccountRequest.objects.get()
    admin = _client(world.sysadmin)
    url = reverse("accounts:account_request_detail", args=[made.pk])
    page = admin.post(url, {"decision": "decline", "version": made.version}).content.decode()
    assert "Enter why you are declining the request" in page
    admin.post(url, {"decision": "decline", "reason": "Already has one", "version": made.version})
    made.refresh_from_db()
    assert made.status == AccountRequest.Status.DECLINED
    with pytest.raises(ValidationError):
        administration.account_request_approve(
            made=made, username="late", expected_version=made.version, acting_user=world.sysadmin
        )
    assert not User.objects.filter(username="late").exists()


# --- The quarterly access review ----------------------------------------------------------
def test_a_spoc_answers_the_review_and_the_administrator_ends_the_role(world):
    spoc = _client(world.spoc_a)
    page = spoc.get(reverse("accounts:access_review")).content.decode()
    assert world.referrer_a.get_full_name() in page or world.referrer_a.username in page
    assert world.referrer_b.username not in page  # another agency's
    own = Membership.objects.get(user=world.spoc_a, role=Role.SPOC)
    assert spoc.get(reverse("accounts:access_review_answer", args=[own.pk])).status_code == 404
    target = Membership.objects.get(user=world.referrer_a, role=Role.REFERRER)
    url = reverse("accounts:access_review_answer", args=[target.pk])
    assert "Select whether they still need this role" in spoc.post(url, {}).content.decode()
    spoc.post(url, {"answer": "remove", "note": "Left the school"})
    answer = AccessReviewAnswer.objects.get(membership=target)
    assert answer.quarter == administration.quarter_of(timezone.localdate())
    admin = _client(world.sysadmin)
    assert "Left the school" in admin.get(reverse("accounts:access_review")).content.decode()
    assert admin.post(reverse("accounts:access_review_act", args=[answer.pk])).status_code == 302
    target.refresh_from_db()
    answer.refresh_from_db()
    assert not target.is_active and answer.acted_by == world.sysadmin
    # Done once: the answer can no longer be changed (the role is no longer there to review).
    with pytest.raises((PermissionDenied, ValidationError)):
        administration.access_review_answer(
            membership=target,
            answer="keep",
            note="",
            acting_user=world.spoc_a,
            today=timezone.localdate(),
        )


def test_two_spocs_answering_at_once_never_overwrite_each_other_silently(world):
    """Two SPOCs of one agency opened the same review row; the second to save used to
    replace the first's answer unseen (and two first answers at once gave a server error,
    the second insert breaking the one-answer-a-quarter rule). The role's row is now locked
    and the answer the page showed is sent back: the second SPOC is shown the first's
    answer, and replaces it only by saving again."""
    from tests import factories

    other_spoc = factories.member(Role.SPOC, world.agency_a, username="spoc-a2")
    target = Membership.objects.get(user=world.referrer_a, role=Role.REFERRER)
    url = reverse("accounts:access_review_answer", args=[target.pk])
    first, second = _client(world.spoc_a), _client(other_spoc)
    opened = second.get(url).content.decode()  # the second SPOC opens the form first
    seen = re.search(r'name="seen" value="([^"]*)"', opened)
    seen = seen.group(1) if seen else ""
    assert first.post(url, {"answer": "remove", "note": "Left", "seen": ""}).status_code == 302
    page = second.post(url, {"answer": "keep", "note": "", "seen": seen})
    assert page.status_code == 200
    body = page.content.decode()
    assert "govuk-error-summary" in body and "Someone else answered" in body
    assert AccessReviewAnswer.objects.get(membership=target).answer == "remove"
    # Saving again, having seen it, replaces it.
    again = re.search(r'name="seen" value="([^"]+)"', body).group(1)
    assert second.post(url, {"answer": "keep", "note": "", "seen": again}).status_code == 302
    assert AccessReviewAnswer.objects.get(membership=target).answer == "keep"
    with pytest.raises(StaleEdit):
        administration.access_review_answer(
            membership=target,
            answer="remove",
            note="",
            acting_user=world.spoc_a,
            today=timezone.localdate(),
            seen="",
        )


def test_answers_are_for_the_quarter(world):
    target = Membership.objects.get(user=world.referrer_a, role=Role.REFERRER)
    first = administration.access_review_answer(
        membership=target,
        answer="keep",
        note="",
        acting_user=world.spoc_a,
        today=timezone.localdate().replace(month=2, day=1),
    )
    second = administration.access_review_answer(
        membership=target,
        answer="keep",
        note="",
        acting_user=world.spoc_a,
        today=timezone.localdate().replace(month=5, day=1),
    )
    assert (first.quarter[-2:], second.quarter[-2:]) == ("Q1", "Q2")


def test_a_username_cannot_look_like_another_accounts(world):
    """Review 3, R3-5: usernames took any Unicode letter, so the administrator could make
    "spoc-а" (a Cyrillic а) or a full-width twin of an existing account and ask a role for
    it; the Coordinator, who approves what the username tells them, saw the colleague they
    know. Usernames are now plain letters, digits and . @ + - _."""
    admin = _client(world.sysadmin)
    for lookalike in ("spoc-\u0430", "\uff53poc-a", "spoc\u2010a"):
        page = _new_account(admin, world, username=lookalike).content.decode()
        assert "govuk-error-summary" in page
        with pytest.raises(ValidationError):
            administration.account_create(
                username=lookalike,
                first_name="Ada",
                last_name="Quill",
                email="ada.quill@agency-a.example",
                job_title="",
                agency=world.agency_a,
                role=Role.SPOC,
                acting_user=world.sysadmin,
            )
    assert not User.objects.filter(email="ada.quill@agency-a.example").exists()
    # Nor can an account be renamed to one (the admin's forms run the model's checks).
    world.referrer_a.username = "spoc-\u0430"
    with pytest.raises(ValidationError):
        world.referrer_a.full_clean()


# --- Someone else's details, council sign-in and authenticator (no longer in Django admin) ---
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
OBJECT = "0b5c4f1e-2a3d-4c5b-9e8f-1a2b3c4d5e6f"


def _details(user, **changes) -> dict:
    return {
        "first_name": user.first_name or "First",
        "last_name": user.last_name or "Last",
        "email": user.email or "someone@example.org",
        "job_title": user.job_title,
        "version": user.version,
    } | changes


def test_details_are_changed_with_the_error_summary_and_optimistic_locking(world):
    admin = _client(world.sysadmin)
    target = world.no_role
    url = reverse("accounts:account_edit", args=[target.pk])
    opened = _details(target)
    page = admin.post(url, opened | {"first_name": "", "email": "not an address"}).content
    page = page.decode()
    assert "govuk-error-summary" in page and "Enter the first name" in page
    assert "Enter an email address in the correct format" in page
    response = admin.post(url, opened | {"first_name": "Nadia", "job_title": "Analyst"})
    assert response.url == reverse("accounts:account_detail", args=[target.pk])
    target.refresh_from_db()
    assert (target.first_name, target.job_title, target.version) == ("Nadia", "Analyst", 2)
    # A second form opened before that save is refused, whole: nothing half-saved.
    page = admin.post(url, opened | {"last_name": "Stale", "email": "stale@example.org"})
    assert "Someone else changed this record" in page.content.decode()
    target.refresh_from_db()
    assert target.last_name != "Stale" and target.email != "stale@example.org"
    assert not AccountChangeRequest.objects.filter(subject=target).exists()


def test_council_sign_in_is_linked_and_unlinked_on_the_account_page(world):
    admin = _client(world.sysadmin)
    target = world.no_role  # no case role: the link is made at once
    url = reverse("accounts:account_identity", args=[target.pk])
    page = admin.post(url, {"tenant_id": TENANT, "object_id": "bob@example.org"}).content
    assert "Enter the object ID as Entra ID shows it" in page.decode()
    assert not ExternalIdentity.objects.filter(user=target).exists()
    admin.post(url, {"tenant_id": TENANT.upper(), "object_id": OBJECT})
    assert ExternalIdentity.objects.get(user=target).tenant_id == TENANT
    # The same council identity cannot open a second account.
    other = reverse("accounts:account_identity", args=[world.referrer_a.pk])
    page = admin.post(other, {"tenant_id": TENANT, "object_id": OBJECT}).content.decode()
    assert "already linked to another account" in page
    # Unlinking is at once and audited with who did it.
    identity = ExternalIdentity.objects.get(user=target)
    unlink = reverse("accounts:account_identity_unlink", args=[target.pk])
    detail = admin.get(reverse("accounts:account_detail", args=[target.pk])).content.decode()
    assert unlink in detail and OBJECT in detail
    admin.post(unlink)
    assert not ExternalIdentity.objects.filter(user=target).exists()
    deleted = LogEntry.objects.get_for_object(identity).get(action=LogEntry.Action.DELETE)
    assert deleted.actor == world.sysadmin


def test_council_sign_in_on_a_case_role_account_waits_and_the_page_says_so(world):
    admin = _client(world.sysadmin)
    url = reverse("accounts:account_identity", args=[world.spoc_a.pk])
    response = admin.post(url, {"tenant_id": TENANT, "object_id": OBJECT})
    page = admin.get(response.url).content.decode()
    assert "not linked yet" in page and "Waiting for approval" in page
    assert "Link a council sign-in" in page
    assert not ExternalIdentity.objects.filter(user=world.spoc_a).exists()
    assert AccountChangeRequest.objects.get(subject=world.spoc_a).kind == "identity"


def test_nobody_changes_their_own_account_or_another_roles_accounts_here(world):
    admin = _client(world.sysadmin)
    own = world.sysadmin
    for name in ("account_edit", "account_identity"):
        assert admin.get(reverse(f"accounts:{name}", args=[own.pk])).status_code == 403
    for name in ("account_authenticator_reset", "account_setup_link_send"):
        assert admin.post(reverse(f"accounts:{name}", args=[own.pk])).status_code == 403
    assert TOTPDevice.objects.filter(user=own).exists()
    coordinator = _client(world.coordinator)
    url = reverse("accounts:account_edit", args=[world.no_role.pk])
    assert coordinator.post(url, _details(world.no_role, first_name="X")).status_code == 403
    with pytest.raises(PermissionDenied):
        administration.external_identity_unlink(user=world.no_role, acting_user=world.coordinator)
