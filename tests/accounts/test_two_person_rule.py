"""Outside review 2 (an attacker with the system administrator role): the two-person rule
must hold even when one administrator works through another administrator's account or one
they have made themselves."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_portal.accounts import approvals, services
from prevent_portal.accounts.models import AccountChangeRequest, Membership, Role
from prevent_portal.outbox.models import Notification
from tests import factories
from tests.conftest import sign_in
from tests.factories import TEST_PASSWORD


def test_an_administrator_cannot_take_over_another_administrators_account(client, world):
    """Setting a second administrator's password (or removing their authenticator, or
    pointing their e-mail address elsewhere) at once would let one administrator sign in as
    "another administrator" and approve their own request for the Coordinator role. Nobody
    sets another person's password at all; the authenticator reset and the new address wait
    for a Coordinator, as on case-role accounts."""
    second_admin = factories.member(Role.SYSADMIN, world.council, username="second-admin")
    with pytest.raises(PermissionDenied):
        services.user_password_set(
            user=second_admin, raw_password="Taken over passphrase 9", acting_user=world.sysadmin
        )
    second_admin.refresh_from_db()
    assert second_admin.check_password(TEST_PASSWORD)
    sign_in(client, world.sysadmin)
    page = client.get(reverse("accounts:account_detail", args=[second_admin.pk])).content.decode()
    assert "Nobody sets a password for someone else" in page and 'type="password"' not in page
    response = client.post(reverse("accounts:account_authenticator_reset", args=[second_admin.pk]))
    assert response.status_code == 302
    assert "waits for the Prevent Coordinator" in client.get(response.url).content.decode()
    assert TOTPDevice.objects.filter(user=second_admin).exists()
    client.post(
        reverse("accounts:account_edit", args=[second_admin.pk]),
        _details(second_admin, email="attacker@example.org"),
    )
    second_admin.refresh_from_db()
    assert second_admin.email != "attacker@example.org"
    kinds = set(
        AccountChangeRequest.objects.filter(
            subject=second_admin, status=AccountChangeRequest.Status.PENDING
        ).values_list("kind", flat=True)
    )
    assert kinds == {"authenticator", "email"}


def test_an_administrator_cannot_make_a_second_administrator_with_a_coordinator_alone(world):
    """An administrator who could make another administrator account with only a
    Coordinator's approval would have a second administrator of their own to approve their
    request for the Coordinator role: a new administrator also needs another one's approval."""
    puppet = factories.UserFactory(username="puppet")
    change = services.membership_request(
        user=puppet, agency=world.council, role=Role.SYSADMIN, acting_user=world.sysadmin
    )
    assert approvals.change_request_approve(change=change, acting_user=world.coordinator) is False
    assert puppet.memberships.get().status == Membership.Status.PENDING
    # The administrator who asked cannot be the second administrator.
    with pytest.raises(PermissionDenied):
        approvals.change_request_approve(change=change, acting_user=world.sysadmin)
    other_admin = factories.member(Role.SYSADMIN, world.council, username="other-admin")
    assert [c.pk for c in approvals.change_requests_for(other_admin)] == [change.pk]
    assert approvals.change_request_approve(change=change, acting_user=other_admin) is True
    assert puppet.memberships.get().status == Membership.Status.APPROVED


def _details(user, **changes) -> dict:
    """The account page's "Change details" form as the administrator opened it."""
    data = {
        "first_name": user.first_name or "First",
        "last_name": user.last_name or "Last",
        "email": user.email,
        "job_title": user.job_title,
        "version": user.version,
    }
    return data | changes


def test_the_e_mail_address_of_a_case_role_account_changes_only_with_approval(client, world):
    """Set-up links go to the account's e-mail address: an administrator who could point it
    at their own mailbox, then ask for an authenticator reset "for a lost phone", would
    receive the link that sets up the new second factor. So the address of an account that
    works on cases changes like its other sign-in details: once a Coordinator approves."""
    spoc = world.spoc_a
    old = spoc.email
    sign_in(client, world.sysadmin)
    url = reverse("accounts:account_edit", args=[spoc.pk])
    response = client.post(url, _details(spoc, email="attacker@example.org", job_title="Lead"))
    assert response.status_code == 302
    assert "not set yet" in client.get(response.url).content.decode()
    spoc.refresh_from_db()
    assert spoc.email == old
    change = AccountChangeRequest.objects.get(subject=spoc, status="pending")
    assert change.kind == "email" and change.email == "attacker@example.org"
    # The Coordinator sees both addresses before deciding; the e-mail to them names neither.
    sign_in(client, world.coordinator)
    page = client.get(reverse("accounts:approval_decide", args=[change.pk])).content.decode()
    assert old in page and "attacker@example.org" in page
    note = Notification.objects.get(recipient=world.coordinator, kind="accounts.change_requested")
    assert "attacker@example.org" not in note.body and old not in note.body
    assert "http://" in note.body or "https://" in note.body
    approvals.change_request_approve(change=change, acting_user=world.coordinator)
    spoc.refresh_from_db()
    assert spoc.email == "attacker@example.org"


def test_the_e_mail_address_of_an_account_without_a_role_changes_at_once(client, world):
    sign_in(client, world.sysadmin)
    url = reverse("accounts:account_edit", args=[world.no_role.pk])
    response = client.post(url, _details(world.no_role, email="new@example.org"))
    assert response.status_code == 302
    world.no_role.refresh_from_db()
    assert world.no_role.email == "new@example.org"


def test_no_account_may_be_a_django_superuser(client, world):
    """Superuser status passes every admin permission: the audit log's entries, with the
    case content they record, open in the admin. Nothing in the service needs it, so the
    database check fails the deployment's migrate step while any account has it."""
    from prevent_portal.accounts.checks import superuser_errors

    ref = factories.referral(world.agency_a)
    sign_in(client, world.sysadmin)
    assert client.get("/admin/auditlog/logentry/").status_code == 403
    assert superuser_errors() == []
    world.sysadmin.is_superuser = True
    world.sysadmin.save()
    # What the check guards against: the audit entry of a referral opens in the admin.
    assert client.get("/admin/auditlog/logentry/").status_code == 200
    assert ref.pk
    errors = superuser_errors()
    assert [e.id for e in errors] == ["accounts.E003"]
    assert errors[0].obj == f"user:{world.sysadmin.pk}"


def test_switching_a_case_role_account_back_on_waits_for_a_coordinator(client, world):
    """A leaver's account keeps its approved roles when it is switched off, so switching it
    on again gives back sight of cases: one administrator alone must not do that (a SPOC may
    have switched it off on purpose)."""
    spoc = world.spoc_a
    services.user_deactivate(user=spoc, acting_user=world.coordinator)
    sign_in(client, world.sysadmin)
    response = client.post(reverse("accounts:account_reactivate", args=[spoc.pk]))
    assert response.status_code == 302
    spoc.refresh_from_db()
    assert not spoc.is_active
    change = AccountChangeRequest.objects.get(subject=spoc, status="pending")
    assert change.kind == "reactivate"
    approvals.change_request_approve(change=change, acting_user=world.coordinator)
    spoc.refresh_from_db()
    assert spoc.is_active and spoc.disabled_reason == "" and spoc.status_changed_at


def test_an_account_without_a_role_is_switched_back_on_at_once(client, world):
    services.user_deactivate(user=world.no_role, acting_user=world.sysadmin)
    sign_in(client, world.sysadmin)
    url = reverse("accounts:account_reactivate", args=[world.no_role.pk])
    assert client.post(url).status_code == 302
    world.no_role.refresh_from_db()
    assert world.no_role.is_active
