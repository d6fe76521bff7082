"""Permission-matrix entries for the search page (url name -> rule)."""

from tests.permissions import rules

# The case roles: not the referrers, the manager, the system administrator or no-role.
SEARCH_ROLES = {"coordinator", "chair", "spoc_a", "spoc_b", "panel_a"}


def _search(persona, method, scenario):
    if method == "POST":
        return rules._signed_in_page(persona, method)  # require_GET: 405 (302 anonymous)
    return rules._signed_in_page(persona, method, SEARCH_ROLES)


EXPECTED: dict = {"referrals:search": _search}
