"""Separation of duties (issue 14, F1): nobody gives themselves a role; a role, or a new
authenticator or council sign-in on an account that works on cases, takes effect
only once a second person in the right role approves it; the Coordinators are told and the
audit log shows who did what; nobody is both system administrator and case worker; nobody
sets another person's password (issue 16)."""

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_portal.accounts import approvals, services
from prevent_portal.accounts.checks import separation_of_duties_errors
from prevent_portal.accounts.models import (
    AccountChangeApproval,
    AccountChangeRequest,
    ExternalIdentity,
    Membership,
    Role,
)
from prevent_portal.outbox.models import Notification
from referrals.models import Referral
from tests import factories
from tests.conftest import sign_in
from tests.factories import TEST_PASSWORD

TID = "11111111-1111-1111-1111-111111111111"
OID = "22222222-2222-2222-2222-222222222222"


@pytest.fixture
def referrals(world):
    return [factories.referral(agency) for agency in (world.council, world.agency_a)]


def sees(user) -> int:
    """Referrals visible to ``user`` now (a fresh object: roles are cached per object)."""
    return Referral.objects.visible_to(type(user).objects.get(pk=user.pk)).count()


# --- Roles ------------------------------------------------------------------------------------


def test_sysadmin_cannot_give_themselves_the_coordinator_role_on_their_account_page(
    client, world, referrals
):
    assert sees(world.sysadmin) == 0
    sign_in(client, world.sysadmin)
    own = reverse("accounts:account_detail", args=[world.sysadmin.pk])
    assert "Give a role" not in client.get(own).content.decode()
    url = reverse("accounts:account_role_add", args=[world.sysadmin.pk])
    response = client.post(url, {"agency": world.council.pk, "role": Role.COORDINATOR})
    assert response.status_code == 403
    assert not world.sysadmin.memberships.filter(role=Role.COORDINATOR).exists()
    assert sees(world.sysadmin) == 0


def test_self_grant_is_refused_by_the_service_too(world):
    with pytest.raises(PermissionDenied):
        services.membership_request(
            user=world.coordinator,
            agency=world.agency_a,
            role=Role.SPOC,
            acting_user=world.coordinator,
        )


def test_a_person_cannot_use_the_system_path_to_grant(world):
    newcomer = factories.UserFactory()
    with pytest.raises(PermissionDenied):
        services.membership_grant(
            user=newcomer, agency=world.council, role=Role.COORDINATOR, acting_user=world.sysadmin
        )


def test_role_added_on_the_account_page_waits_and_gives_no_sight(client, world, referrals):
    newcomer = factories.UserFactory(username="newcomer")
    sign_in(client, world.sysadmin)
    url = reverse("accounts:account_role_add", args=[newcomer.pk])
    response = client.post(url, {"agency": world.council.pk, "role": Role.COORDINATOR})
    assert response.status_code == 302
    membership = newcomer.memberships.get()
    assert membership.status == Membership.Status.PENDING
    assert sees(newcomer) == 0
    assert not newcomer.groups.exists()
    change = AccountChangeRequest.objects.get(subject=newcomer)
    assert change.requested_by == world.sysadmin
    # The Coordinator is told, by username only.
    note = Notification.objects.get(recipient=world.coordinator, kind="accounts.change_requested")
    assert "newcomer" in note.body and newcomer.email not in note.body


def test_coordinator_role_needs_a_coordinator_and_a_second_administrator(world, referrals):
    newcomer = factories.UserFactory()
    second_admin = factories.member(Role.SYSADMIN, world.council, username="second-admin")
    change = services.membership_request(
        user=newcomer, agency=world.council, role=Role.COORDINATOR, acting_user=world.sysadmin
    )
    # The administrator who asked cannot approve it.
    with pytest.raises(PermissionDenied):
        approvals.change_request_approve(change=change, acting_user=world.sysadmin)
    assert approvals.change_request_approve(change=change, acting_user=world.coordinator) is False
    assert sees(newcomer) == 0
    # The Coordinator cannot approve twice to make up the administrator's approval.
    with pytest.raises(PermissionDenied):
        approvals.change_request_approve(change=change, acting_user=world.coordinator)
    assert approvals.change_request_approve(change=change, acting_user=second_admin) is True
    assert sees(newcomer) == len(referrals)


def test_partner_role_goes_live_when_a_coordinator_approves(client, world, referrals):
    newcomer = factories.UserFactory(username="new-spoc")
    change = services.membership_request(
        user=newcomer, agency=world.agency_a, role=Role.SPOC, acting_user=world.sysadmin
    )
    assert sees(newcomer) == 0
    sign_in(client, world.coordinator)
    listing = client.get(reverse("accounts:approval_list")).content.decode()
    assert "Role requests waiting for approval" in listing and "new-spoc" in listing
    response = client.post(
        reverse("accounts:approval_decide", args=[change.pk]), {"decision": "approve"}
    )
    assert response.status_code == 302
    assert sees(newcomer) == 1
    # The audit log shows who asked and who approved.
    approval = AccountChangeApproval.objects.get(request=change)
    entry = LogEntry.objects.get_for_object(approval).get(action=LogEntry.Action.CREATE)
    assert entry.actor == world.coordinator
    assert LogEntry.objects.get_for_object(change).filter(action=LogEntry.Action.UPDATE).exists()


def test_the_account_holder_cannot_approve_their_own_role(client, world):
    # A Coordinator asked to be made SPOC somewhere else is not their own approver.
    change = services.membership_request(
        user=world.coordinator, agency=world.agency_a, role=Role.SPOC, acting_user=world.sysadmin
    )
    sign_in(client, world.coordinator)
    url = reverse("accounts:approval_decide", args=[change.pk])
    assert client.post(url, {"decision": "approve"}).status_code == 403
    assert world.coordinator.memberships.get(agency=world.agency_a).status == "pending"


def test_refusing_needs_a_reason_and_leaves_no_sight(client, world, referrals):
    newcomer = factories.UserFactory()
    change = services.membership_request(
        user=newcomer, agency=world.agency_a, role=Role.SPOC, acting_user=world.sysadmin
    )
    sign_in(client, world.coordinator)
    url = reverse("accounts:approval_decide", args=[change.pk])
    page = client.post(url, {"decision": "refuse", "reason": ""}).content.decode()
    assert "Enter why you are refusing this change" in page
    client.post(url, {"decision": "refuse", "reason": "Not known to the agency"})
    change.refresh_from_db()
    assert change.status == AccountChangeRequest.Status.REFUSED
    assert change.refusal_reason == "Not known to the agency"
    assert sees(newcomer) == 0
    assert Notification.objects.filter(kind="accounts.change_refused").exists()


def test_other_roles_cannot_see_the_approvals_page(client, world):
    sign_in(client, world.spoc_a)
    assert client.get(reverse("accounts:approval_list")).status_code == 403


# --- Credentials --------------------------------------------------------------------------------


def test_nobody_sets_another_persons_password(world):
    """Issue 16: the invitation and "Forgot your password?" links let the person choose it, so
    no administrator (nor Coordinator) ever knows someone else's password, on any account."""
    for user, acting_user in [
        (world.spoc_a, world.sysadmin),
        (world.manager, world.sysadmin),
        (world.no_role, world.coordinator),
    ]:
        with pytest.raises(PermissionDenied):
            services.user_password_set(
                user=user, raw_password="A brand new passphrase 1", acting_user=acting_user
            )
        user.refresh_from_db()
        assert user.check_password(TEST_PASSWORD)
    assert not AccountChangeRequest.objects.exists()


def test_a_password_change_left_waiting_keeps_only_a_hash_and_no_log_of_it(world):
    """A request to set a password made before issue 16 may still wait: approving it works,
    the password is kept only as a hash until then, and never in the audit log."""
    change = AccountChangeRequest.objects.create(
        kind=AccountChangeRequest.Kind.PASSWORD,
        subject=world.spoc_a,
        requested_by=world.sysadmin,
        password_hash=make_password("A brand new passphrase 1"),
    )
    entry = LogEntry.objects.get_for_object(change).get()
    assert "password_hash" not in entry.changes
    approvals.change_request_approve(change=change, acting_user=world.coordinator)
    world.spoc_a.refresh_from_db()
    assert world.spoc_a.check_password("A brand new passphrase 1")
    change.refresh_from_db()
    assert change.password_hash == ""


def test_sysadmin_authenticator_reset_on_a_case_role_account_waits(client, world):
    sign_in(client, world.sysadmin)
    client.post(reverse("accounts:account_authenticator_reset", args=[world.coordinator.pk]))
    assert TOTPDevice.objects.filter(user=world.coordinator).exists()
    change = AccountChangeRequest.objects.get(subject=world.coordinator)
    # The Coordinator whose phone it is cannot approve it; another Coordinator can.
    with pytest.raises(PermissionDenied):
        approvals.change_request_approve(change=change, acting_user=world.coordinator)
    other = factories.member(Role.COORDINATOR, world.council, username="coordinator-2")
    approvals.change_request_approve(change=change, acting_user=other)
    assert not TOTPDevice.objects.filter(user=world.coordinator).exists()
    # A one-time set-up link went to the person's own e-mail address.
    assert Notification.objects.filter(
        recipient=world.coordinator, kind="accounts.enrolment_link"
    ).exists()


def test_identity_link_on_a_case_role_account_waits(world):
    change = services.external_identity_link(
        user=world.coordinator, tenant_id=TID, object_id=OID, acting_user=world.sysadmin
    )
    assert change is not None
    assert not ExternalIdentity.objects.filter(user=world.coordinator).exists()
    other = factories.member(Role.COORDINATOR, world.council, username="coordinator-2")
    approvals.change_request_approve(change=change, acting_user=other)
    assert ExternalIdentity.objects.get(user=world.coordinator).object_id == OID


def test_credentials_of_accounts_without_case_roles_change_at_once_and_are_reported(client, world):
    TOTPDevice.objects.create(user=world.manager, name="Phone", confirmed=True)
    sign_in(client, world.sysadmin)
    url = reverse("accounts:account_authenticator_reset", args=[world.manager.pk])
    response = client.post(url)
    assert "sent a link to set up a new one" in client.get(response.url).content.decode()
    assert not TOTPDevice.objects.filter(user=world.manager).exists()
    assert Notification.objects.filter(
        recipient=world.manager, kind="accounts.enrolment_link"
    ).exists()
    note = Notification.objects.get(recipient=world.coordinator, kind="accounts.change_done")
    assert "manager" in note.body and "Reset the authenticator app" in note.body
    done = AccountChangeRequest.objects.get(subject=world.manager)
    assert done.status == AccountChangeRequest.Status.APPROVED


# --- Separation of the administrator and case roles --------------------------------------------


def test_services_refuse_a_case_role_for_a_system_administrator(world):
    with pytest.raises(ValidationError):
        services.membership_grant(user=world.sysadmin, agency=world.council, role=Role.SPOC)
    with pytest.raises(ValidationError):
        services.membership_request(
            user=world.spoc_a, agency=world.council, role=Role.SYSADMIN, acting_user=world.sysadmin
        )


def test_check_fails_when_one_account_is_administrator_and_case_worker(world):
    assert separation_of_duties_errors() == []
    # Made behind the services' back (a shell, an old row): the check still finds it.
    Membership.objects.create(
        user=world.sysadmin,
        agency=world.council,
        role=Role.COORDINATOR,
        status=Membership.Status.APPROVED,
    )
    errors = separation_of_duties_errors()
    assert [e.id for e in errors] == ["accounts.E002"]
    assert errors[0].obj == f"user:{world.sysadmin.pk}"


def test_ending_a_role_on_the_account_page_is_reported_to_the_coordinators(client, world):
    sign_in(client, world.sysadmin)
    membership = world.spoc_b.memberships.get()
    url = reverse("accounts:account_role_end", args=[world.spoc_b.pk, membership.pk])
    response = client.post(url)
    assert response.status_code == 302
    assert sees(world.spoc_b) == 0
    note = Notification.objects.get(recipient=world.coordinator, kind="accounts.role_ended")
    assert "spoc-b" in note.body and "Ended by: sysadmin" in note.body
    membership = world.spoc_b.memberships.get()
    updates = LogEntry.objects.get_for_object(membership).filter(action=LogEntry.Action.UPDATE)
    assert {e.actor for e in updates} == {world.sysadmin}
