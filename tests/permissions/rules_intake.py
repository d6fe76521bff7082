"""Permission-matrix entries for the referral intake views (url name -> rule).

Referrers, SPOCs and the coordinator may make a referral; everyone else signed in gets 403.
The matrix posts an empty form: a page whose questions are all optional saves it and moves
on (302), any other page shows its errors (200).
"""

from referrals.forms.intake import STEPS
from tests.permissions import rules

INTAKE = {"coordinator", "spoc_a", "spoc_b", "referrer_a", "referrer_b"}
# Who made the referral of each scenario (tests/permissions/rules.py SEES).
REFERRER_OF = {
    "own": "referrer_a",
    "other": "referrer_b",
    "shared_live": "referrer_b",
    "shared_expired": "referrer_b",
    "shared_user": "referrer_b",
    # Panel referrals made without a referrer account.
    "pack_open": None,
    "pack_closed": None,
}


def _intake_get_only(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if method == "POST":
        return {405}
    return {200} if persona in INTAKE else {403}


def _intake_form(post_status):
    def rule(persona, method, scenario):
        if persona == "anonymous":
            return {302}
        if persona not in INTAKE:
            return {403}
        return (
            {200} if method == "GET" else {post_status() if callable(post_status) else post_status}
        )

    return rule


def _confirmation(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if method == "POST":
        return {405}
    # Only the one who made the referral, and only while they can still see it.
    return {200} if persona == REFERRER_OF[scenario] and persona in rules.SEES[scenario] else {404}


def _step_post_status(step):
    def status() -> int:
        # An empty form is valid (and saved) only where every question is optional.
        return 302 if step.form_class(data={}).is_valid() else 200

    return status


def _coordinator_form(persona, method, scenario):
    """Who made a referral and when: the Coordinator's page (an empty POST shows errors)."""
    if persona == "anonymous":
        return {302}
    return {200} if persona == "coordinator" else {403}


def _area_question(persona, method, scenario):
    """The council-area question: every agency of the matrix serves one area, so the page
    sends everyone who may refer straight on to the first question (302); 403 otherwise.
    tests/areas/test_intake_area.py asks it of an agency serving two."""
    if persona == "anonymous":
        return {302}
    return {302} if persona in INTAKE else {403}


EXPECTED: dict = {
    "referrals:intake_area": _area_question,
    "referrals:intake_source": _coordinator_form,
    "referrals:intake_start": _intake_get_only,
    "referrals:intake_agency": _intake_form(200),
    "referrals:intake_check": _intake_form(200),
    "referrals:intake_discard": _intake_form(302),
    "referrals:intake_confirmation": _confirmation,
    "referrals:mine": _intake_get_only,
    **{
        f"referrals:intake_{step.slug.replace('-', '_')}": _intake_form(_step_post_status(step))
        for step in STEPS
    },
}
