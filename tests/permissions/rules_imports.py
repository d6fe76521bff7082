"""Permission-matrix entries for the referral imports views (url name -> rule)."""

from tests.permissions import rules


def _coordinator_only(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if persona != "coordinator":
        return {403}
    return {200}  # an empty POST shows the form again with "Choose a ... file"


def _import_result(persona, method, scenario):
    if method == "POST":
        return rules._signed_in_page(persona, method)  # require_GET: 405 (302 anonymous)
    return rules._signed_in_page(persona, method, {"coordinator"})


EXPECTED: dict = {
    "referrals:import": _coordinator_only,
    "referrals:import_result": _import_result,
}
