"""Permission-matrix entries for the referral matching views (url name -> rule).

Only the coordinator may check a referral for earlier referrals of the same person (the
"triage" action). Whoever cannot see the referral gets 404; whoever sees it but may not
triage it gets 403.
"""

from tests.permissions.rules import SEES


def _triage_page(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if method == "POST":
        return {405}
    if persona not in SEES[scenario]:
        return {404}
    return {200} if persona == "coordinator" else {403}


def _triage_post(coordinator_gets):
    def rule(persona, method, scenario):
        if persona == "anonymous":
            return {302}
        if method == "GET":
            return {405}
        if persona not in SEES[scenario]:
            return {404}
        return coordinator_gets if persona == "coordinator" else {403}

    return rule


EXPECTED: dict = {
    "referrals:earlier_referrals": _triage_page,
    "referrals:earlier_referrals_refresh": _triage_post({302}),
    # The matrix fills <match_pk> with 1, which need not be a match of this referral (404).
    # When it is one, an empty form gives the page back with an error (200) and a rejection
    # goes through (302).
    "referrals:repeat_match_confirm": _triage_post({200, 302, 404}),
    "referrals:repeat_match_reject": _triage_post({302, 404}),
}
