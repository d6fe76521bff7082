"""Permission-matrix entries for the referral statistics views (url name -> rule)."""

from tests.permissions import rules

STATISTICS_ROLES = {"coordinator", "manager"}


def _statistics(persona, method, scenario):
    if method == "POST":
        return rules._signed_in_page(persona, method)  # require_GET: 405 (302 anonymous)
    return rules._signed_in_page(persona, method, STATISTICS_ROLES)


EXPECTED: dict = {"referrals:statistics": _statistics}
