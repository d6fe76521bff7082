"""Issue 18: training returns, governance records and retention rules belong to a council area.

"Every referral, Channel case, panel, meeting, board, action plan, training quarter and
register belongs to exactly one area. Lookups and retention rules are shared by default and
can be overridden per area." and a partner's "training returns are per agency, per area where
the area asks for them". What another area's staff get for one of these records by its
address (404) is walked by tests/permissions/test_other_area.py; here: what the lists,
figures, reminders and imports of each area hold, and that one area notices nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from governance import board_report
from governance.models import Board, CtlpBriefing
from governance.registers import REGISTERS
from governance.services import board_create, register_entry_create
from referrals.models import RetentionRule
from tests.conftest import sign_in
from tests.training.helpers import csv_bytes, make_return, quarter, row, wrap
from training import services as training_services
from training.imports import read_returns_file
from training.models import ComplianceReturn
from training.reminders import missing_returns_reminders

END = date(2018, 6, 30)
CHASED = date(2026, 6, 30)  # a quarter whose returns are chased (WRAP still offered then)


def _return_post(world, area, compliant="9"):
    return {
        "area": str(area.pk),
        "agency": str(world.agency_a.pk),
        "training_type": str(wrap().pk),
        "period": str(quarter(END).pk),
        "eligible": "10",
        "compliant": compliant,
    }


@pytest.fixture
def a_serves_both(two_areas, world):
    """Agency A (its SPOC is world.spoc_a) serves the second area too."""
    world.agency_a.areas.add(two_areas.elsewhere.area)
    return two_areas


def test_a_spoc_of_a_partner_serving_two_areas_returns_figures_to_each(
    a_serves_both, world, client
):
    """The SPOC says which area a return is for; the same agency, type and quarter may be
    returned to each area, and each area's Coordinator sees only the return made to theirs."""
    here, elsewhere = a_serves_both.here, a_serves_both.elsewhere
    sign_in(client, world.spoc_a)
    assert "Council area" in client.get("/training/returns/new/").content.decode()
    for area, compliant in ((here, "9"), (elsewhere.area, "3")):
        response = client.post("/training/returns/new/", _return_post(world, area, compliant))
        assert response.status_code == 302
    made = dict(
        ComplianceReturn.objects.filter(agency=world.agency_a).values_list("area", "compliant")
    )
    assert made == {here.pk: 9, elsewhere.area.pk: 3}

    client.logout()
    sign_in(client, elsewhere.coordinator)
    theirs = ComplianceReturn.objects.get(area=elsewhere.area)
    ours = ComplianceReturn.objects.get(area=here)
    assert client.get(f"/training/returns/{theirs.pk}/").status_code == 200
    assert client.get(f"/training/returns/{ours.pk}/").status_code == 404
    listed = client.get("/training/returns/", {"period": quarter(END).pk}).context["rows"]
    assert [r["compliance_return"] for r in listed if r["compliance_return"]] == [theirs]


def test_a_return_to_an_area_the_agency_does_not_serve_is_refused(two_areas, world, client):
    sign_in(client, world.spoc_a)
    response = client.post("/training/returns/new/", _return_post(world, two_areas.elsewhere.area))
    assert response.status_code == 200  # the form again: the area is not one of theirs
    assert not ComplianceReturn.objects.exists()


def test_a_single_council_deployment_asks_no_area_question(world, client):
    """One area: the return form, the list and the compliance page show no area."""
    sign_in(client, world.spoc_a)
    for page in ("/training/returns/new/", "/training/returns/", "/training/"):
        assert "Council area" not in client.get(page).content.decode(), page
    data = _return_post(world, world.council.areas.get())
    del data["area"]  # as a script or an old page posts it
    assert client.post("/training/returns/new/", data).status_code == 302


def test_an_import_files_every_row_in_its_area_or_saves_nothing(a_serves_both, world):
    """All or nothing, with the line of each row whose agency does not serve the area."""
    elsewhere = a_serves_both.elsewhere
    rows = read_returns_file(
        "returns.csv", csv_bytes([row(agency="Agency A"), row(agency="Agency B")])
    )
    result = training_services.compliance_returns_import(
        rows=rows, acting_user=None, area=elsewhere.area
    )
    assert not result.ok
    assert any("Line 3" in m and "does not serve Westbrook" in m for m in result.messages())
    assert not ComplianceReturn.objects.exists()
    result = training_services.compliance_returns_import(
        rows=rows[:1], acting_user=None, area=elsewhere.area
    )
    assert result.ok and ComplianceReturn.objects.get().area == elsewhere.area


def test_missing_returns_are_chased_per_area_and_each_area_hears_of_its_own(
    a_serves_both, world, settings
):
    """Agency A owes WRAP to both areas and returned it only to the first: its SPOC is
    reminded of the second area's, and after the deadline only the second area's Coordinator
    is told; the first area's Coordinator hears nothing of it."""
    settings.TRAINING_REMINDER_DAYS_BEFORE = 14
    elsewhere = a_serves_both.elsewhere
    deadline = date(2026, 7, 31)
    quarter(CHASED, deadline=deadline)
    make_return(world.agency_a, CHASED, 10, 9, area=a_serves_both.here)
    before = list(missing_returns_reminders(deadline))
    to_spoc = [r for r in before if r.title.startswith("Agency A: WRAP return")]
    assert {r.recipient for r in to_spoc} == {world.spoc_a}
    assert [r.title.split(" for ")[0] for r in to_spoc] == ["Agency A: WRAP return to Westbrook"]
    after = list(missing_returns_reminders(deadline + timedelta(days=1)))
    told = {r.recipient for r in after if "- Agency A: WRAP" in r.body.splitlines()}
    assert told == {elsewhere.coordinator}


def test_each_area_keeps_its_own_boards_registers_and_board_report_figures(two_areas, world):
    """The same board name in two areas; a register entry and a board report's register
    counts are the board's area's alone."""
    elsewhere = two_areas.elsewhere
    theirs = board_create(
        name="Prevent Partnership Board",
        frequency="quarterly",
        lead_officer=elsewhere.coordinator,
        acting_user=elsewhere.coordinator,
        area=elsewhere.area,
    )
    ours = board_create(
        name="Prevent Partnership Board",
        frequency="quarterly",
        lead_officer=world.coordinator,
        acting_user=world.coordinator,
    )
    assert list(Board.objects.visible_to(elsewhere.coordinator)) == [theirs]
    assert list(Board.objects.visible_to(world.manager)) == [ours]
    briefings = REGISTERS["ctlp-briefings"]
    data = {"audience": "Heads", "briefed_on": END, "briefed_by": "Officer", "notes": ""}
    register_entry_create(register=briefings, data=data, acting_user=world.coordinator)
    register_entry_create(
        register=briefings, data=data, acting_user=elsewhere.coordinator, area=elsewhere.area
    )
    assert CtlpBriefing.objects.visible_to(elsewhere.coordinator).get().area == elsewhere.area
    report = SimpleNamespace(board=theirs, date_from=date(2018, 4, 1), date_to=END)
    assert board_report.registers_section(report)["briefings"] == 1


def test_a_retention_rule_changed_by_one_area_is_overridden_there_only(two_areas, world, client):
    """The shared rule stays as it was for every other area; the override is the changing
    area's, and another area's Coordinator cannot open it."""
    elsewhere = two_areas.elsewhere
    shared = RetentionRule.objects.get(code=RetentionRule.OTHER, for_area=None)
    sign_in(client, elsewhere.coordinator)
    response = client.post(
        f"/referrals/retention/rules/{shared.pk}/",
        {"years": str(shared.years + 4), "young_person_until_age": "", "version": "1"},
    )
    assert response.status_code == 302
    override = RetentionRule.objects.get(code=RetentionRule.OTHER, for_area=elsewhere.area)
    assert override.years == shared.years + 4
    shared.refresh_from_db()
    assert shared.version == 1
    in_force = {r.code: r for r in RetentionRule.objects.in_force(elsewhere.area.pk)}
    assert in_force[RetentionRule.OTHER] == override
    in_force_here = {r.code: r for r in RetentionRule.objects.in_force(two_areas.here.pk)}
    assert in_force_here[RetentionRule.OTHER] == shared
    client.logout()
    sign_in(client, world.coordinator)
    assert client.get(f"/referrals/retention/rules/{override.pk}/").status_code == 404


def test_shared_training_configuration_is_not_changed_by_one_of_several_areas(
    two_areas, world, client
):
    """Training types and quarters are every area's: with several areas a Coordinator reads
    them but the system administrator changes them (in a single-council deployment the
    Coordinator does, tests/training/test_configuration.py)."""
    sign_in(client, two_areas.elsewhere.coordinator)
    page = client.get("/training/types/").content.decode()
    assert "The system administrator changes them" in page
    assert client.get("/training/types/new/").status_code == 403
    assert client.get(f"/training/types/{wrap().pk}/change/").status_code == 403


def test_a_coordinator_reviews_the_accounts_of_their_own_area_only(a_serves_both, world, client):
    """Another area's Coordinator does not list or open this area's accounts (404, as for
    none); a partner's SPOC working for both councils is listed to each, but only the
    system administrator, who runs accounts across areas, switches them off."""
    elsewhere = a_serves_both.elsewhere
    sign_in(client, elsewhere.coordinator)
    listed = {row["account"] for row in client.get("/accounts/").context["rows"]}
    assert world.spoc_b not in listed and elsewhere.spoc in listed
    assert client.get(f"/accounts/{world.spoc_b.pk}/").status_code == 404
    row = next(r for r in client.get("/accounts/").context["rows"] if r["account"] == world.spoc_a)
    assert row["may_deactivate"] is False
    assert client.get(f"/accounts/{world.spoc_a.pk}/deactivate/").status_code == 403
    client.logout()
    sign_in(client, world.sysadmin)
    listed = {row["account"] for row in client.get("/accounts/").context["rows"]}
    assert {world.spoc_b, elsewhere.spoc, world.spoc_a} <= listed
