"""Permission-matrix entries for account review (url name -> rule).

An area module of test_url_matrix.py (see rules_training.py for the shape). Rules
(prevent_portal/accounts/review.py): an agency's SPOC lists and may deactivate the accounts
of their agency; the Coordinator and the system administrator every account; other roles get
403 for the page. "own" is an account at agency A, "other" one at agency B: not listed gives
404, so spoc_b does not learn of agency A's account. Deactivating is idempotent (a second
allowed persona in the same test finds it already off and gets the same answer).
"""

from prevent_portal.accounts import administration, services
from prevent_portal.accounts.models import AccessReviewAnswer, Role
from tests import factories

PREFIX = ("accounts:account_", "accounts:access_review")

REVIEWERS = {"coordinator", "sysadmin", "spoc_a", "spoc_b"}
SEES = {
    "own": {"coordinator", "sysadmin", "spoc_a"},
    "other": {"coordinator", "sysadmin", "spoc_b"},
}


def build(world, refs) -> dict:
    """Per scenario: an account at the agency (with its membership), an account request
    made by that agency's SPOC, and a "no longer needed" access-review answer."""
    built = {"accounts": {}, "memberships": {}, "requests": {}, "answers": {}}
    for scenario, agency, spoc in (
        ("own", world.agency_a, world.spoc_a),
        ("other", world.agency_b, world.spoc_b),
    ):
        user = factories.UserFactory(username=f"matrix-account-{scenario}")
        membership = services.membership_grant(
            user=user, agency=agency, role=Role.REFERRER, acting_user=None
        )
        built["accounts"][scenario] = user
        built["memberships"][scenario] = membership
        built["requests"][scenario] = administration.account_request_create(
            agency=agency,
            first_name="Matrix",
            last_name=scenario,
            email=f"matrix-{scenario}@example.org",
            job_title="",
            role=Role.REFERRER,
            reason="New starter",
            acting_user=spoc,
        )
        built["answers"][scenario] = AccessReviewAnswer.objects.create(
            membership=membership,
            quarter="2026-Q4",
            answer=AccessReviewAnswer.Answer.REMOVE,
            answered_by=spoc,
        )
    return built


def scenarios(route) -> list[str]:
    params = set(route.params)
    return ["own", "other"] if params & {"pk", "membership_pk", "answer_pk"} else ["own"]


def values(route, scenario, built) -> dict:
    if route.key.startswith("accounts:account_request_"):
        return {"pk": built["requests"][scenario].pk}
    return {
        "pk": built["accounts"][scenario].pk,
        "membership_pk": built["memberships"][scenario].pk,
        "answer_pk": built["answers"][scenario].pk,
    }


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


def _account_create(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    return {200} if persona == "sysadmin" else {403}  # an empty POST shows the errors


def _account_detail(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if method == "POST":
        return {405}
    if persona not in REVIEWERS:
        return {403}
    return {200} if persona in SEES[scenario] else {404}


def _admin_action(post_status):
    """POST-only actions on an account: seen through the account review (403 for other
    roles, 404 for an account not listed), done by the system administrator only."""

    def rule(persona, method, scenario):
        if persona == "anonymous":
            return {302}
        if method == "GET":
            return {405}
        if persona not in REVIEWERS:
            return {403}
        if persona not in SEES[scenario]:
            return {404}
        return {post_status} if persona == "sysadmin" else {403}

    return rule


def _admin_form(persona, method, scenario):
    """A form page on an account: seen through the account review (403 for other roles, 404
    for an account not listed), opened by the system administrator only."""
    if persona == "anonymous":
        return {302}
    if persona not in REVIEWERS:
        return {403}
    if persona not in SEES[scenario]:
        return {404}
    return {200} if persona == "sysadmin" else {403}


# Account requests: a SPOC sees their agency's, the system administrator every one.
REQUEST_SEES = {"own": {"sysadmin", "spoc_a"}, "other": {"sysadmin", "spoc_b"}}


def _account_request_list(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if method == "POST":
        return {405}
    return {200} if persona in {"sysadmin", "spoc_a", "spoc_b"} else {403}


def _account_request_add(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    return {200} if persona in {"spoc_a", "spoc_b"} else {403}


def _account_request_detail(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if persona not in {"sysadmin", "spoc_a", "spoc_b"}:
        return {403}
    if persona not in REQUEST_SEES[scenario]:
        return {404}
    if method == "POST":
        # The system administrator's empty decision shows the errors; a SPOC may not decide.
        return {200} if persona == "sysadmin" else {403}
    return {200}


# The quarterly access review: a SPOC answers for their agency's roles, the system
# administrator ends the roles said to be no longer needed.
def _access_review(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if method == "POST":
        return {405}
    return {200} if persona in {"sysadmin", "spoc_a", "spoc_b"} else {403}


ANSWERS = {"own": "spoc_a", "other": "spoc_b"}


def _access_review_answer(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    return {200} if persona == ANSWERS[scenario] else {404}


def _access_review_act(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if method == "GET":
        return {405}
    return {302} if persona == "sysadmin" else {403}


def _signed_in(get=200, post=405):
    def rule(persona, method, scenario):
        if persona == "anonymous":
            return {302}
        return {get} if method == "GET" else {post}

    return rule


def _anyone(get=200, post=405):
    return lambda persona, method, scenario: {get} if method == "GET" else {post}


EXPECTED = {
    "accounts:account_list": _account_list,
    "accounts:account_deactivate": _account_deactivate,
    "accounts:account_create": _account_create,
    "accounts:account_detail": _account_detail,
    "accounts:account_reactivate": _admin_action(302),  # already on: says so
    "accounts:account_role_add": _admin_action(200),  # an empty POST shows the errors
    "accounts:account_role_end": _admin_action(302),
    "accounts:account_invitation_resend": _admin_action(302),  # set up already: says so
    # Changing someone else's account (issue 16: no longer in Django admin). The forms are
    # pages for the system administrator (an empty POST shows the errors); the rest POST-only.
    "accounts:account_edit": _admin_form,
    "accounts:account_identity": _admin_form,
    "accounts:account_identity_unlink": _admin_action(302),  # none linked: says so
    "accounts:account_authenticator_reset": _admin_action(302),
    "accounts:account_setup_link_send": _admin_action(302),  # would not help: says so
    "accounts:account_request_list": _account_request_list,
    "accounts:account_request_add": _account_request_add,
    "accounts:account_request_detail": _account_request_detail,
    "accounts:access_review": _access_review,
    "accounts:access_review_answer": _access_review_answer,
    "accounts:access_review_act": _access_review_act,
    # The person's own account, for anyone signed in.
    "accounts:your_account": _signed_in(),
    "accounts:password_change": _signed_in(post=200),  # an empty POST shows the errors
    "accounts:sessions_end_others": _signed_in(get=405, post=302),
    # Forgot your password? Open to everyone; "1"/"1" is no link; no link in the session.
    "accounts:forgot_password": _anyone(post=200),
    "accounts:forgot_password_sent": _anyone(),
    "accounts:password_reset_link": _anyone(get=404),
    "accounts:password_reset": _anyone(get=404, post=404),
    "accounts:choose_password": _anyone(get=404, post=404),
}
