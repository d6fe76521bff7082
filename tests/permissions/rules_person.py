"""Permission-matrix entries for the person page and the change of a person's details.

An area module of test_url_matrix.py (see rules_training.py for the shape): the routes take
a person's primary key, the person of each scenario's referral.

- The page is for case roles (403 for the others before any record is looked up); a case
  role who sees none of the person's referrals gets 404.
- Changing details: 404 unless the person is visible (one of their referrals is), 403
  unless the Coordinator; an empty POST shows the form's errors (200).
"""

from tests.permissions.rules import SCENARIOS, SEES

PREFIX = "referrals:person"
CASE_ROLE_PERSONAS = {"coordinator", "chair", "spoc_a", "spoc_b", "panel_a"}


def build(world, refs) -> dict:
    return {scenario: referral.person for scenario, referral in refs.items()}


def scenarios(route) -> list[str]:
    return SCENARIOS


def values(route, scenario, objects) -> dict:
    return {"pk": objects[scenario].pk}


def _page(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if method == "POST":
        return {405}
    if persona not in CASE_ROLE_PERSONAS:
        return {403}
    return {200} if persona in SEES[scenario] else {404}


def _edit(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if persona not in SEES[scenario]:
        return {404}
    return {200} if persona == "coordinator" else {403}


EXPECTED: dict = {
    "referrals:person": _page,
    "referrals:person_edit": _edit,
}
