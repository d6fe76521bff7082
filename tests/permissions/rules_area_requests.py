"""Permission-matrix entries for requests between council areas (issue 18; url name -> rule).

Only a Coordinator of the referral's area asks another area (the "triage" action, then the
area check): the matrix's <area_pk> is 1, the referral's own area, where nobody is "known
elsewhere", so even the Coordinator gets 404, the answer for an area where the person is not
known. The list is the Coordinator's. The matrix's <request_pk> is no request of anybody's
area: 404 to everyone signed in. tests/areas/test_area_requests.py walks real requests.
"""

from tests.permissions.rules import SEES


def _ask(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if persona not in SEES[scenario]:
        return {404}
    return {404} if persona == "coordinator" else {403}


def _list(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if method == "POST":
        return {405}
    return {200} if persona == "coordinator" else {403}


EXPECTED: dict = {
    "referrals:area_request_new": _ask,
    "referrals:area_requests": _list,
    "referrals:area_request_reply": lambda p, m, s: {302} if p == "anonymous" else {404},
}
