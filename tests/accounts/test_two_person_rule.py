"""Outside review 2 (an attacker with the system administrator role): the two-person rule
must hold even when one administrator works through another administrator's account or one
they have made themselves."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_portal.accounts import approvals, services
from prevent_portal.accounts.models import AccountChangeRequest, Membership, Role
from tests import factories
from tests.conftest import sign_in
from tests.factories import TEST_PASSWORD


def test_an_administrator_cannot_take_over_another_administrators_account(client, world):
    """Setting a second administrator's password (or removing their authenticator) at once
    would let one administrator sign in as "another administrator" and approve their own
    request for the Coordinator role: it waits for a Coordinator, as on case-role accounts."""
    second_admin = factories.member(Role.SYSADMIN, world.council, username="second-admin")
    sign_in(client, world.sysadmin)
    response = client.post(
        f"/admin/accounts/user/{second_admin.pk}/password/",
        {"password1": "Taken over passphrase 9", "password2": "Taken over passphrase 9"},
    )
    assert response.status_code == 302
    second_admin.refresh_from_db()
    assert second_admin.check_password(TEST_PASSWORD)
    assert not second_admin.check_password("Taken over passphrase 9")
    client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_authenticator", "_selected_action": [second_admin.pk]},
    )
    assert TOTPDevice.objects.filter(user=second_admin).exists()
    kinds = set(
        AccountChangeRequest.objects.filter(
            subject=second_admin, status=AccountChangeRequest.Status.PENDING
        ).values_list("kind", flat=True)
    )
    assert kinds == {"password", "authenticator"}


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
