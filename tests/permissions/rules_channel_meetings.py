"""Permission-matrix entries for the Channel Panel meetings views (url name -> rule).

Scenarios and who sees what: see rules_channel_panel.py (SEES_CASE, CHANGES_CASE).
"""

from tests.permissions import rules

REPORT_ROLES = {"coordinator", "chair", "manager"}


def _report(persona, method, scenario):
    # Aggregates only, for the Coordinator, the chair and managers; require_GET.
    if method == "POST":
        return rules._signed_in_page(persona, method)  # 405 (302 anonymous)
    return rules._signed_in_page(persona, method, REPORT_ROLES)


EXPECTED: dict = {
    "channel_panel:report": _report,
}
