"""Who may do what, per scenario: the shared vocabulary of the permission matrix.

Each entry of the matrix is a function (persona, method, scenario) -> expected status codes.
Personas are those of tests/conftest.py; scenarios are set up in test_url_matrix.py.
"""

from tests.conftest import PERSONAS

SIGNED_IN = [p for p in PERSONAS if p != "anonymous"]
SCENARIOS = [
    "own",
    "other",
    "shared_live",
    "shared_expired",
    "shared_user",
    "pack_open",
    "pack_closed",
]
# Who sees a referral in each scenario (own: agency A's, referred by referrer_a; the shared
# ones are agency B's, referred by referrer_b, and shared with agency A or with referrer_a;
# the pack ones are agency B's on a Channel Panel agenda: rules_channel_panel.pack_referrals).
SEES = {
    "own": {"coordinator", "spoc_a", "panel_a", "referrer_a"},
    "other": {"coordinator", "spoc_b", "referrer_b"},
    "shared_live": {"coordinator", "spoc_b", "referrer_b", "spoc_a", "panel_a"},
    "shared_expired": {"coordinator", "spoc_b", "referrer_b"},
    "shared_user": {"coordinator", "spoc_b", "referrer_b", "referrer_a"},
    # Agency B's new referral (no referrer) on a panel agenda: the meeting's invitees
    # (agency A's panel member) see it while the pack window is open, not after; the
    # meeting's chair sees it after too (access rule 6: the chair approves adoption).
    "pack_open": {"coordinator", "spoc_b", "chair", "panel_a"},
    "pack_closed": {"coordinator", "spoc_b", "chair"},
}
CASE_LIST_ROLES = {
    "coordinator",
    "chair",
    "spoc_a",
    "spoc_b",
    "panel_a",
    "referrer_a",
    "referrer_b",
}


def _open(persona, method, get=200, post=405):
    return {get} if method == "GET" else {post}


def _signed_in_page(persona, method, allowed=None):
    if persona == "anonymous":
        return {302}
    if allowed is not None and persona not in allowed:
        return {403}
    return {200} if method == "GET" else {405}


# Who made each scenario's referral (the pack ones have no referrer).
REFERRER_OF = {
    "own": "referrer_a",
    "other": "referrer_b",
    "shared_live": "referrer_b",
    "shared_expired": "referrer_b",
    "shared_user": "referrer_b",
}


def _referral_view(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if method == "POST":
        return {405}
    if persona == REFERRER_OF.get(scenario):
        return {302}  # to the status page made for the referrer (issue 13, point 12)
    return {200} if persona in SEES[scenario] else {404}


def _referral_status(persona, method, scenario):
    """Only the referrer who made it, while a referrer there; 404 for everyone else."""
    if persona == "anonymous":
        return {302}
    if method == "POST":
        return {405}
    return {200} if persona == REFERRER_OF.get(scenario) else {404}


def _referral_share(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if persona not in SEES[scenario]:
        return {404}
    return {200} if persona == "coordinator" else {403}


def _referral_withdraw(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if method == "GET":
        return {405}
    if persona not in SEES[scenario]:
        return {404}
    return {302} if persona == "coordinator" else {403}


def _admin(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if persona != "sysadmin":
        return {404}
    # Configuration pages open, other apps' admin pages refused, never a server error.
    return {200, 302, 403, 404, 405}
