"""Permission-matrix entries for account review (url name -> rule).

An area module of test_url_matrix.py (see rules_training.py for the shape). Rules
(prevent_portal/accounts/review.py): an agency's SPOC lists and may deactivate the accounts
of their agency; the Coordinator and the system administrator every account; other roles get
403 for the page. "own" is an account at agency A, "other" one at agency B: not listed gives
404, so spoc_b does not learn of agency A's account. Deactivating is idempotent (a second
allowed persona in the same test finds it already off and gets the same answer).
"""

from prevent_portal.accounts import services
from prevent_portal.accounts.models import Role
from tests import factories

PREFIX = "accounts:account_"

REVIEWERS = {"coordinator", "sysadmin", "spoc_a", "spoc_b"}
SEES = {
    "own": {"coordinator", "sysadmin", "spoc_a"},
    "other": {"coordinator", "sysadmin", "spoc_b"},
}


def build(world, refs) -> dict:
    accounts = {}
    for scenario, agency in (("own", world.agency_a), ("other", world.agency_b)):
        user = factories.UserFactory(username=f"matrix-account-{scenario}")
        services.membership_grant(user=user, agency=agency, role=Role.REFERRER, acting_user=None)
        accounts[scenario] = user
    return accounts


def scenarios(route) -> list[str]:
    return ["own", "other"] if "pk" in route.params else ["own"]


def values(route, scenario, accounts) -> dict:
    return {"pk": accounts[scenario].pk}


def _account_list(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if method == "POST":
        return {405}
    return {200} if persona in REVIEWERS else {403}


def _account_deactivate(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if persona not in REVIEWERS:
        return {403}
    if persona not in SEES[scenario]:
        return {404}
    return {200} if method == "GET" else {302}


EXPECTED = {
    "accounts:account_list": _account_list,
    "accounts:account_deactivate": _account_deactivate,
}
