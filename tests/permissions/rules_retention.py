"""Permission-matrix entries for the retention pages (url name -> rule).

An area module of test_url_matrix.py (see rules_training.py for the shape). The retention
pages are the Coordinator's alone: every other signed-in persona gets 403, before any
record is looked up; they show references and dates, never a person. An empty POST to a
form page shows its errors (200); GET-only pages answer 405 to a POST.
"""

from datetime import date

from tests.permissions.rules import _signed_in_page

PREFIX = "referrals:retention_"
COORDINATOR = {"coordinator"}


def build(world, refs) -> dict:
    from referrals.models import RetentionReview, RetentionRule
    from referrals.services import retention_sweep
    from tests import factories

    person = factories.closed_referral(world.agency_a).person
    retention_sweep(today=date(2026, 11, 22), acting_user=None)
    return {
        "review": RetentionReview.objects.get(person=person),
        "rule": RetentionRule.objects.get(code="other"),
    }


def scenarios(route) -> list[str]:
    return ["own"]


def values(route, scenario, objects) -> dict:
    name = route.key.removeprefix(PREFIX)
    obj = {"review": objects["review"], "rule_edit": objects["rule"]}.get(name)
    return {"pk": obj.pk} if obj is not None else {}


def _page(persona, method, scenario):
    if method == "POST":
        return _signed_in_page(persona, method)  # require_GET: 405 (302 anonymous)
    return _signed_in_page(persona, method, COORDINATOR)


def _form(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    return {200} if persona in COORDINATOR else {403}


EXPECTED: dict = {
    "referrals:retention_reviews": _page,
    "referrals:retention_review": _form,
    "referrals:retention_rules": _page,
    "referrals:retention_rule_edit": _form,
}
