"""Permission-matrix entries for the referral triage views (url name -> rule).

Only the coordinator holds the model-wide "triage" permission: the queue is 403 to everyone
else. On one referral, whoever cannot see it gets 404 and whoever sees it but may not triage
it gets 403. Information requests are answered by SPOCs only (403 to others); the matrix
fills the request's <pk> with a referral's id, which is no open request to their agency
(404). Withdrawing a request is the Coordinator's (403 to others before any lookup; the
Coordinator finds no request with a referral's id: 404).
"""

from tests.permissions.rules import SEES


def _queue(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if method == "POST":
        return {405}
    return {200} if persona == "coordinator" else {403}


def _triage_page(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if method == "POST":
        return {405}
    if persona not in SEES[scenario]:
        return {404}
    return {200} if persona == "coordinator" else {403}


def _triage_step(persona, method, scenario):
    """A form page: GET shows it, an empty POST shows it again with errors (200)."""
    if persona == "anonymous":
        return {302}
    if persona not in SEES[scenario]:
        return {404}
    return {200} if persona == "coordinator" else {403}


def _spoc_list(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if method == "POST":
        return {405}
    return {200} if persona in {"spoc_a", "spoc_b"} else {403}


def _spoc_answer(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    return {404} if persona in {"spoc_a", "spoc_b"} else {403}


def _withdraw(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    return {404} if persona == "coordinator" else {403}


EXPECTED: dict = {
    "referrals:triage_queue": _queue,
    "referrals:triage": _triage_page,
    "referrals:triage_assign": _triage_step,
    "referrals:triage_information_request": _triage_step,
    "referrals:triage_gateway": _triage_step,
    "referrals:triage_outcome": _triage_step,
    "referrals:chronology_note": _triage_step,
    "referrals:chronology_correction": _triage_step,
    "referrals:information_requests": _spoc_list,
    "referrals:information_request_answer": _spoc_answer,
    "referrals:information_request_withdraw": _withdraw,
}
