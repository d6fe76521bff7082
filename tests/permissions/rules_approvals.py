"""Permission-matrix entries for account changes waiting for approval (url name -> rule).

An area module of test_url_matrix.py (see rules_accounts.py for the shape). Rules
(prevent_portal/accounts/approvals.py): the Coordinator sees and decides every pending
request; a system administrator sees those that still need an administrator (the Coordinator
role) and may not decide one they asked for; other roles get 403; a request the persona is
not asked to decide is 404. "partner_role": an SPOC role asked for by the system
administrator; "coordinator_role": the Coordinator role, asked for by the same administrator.
An empty POST shows the form's errors again (200) and decides nothing.

The no_role persona is also given a role that waits for approval (an SPOC at agency A): a
pending membership gives nothing, so every rule of the matrix that holds for someone with no
role must still hold for them.
"""

from prevent_portal.accounts import services
from prevent_portal.accounts.models import Role
from tests import factories

PREFIX = "accounts:approval_"
DECIDERS = {"coordinator", "sysadmin"}
DECIDES = {
    "partner_role": {"coordinator": 200, "sysadmin": 404},
    "coordinator_role": {"coordinator": 200, "sysadmin": 403},
}


def build(world, refs) -> dict:
    services.membership_request(
        user=world.no_role, agency=world.agency_a, role=Role.SPOC, acting_user=world.sysadmin
    )
    changes = {}
    for scenario, agency, role in (
        ("partner_role", world.agency_a, Role.SPOC),
        ("coordinator_role", world.council, Role.COORDINATOR),
    ):
        user = factories.UserFactory(username=f"matrix-approval-{scenario}")
        changes[scenario] = services.membership_request(
            user=user, agency=agency, role=role, acting_user=world.sysadmin
        )
    return changes


def scenarios(route) -> list[str]:
    return list(DECIDES) if "pk" in route.params else ["partner_role"]


def values(route, scenario, changes) -> dict:
    return {"pk": changes[scenario].pk}


def _approval_list(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if method == "POST":  # require_GET answers before the role check
        return {405}
    if persona not in DECIDERS:
        return {403}
    return {200} if method == "GET" else {405}


def _approval_decide(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if persona not in DECIDERS:
        return {403}
    return {DECIDES[scenario][persona]}


EXPECTED = {
    "accounts:approval_list": _approval_list,
    "accounts:approval_decide": _approval_decide,
}
