"""Figures and choice lists name their council area; none relies on the wall (issue 18, wall18).

The row-level security wall keeps another area's rows out of a count on PostgreSQL, but SQLite
(the demo) and ``AREA_RLS=false`` run without it (docs/security.md): there a figure that does
not name its area counts every area's. So every aggregate names its area explicitly.

- ``test_a_board_report_counts_its_boards_area_alone``: every section of a board report,
  built for one area, then again after the other area has received referrals, adopted cases,
  held a meeting and made returns, sessions and register entries, with the wall off: the
  same figures. It failed before the fix on the referral, Channel and VAF sections.
- ``test_every_call_of_an_aggregate_names_its_areas``: a source scan of the apps; every call
  of the counting functions passes ``areas=``, or is named below with why it counts every area.
- ``test_no_form_offers_every_agency_without_naming_an_area``: a source scan of the forms;
  an agency choice list names the area (``areas=``), or is named below with why. The
  training-session form offered every agency of the region.
"""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings

from channel_panel.services import case_adopt
from governance import board_report
from governance.registers import REGISTERS
from governance.services import register_entry_create
from referrals.models import Referral
from tests import factories
from tests.training.helpers import make_return
from training import services as training_services
from training.forms.registers import SessionForm
from training.models import TrainingType

pytestmark = pytest.mark.django_db

FROM, TO = date(2026, 4, 1), date(2027, 3, 31)  # a financial year; the factories' day is in it
ON = date(2026, 11, 1)


def _sections(report) -> dict:
    today = date(2027, 4, 2)
    return {
        "referrals": board_report.referral_section(report),
        "channel": board_report.channel_section(report),
        "vaf": board_report.vaf_section(report),
        "training": board_report.training_section(report, today),
        "delivery": board_report.delivery_section(report, 1),
        "registers": board_report.registers_section(report),
        "plan": board_report.plan_section(report),
        "schedule": board_report.schedule_section(today, report.board.area_id),
    }


def _work_in(area, coordinator, chair, agency):
    """A council area's year: a referral, a case adopted, a meeting held, a return, a
    session and a register entry, each filed in ``area``."""
    person = factories.PersonFactory(area=area)
    factories.referral(agency, person=person)
    passed = factories.panel_referral(agency, person=factories.PersonFactory(area=area))
    factories.assessment(passed, author=coordinator, on=ON)
    case_adopt(
        referral=Referral.objects.get(pk=passed.pk),
        lead_agency=agency,
        case_manager=coordinator,
        adopted_on=ON,
        acting_user=None,
    )
    factories.held(factories.meeting(chair, meets_on=ON))
    make_return(agency, date(2026, 6, 30), 10, 9, area=area)
    training_services.training_session_record(
        data={
            "delivered_on": ON,
            "training_type": TrainingType.objects.active().first(),
            "trainers": "Coordinator",
            "other_organisations": "",
            "audience": "Social workers",
            "attendees": 12,
            "mode": "in_person",
            "feedback": "",
        },
        agencies=[agency],
        acting_user=None,
        area=area,
    )
    register_entry_create(
        register=REGISTERS["ctlp-briefings"],
        data={"audience": "Heads", "briefed_on": ON, "briefed_by": "Officer", "notes": ""},
        acting_user=None,
        area=area,
    )


@pytest.mark.parametrize("layout", ["seed", "long"])
def test_a_board_report_counts_its_boards_area_alone(two_areas, world, monkeypatch, layout):
    """With the wall off (the test acts for every area), a board report of one area gives the
    same figures before and after the other area's year of work: in seed 002's layout and in
    the long form's sector totals (more agencies than the layout holds), which counted every
    area's agencies as owing returns."""
    if layout == "long":
        monkeypatch.setattr(board_report, "SEED_LAYOUT_MAX_AGENCIES", 0)
    elsewhere = two_areas.elsewhere
    board = factories.board(world.coordinator)
    _work_in(two_areas.here, world.coordinator, world.chair, world.council)
    report = SimpleNamespace(board=board, date_from=FROM, date_to=TO, suppress_below=0)
    before = _sections(report)
    assert before["referrals"]["total"] == 2
    factories.board(elsewhere.coordinator, area=elsewhere.area)
    _work_in(elsewhere.area, elsewhere.coordinator, elsewhere.chair, elsewhere.council)
    # A partner of the other area alone, owing returns there and making none.
    factories.AgencyFactory(name="Westbrook college", short_code="wb-college").areas.set(
        [elsewhere.area]
    )
    assert Referral.objects.filter(area=elsewhere.area).count() == 2  # counted, if not named
    assert _sections(report) == before


# Counting functions that count every area when not told which (``areas=None``).
AGGREGATES = {"referral_statistics", "channel_report", "vaf_counts", "period_figures_count"}
# Calls that count every area on purpose, and why.
EVERY_AREA_ON_PURPOSE = {
    # The Home Office statistics commands: an operator's report of the whole deployment,
    # declared as acting for every area (AreaCommand.acts_for = ALL).
    "referrals/management/commands/prevent_statistics.py",
    "channel_panel/management/commands/channel_report.py",
}
APPS = ("referrals", "channel_panel", "governance", "training", "prevent_portal")


def _python_files(under: tuple[str, ...]):
    root = Path(settings.BASE_DIR)
    for app in under:
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield root, path


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def test_every_call_of_an_aggregate_names_its_areas():
    failures = []
    for root, path in _python_files(APPS):
        relative = path.relative_to(root).as_posix()
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or _called_name(node) not in AGGREGATES:
                continue
            if any(k.arg == "areas" for k in node.keywords) or relative in EVERY_AREA_ON_PURPOSE:
                continue
            failures.append(f"{relative}:{node.lineno} {_called_name(node)}() names no areas")
    assert failures == []


# Agency choice lists in forms that may offer an agency of any area, and why: (module, the
# class or function holding the list).
AGENCY_LISTS_OF_EVERY_AREA = {
    # Who referred: a referral may come from an agency of any area (a school across the
    # border); choosing it gives that agency nothing (the referral is the person's area's).
    ("referrals/forms/intake.py", "SourceForm"),
    # The system administrator's configuration: a training type is shared by every area.
    ("training/forms/configuration.py", "TrainingTypeForm"),
    # Accounts: the system administrator's forms, given their agencies by the view.
    ("prevent_portal/accounts/forms.py", "AccountCreateForm"),
    ("prevent_portal/accounts/forms.py", "RoleAddForm"),
    # Not a list: the names of the agencies of choices already limited to the area
    # (``staff_choices(area)``), and the agency of the choice made.
    ("channel_panel/forms/meetings.py", "staff_choices"),
    ("channel_panel/forms/meetings.py", "StaffChoiceField"),
    # Where information came from (a needs flag's or an assessment's evidence's source):
    # an agency of any area may have given it.
    ("channel_panel/forms/cases.py", "_agencies"),
    # A field's class default: the decision form narrows the lead agency and the agency a
    # case returns to to the meeting's area; attendance names who came, from wherever.
    ("channel_panel/forms/meetings.py", "_agency_field"),
}


def _agency_querysets(tree):
    """(enclosing class or function, line, source) of every ``Agency.objects`` chain with
    neither ``areas=`` nor ``.none()`` in it, outside a class that narrows its list to an
    area in ``__init__`` (an ``Agency.objects`` chain with ``areas=`` in the same class)."""
    for scope in tree.body:
        name = getattr(scope, "name", "<module>")
        chains = [
            (node.lineno, ast.unparse(node))
            for node in ast.walk(scope)
            if isinstance(node, ast.Call) and ast.unparse(node).startswith("Agency.objects")
        ]
        if isinstance(scope, ast.ClassDef) and any("areas=" in src for _, src in chains):
            continue
        for line, source in chains:
            if ".none()" in source or "areas=" in source or "areas__" in source:
                continue
            yield name, line, source


def test_no_form_offers_every_agency_without_naming_an_area():
    failures = set()
    for root, path in _python_files(APPS):
        if "forms" not in path.parts and path.stem != "forms":
            continue
        relative = path.relative_to(root).as_posix()
        for scope, line, _source in _agency_querysets(ast.parse(path.read_text())):
            if (relative, scope) not in AGENCY_LISTS_OF_EVERY_AREA:
                failures.add(f"{relative}:{line} {scope}")
    assert sorted(failures) == []


def test_the_session_form_offers_the_areas_agencies(two_areas, world):
    """The training-session form offers the agencies serving the Coordinator's area (and
    keeps one a session already names); never another area's."""
    elsewhere = two_areas.elsewhere
    offered = set(SessionForm(area=two_areas.here.pk).fields["agencies"].queryset)
    assert world.agency_a in offered
    assert elsewhere.council not in offered and elsewhere.partner not in offered
    kept = SessionForm(area=two_areas.here.pk, current_agencies=[elsewhere.partner.pk])
    assert elsewhere.partner in set(kept.fields["agencies"].queryset)


def test_the_agencies_offered_to_work_a_case_serve_its_area(two_areas, world):
    """A decision's lead agency and the agency a case returns to, and a support action's
    owner: agencies serving the record's area (another area's would never see the case)."""
    from channel_panel.forms.cases import CaseExitForm, SupportActionForm
    from channel_panel.forms.meetings import DecisionForm
    from channel_panel.services import agenda_item_add

    elsewhere = two_areas.elsewhere
    case = factories.channel_case(world.council, world.coordinator)
    meeting = factories.meeting(world.chair)
    item = agenda_item_add(
        meeting=meeting,
        referral=factories.panel_referral(world.council, assessed=True),
        acting_user=world.chair,
    )
    lists = [
        SupportActionForm(case=case).fields["owner_agency"].queryset,
        CaseExitForm(case=case).fields["return_ownership_to"].queryset,
        DecisionForm(item=item).fields["lead_agency"].queryset,
    ]
    for offered in lists:
        assert world.agency_a in offered
        assert elsewhere.council not in offered and elsewhere.partner not in offered
