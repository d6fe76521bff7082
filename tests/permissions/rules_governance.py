"""Permission-matrix entries for the governance app (url name -> rule).

An area module of test_url_matrix.py: PREFIX names its url names; build(world, refs) makes
its scenario records once per module; scenarios(route) lists the scenarios a route is
walked in; values(route, scenario, objects) fills the route's parameters.

Rules (governance/models/access.py): the Coordinator manages everything; managers read the
boards and the plan, and see the dashboard (aggregates only); board reports are the
Coordinator's and managers' (403 to others on their list and form, 404 on a report; only
the Coordinator presents one, 403 to a manager); an action item's owners
(agency A's SPOC for the "own" item, agency B's for the "other") see it and add progress;
the registers are the Coordinator's alone; so are subject access exports (403 on their pages,
404 on an export, which only the Coordinator who asked downloads, once: 200, then 410).
Pages about no one record answer 403 to the
wrong role; a record nobody let you see answers 404; a record you see but may not change
answers 403. Empty POSTs to form pages show the form
again with errors (200).
"""

from datetime import date

from governance.registers import REGISTERS
from governance.services import register_entry_create
from tests import factories
from tests.governance.records import board_with_paper, finished_export, finished_report

PREFIX = "governance:"

READERS = {"coordinator", "manager"}
STAFF = {"coordinator", "chair", "manager", "spoc_a", "spoc_b", "panel_a"}
# Who owns the item in each scenario (its agency's SPOC).
ITEM_OWNER = {"own": "spoc_a", "other": "spoc_b"}
ITEM_ROUTES = {"item_detail", "item_edit", "progress_add"}
REGISTER_ROUTES = {"register_list", "register_add", "register_edit", "register_delete"}
REPORT_ROUTES = {
    "report_detail",
    "report_pdf",
    "report_docx",
    "report_present",
    "report_narrative",
}
EXPORT_ROUTES = {"subject_access_detail", "subject_access_download"}

REGISTER_ENTRIES = {
    "ctlp-briefings": {
        "audience": "Board members",
        "briefed_on": date(2026, 1, 5),
        "briefed_by": "Test officer",
    },
    "venue-reviews": {
        "venue": "Test hall",
        "hirer_organisation": "Test group",
        "reviewed_on": date(2026, 1, 5),
        "outcome": "approved",
        "reviewer": "Test officer",
    },
    "education-settings": {"name": "Test club", "kind": "youth", "address": "1 Test Road"},
    "funded-projects": {
        "provider": "Test provider",
        "purpose": "Testing",
        "funding_year": "2026-2027",
        "status": "approved",
    },
}


def build(world, refs) -> dict:
    board = factories.board(world.coordinator, name="Matrix board")
    update = board_with_paper(board)
    own = factories.action_item(owner_agency=world.agency_a)
    other = factories.action_item(owner_agency=world.agency_b, action=own.action)
    entries = {
        slug: register_entry_create(register=REGISTERS[slug], data=data, acting_user=None)
        for slug, data in REGISTER_ENTRIES.items()
    }
    return {
        "board": board,
        "update": update,
        "period": own.action.period,
        "action": own.action,
        "items": {"own": own, "other": other},
        "entries": entries,
        "report": finished_report(board, world.coordinator),
        "person": refs["own"].person,
        "export": finished_export(refs["own"].person, world.coordinator),
    }


def _name(route) -> str:
    return route.key.removeprefix(PREFIX)


def scenarios(route) -> list[str]:
    name = _name(route)
    if name in ITEM_ROUTES:
        return ["own", "other"]
    if name in REGISTER_ROUTES:
        return sorted(REGISTERS)
    return ["own"]


def values(route, scenario, objects) -> dict:
    name = _name(route)
    if name in ITEM_ROUTES:
        return {"pk": objects["items"][scenario].pk}
    if name in REGISTER_ROUTES:
        return {"register": scenario, "pk": objects["entries"][scenario].pk}
    if name in REPORT_ROUTES:
        return {"pk": objects["report"].pk}
    if name in EXPORT_ROUTES:
        return {"pk": objects["export"].pk}
    if name == "subject_access_request":
        return {"pk": objects["person"].pk}
    if name.startswith("board_update_attachment"):
        return {"pk": objects["update"].pk}
    if name.startswith("board"):
        return {"pk": objects["board"].pk}
    if name in {"action_edit", "item_add"}:
        return {"pk": objects["action"].pk}
    return {"pk": objects["period"].pk}


def _role_page(allowed, *, get_only=True):
    """A page about no one record: 403 unless the persona holds the role."""

    def rule(persona, method, scenario):
        if persona == "anonymous":
            return {302}
        if get_only and method == "POST":
            return {405}
        return {200} if persona in allowed else {403}

    return rule


def _read_record(persona, method, scenario):
    """A governance record for readers: 404 to anyone else."""
    if persona == "anonymous":
        return {302}
    if method == "POST":
        return {405}
    return {200} if persona in READERS else {404}


def _change_record(persona, method, scenario):
    """A form changing a record readers see: the Coordinator only, 403 to a manager."""
    if persona == "anonymous":
        return {302}
    if persona == "coordinator":
        return {200}
    return {403} if persona == "manager" else {404}


def _item_sees(persona, scenario) -> bool:
    return persona in READERS or persona == ITEM_OWNER[scenario]


def _item_detail(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if method == "POST":
        return {405}
    return {200} if _item_sees(persona, scenario) else {404}


def _item_edit(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if not _item_sees(persona, scenario):
        return {404}
    return {200} if persona == "coordinator" else {403}


def _progress_add(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if not _item_sees(persona, scenario):
        return {404}
    return {403} if persona == "manager" else {200}


def _report(persona, method, scenario):
    """Presenting a board report, or writing its narrative: the Coordinator's alone; a
    manager sees the report (a whole financial year here) but may not present it or write
    on it (403); 404 to anyone else."""
    if persona == "anonymous":
        return {302}
    if persona == "manager":
        return {403}
    return {200} if persona == "coordinator" else {404}


def _report_view(persona, method, scenario):
    """A board report of a whole financial year: the Coordinator and managers read it."""
    if persona == "anonymous":
        return {302}
    if method == "POST":
        return {405}
    return {200} if persona in READERS else {404}


def _export_view(persona, method, scenario):
    """A subject access export's page: the Coordinator's alone (it names who asked and what
    the export holds); managers read board reports, not exports."""
    if persona == "anonymous":
        return {302}
    if method == "POST":
        return {405}
    return {200} if persona == "coordinator" else {404}


def _export_download(persona, method, scenario):
    """POST only; the Coordinator who asked for the export downloads it once (200), then
    410; nobody else sees it (404)."""
    if persona == "anonymous":
        return {302}
    if method == "GET":
        return {405}
    return {200, 410} if persona == "coordinator" else {404}


def _register_entry(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    return {200} if persona == "coordinator" else {404}


EXPECTED: dict = {
    "governance:board_list": _role_page(READERS),
    "governance:board_add": _role_page({"coordinator"}, get_only=False),
    "governance:board_detail": _read_record,
    "governance:board_edit": _change_record,
    "governance:board_update_add": _change_record,
    "governance:board_update_attachment": _read_record,
    "governance:period_list": _role_page(READERS),
    "governance:period_add": _role_page({"coordinator"}, get_only=False),
    "governance:period_detail": _read_record,
    "governance:period_edit": _change_record,
    "governance:quarterly_review": _read_record,
    "governance:appendix": _read_record,
    "governance:appendix_pdf": _read_record,
    "governance:action_add": _change_record,
    "governance:action_edit": _change_record,
    "governance:item_add": _change_record,
    "governance:item_detail": _item_detail,
    "governance:item_edit": _item_edit,
    "governance:progress_add": _progress_add,
    "governance:my_items": _role_page(STAFF),
    "governance:register_index": _role_page({"coordinator"}),
    "governance:register_list": _role_page({"coordinator"}),
    "governance:register_add": _role_page({"coordinator"}, get_only=False),
    "governance:register_edit": _register_entry,
    # The Coordinator's confirmation page (an empty POST shows it again asking for the
    # reason, 200, and deletes nothing); 404 to everyone else.
    "governance:register_delete": _register_entry,
    # Aggregates only: managers and the Coordinator; 403 to anyone else.
    "governance:dashboard": _role_page(READERS),
    # Issue 18: the regional aggregate, regional leads alone; 403 to anyone else.
    "governance:regional": _role_page({"regional"}),
    "governance:report_list": _role_page(READERS),
    "governance:report_add": _role_page(READERS, get_only=False),
    "governance:report_detail": _report_view,
    "governance:report_pdf": _report_view,
    "governance:report_docx": _report_view,
    "governance:report_present": _report,
    "governance:report_narrative": _report,
    # Subject access exports: the Coordinator's alone (403 on the pages, 404 on an export).
    "governance:subject_access_list": _role_page({"coordinator"}),
    "governance:subject_access_search": _role_page({"coordinator"}),
    "governance:subject_access_request": _role_page({"coordinator"}, get_only=False),
    "governance:subject_access_detail": _export_view,
    "governance:subject_access_download": _export_download,
}
