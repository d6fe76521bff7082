"""Permission-matrix entries for the training app (url name -> rule).

An area module of test_url_matrix.py: PREFIX names its url names; build(world, refs) makes
its scenario records once per module; scenarios(route) lists the scenarios a route is
walked in; values(route, scenario, objects) fills the route's parameters.

Rules (training/models.py): the Coordinator does everything; managers and the panel chair
read compliance, sessions and coverage; a SPOC enters, corrects and uploads their own
agency's returns and reads its compliance. A return of agency A ("own") or agency B
("other") is not found (404) by whoever may not see it, and forbidden (403) to a reader who
sees it but may not correct it. Pages about no one record answer 403 to the wrong role.
Empty POSTs to form pages show the form again with errors (200); GET-only pages answer 405.
"""

from datetime import date

from training import services

PREFIX = "training:"

COORDINATOR = {"coordinator"}
# Training types and quarters are configuration: the system administrator may change them
# too (in the admin, and so on these pages, which check the same model permissions).
CONFIGURERS = {"coordinator", "sysadmin"}
RETURNERS = {"coordinator", "spoc_a", "spoc_b"}
READERS = {"coordinator", "manager", "chair"}
COMPLIANCE = READERS | {"spoc_a", "spoc_b"}
SEES_RETURN = {"own": READERS | {"spoc_a"}, "other": READERS | {"spoc_b"}}
CHANGES_RETURN = {"own": {"coordinator", "spoc_a"}, "other": {"coordinator", "spoc_b"}}
RETURN_ROUTES = {"return_detail", "return_edit"}


def build(world, refs) -> dict:
    from training.models import DeliveryMode, TrainingType

    wrap = TrainingType.objects.get(name="WRAP")
    period = services.reporting_period_for_end(end=date(2026, 6, 30), acting_user=None)
    returns = {
        scenario: services.compliance_return_submit(
            agency=agency,
            training_type=wrap,
            period=period,
            eligible=100,
            compliant=90,
            acting_user=None,
        )
        for scenario, agency in (("own", world.agency_a), ("other", world.agency_b))
    }
    session = services.training_session_record(
        data={
            "delivered_on": date(2026, 5, 1),
            "training_type": wrap,
            "trainers": "Prevent Coordinator",
            "other_organisations": "",
            "audience": "Housing officers",
            "attendees": 12,
            "mode": DeliveryMode.IN_PERSON,
            "feedback": "",
        },
        agencies=[world.agency_a],
        acting_user=None,
    )
    coverage = services.department_coverage_record(
        data={
            "department": "Matrix department",
            "training_type": wrap,
            "covers_from": None,
            "as_at": date(2026, 6, 1),
            "staff_requiring_training": 40,
            "staff_trained": 20,
            "sessions_delivered": 3,
        },
        acting_user=None,
    )
    return {
        "returns": returns,
        "session": session,
        "coverage": coverage,
        "type": wrap,
        "period": period,
    }


def _name(route) -> str:
    return route.key.removeprefix(PREFIX)


def scenarios(route) -> list[str]:
    return ["own", "other"] if _name(route) in RETURN_ROUTES else ["own"]


def values(route, scenario, objects) -> dict:
    name = _name(route)
    if name in RETURN_ROUTES:
        return {"pk": objects["returns"][scenario].pk}
    pk = {
        "session_edit": objects["session"],
        "coverage_edit": objects["coverage"],
        "type_edit": objects["type"],
        "period_edit": objects["period"],
    }.get(name)
    return {"pk": pk.pk} if pk is not None else {}


def _page(allowed):
    """A GET-only page about no one record."""

    def rule(persona, method, scenario):
        if persona == "anonymous":
            return {302}
        if method == "POST":
            return {405}
        return {200} if persona in allowed else {403}

    return rule


def _form(allowed):
    """A form page about no one record: GET shows it, an empty POST shows its errors."""

    def rule(persona, method, scenario):
        if persona == "anonymous":
            return {302}
        return {200} if persona in allowed else {403}

    return rule


def _return_detail(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if method == "POST":
        return {405}
    return {200} if persona in SEES_RETURN[scenario] else {404}


def _return_edit(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if persona not in SEES_RETURN[scenario]:
        return {404}
    return {200} if persona in CHANGES_RETURN[scenario] else {403}


def _register_edit(persona, method, scenario):
    """Sessions and coverage: readers see them but only the Coordinator changes them."""
    if persona == "anonymous":
        return {302}
    if persona not in READERS:
        return {404}
    return {200} if persona in COORDINATOR else {403}


EXPECTED: dict = {
    "training:compliance": _page(COMPLIANCE),
    "training:returns": _page(RETURNERS),
    "training:return_add": _form(RETURNERS),
    "training:return_detail": _return_detail,
    "training:return_edit": _return_edit,
    "training:upload": _form(RETURNERS),
    "training:upload_result": _page(RETURNERS),
    "training:sessions": _page(READERS),
    "training:session_add": _form(COORDINATOR),
    "training:session_edit": _register_edit,
    "training:coverage": _page(READERS),
    "training:coverage_add": _form(COORDINATOR),
    "training:coverage_edit": _register_edit,
    "training:types": _page(CONFIGURERS),
    "training:type_add": _form(CONFIGURERS),
    "training:type_edit": _form(CONFIGURERS),
    "training:periods": _page(CONFIGURERS),
    "training:period_add": _form(CONFIGURERS),
    "training:period_edit": _form(CONFIGURERS),
}
