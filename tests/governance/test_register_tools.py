"""The registers' list tools (issue 17): paging, search, CSV and XLSX downloads, and
deletion with a reason, for the Coordinator alone."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from governance.models import CtlpBriefing, FundedProject, RegisterDeletion, VenueReview
from governance.registers import REGISTERS
from governance.services import register_entry_create, register_entry_delete
from governance.views.registers import PAGE_SIZE
from prevent_portal.audit.masking import REDACTED
from prevent_portal.core.concurrency import StaleEdit
from tests.conftest import sign_in
from tests.core.test_query_counts import queries_for

BRIEFINGS = "/governance/registers/ctlp-briefings/"
VENUES = "/governance/registers/venue-reviews/"
PROJECTS = "/governance/registers/funded-projects/"


def briefing(audience: str, *, notes: str = "", day: int = 1):
    return register_entry_create(
        register=REGISTERS["ctlp-briefings"],
        data={
            "audience": audience,
            "briefed_on": date(2025, 1, day),
            "briefed_by": "Avery Okonjo",
            "notes": notes,
        },
        acting_user=None,
    )


def venue(name: str, hirer: str = "Residents' Forum", notes: str = ""):
    return register_entry_create(
        register=REGISTERS["venue-reviews"],
        data={
            "venue": name,
            "hirer_organisation": hirer,
            "reviewed_on": date(2025, 3, 9),
            "outcome": "conditions",
            "reviewer": "Avery Okonjo",
            "notes": notes,
        },
        acting_user=None,
    )


def rows_of(html: str) -> int:
    return html.count('<tr class="govuk-table__row">') - 1  # less the heading row


# --- Paging -------------------------------------------------------------------------------


def test_a_long_register_comes_a_page_at_a_time_with_page_links(client, world):
    for n in range(PAGE_SIZE + 3):
        briefing(f"Audience {n:02d}", day=1 + n % 28)
    sign_in(client, world.coordinator)
    first = client.get(BRIEFINGS).content.decode()
    assert rows_of(first) == PAGE_SIZE
    assert f"{PAGE_SIZE + 3} entries" in first
    assert 'class="govuk-pagination"' in first and 'rel="next"' in first
    second = client.get(BRIEFINGS, {"page": 2}).content.decode()
    assert rows_of(second) == 3
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_the_list_costs_the_same_queries_with_3_entries_or_60(client, world):
    for n in range(3):
        briefing(f"Audience {n}")
    sign_in(client, world.coordinator)
    client.get("/")  # settle the session
    few = queries_for(client, BRIEFINGS)
    for n in range(57):
        briefing(f"More {n}")
    assert queries_for(client, BRIEFINGS) == few
    assert queries_for(client, BRIEFINGS + "?q=More&page=2") == few


# --- Search -------------------------------------------------------------------------------


def test_search_finds_words_in_any_text_field_whatever_the_case(client, world):
    venue("Northmere Community Hall")
    venue("Riverside Centre", hirer="Northmere Youth Trust")
    venue("Town Hall", notes="Checked the speakers' northmere talks")
    venue("Library")
    sign_in(client, world.coordinator)
    html = client.get(VENUES, {"q": "  NORTHMERE "}).content.decode()
    assert "3 entries found" in html
    assert "Library" not in html
    assert 'value="NORTHMERE"' in html or 'value="  NORTHMERE "' in html
    assert "Clear the search" in html


def test_search_keeps_its_words_on_the_page_links(client, world):
    for n in range(PAGE_SIZE + 1):
        briefing(f"Board {n}")
    briefing("Someone else")
    sign_in(client, world.coordinator)
    html = client.get(BRIEFINGS, {"q": "Board"}).content.decode()
    assert "?q=Board&amp;page=2" in html
    second = client.get(BRIEFINGS, {"q": "Board", "page": 2}).content.decode()
    assert rows_of(second) == 1 and "Someone else" not in second


def test_a_search_that_finds_nothing_says_so(client, world):
    venue("Northmere Community Hall")
    sign_in(client, world.coordinator)
    html = client.get(VENUES, {"q": "zzz"}).content.decode()
    assert "No entries found" in html
    assert "No venue-booking reviews contain ‘zzz’" in html
    assert REGISTERS["venue-reviews"].empty not in html  # the register is not empty


def test_a_search_too_long_is_refused_with_an_error(client, world):
    venue("Northmere Community Hall")
    sign_in(client, world.coordinator)
    html = client.get(VENUES, {"q": "x" * 201}).content.decode()
    assert "<title>Error: " in html
    assert "Search for 200 characters or fewer" in html


# --- Downloads ----------------------------------------------------------------------------


def test_csv_download_holds_every_entry_found_with_formulas_disarmed(client, world):
    venue('=HYPERLINK("https://evil.example","x")')
    venue("+44 hall", hirer="-1+1")
    venue("Library")
    sign_in(client, world.coordinator)
    response = client.get(VENUES, {"q": "hall", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        f'attachment; filename="venue-reviews-{date.today().isoformat()}.csv"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "Venue",
        "Hirer (organisation)",
        "Date of the review",
        "Outcome",
        "Reviewer",
        "Notes",
    ]
    assert sorted(r[0] for r in rows[1:]) == ["'+44 hall"]  # the search applies
    assert rows[1][1:4] == ["'-1+1", "2025-03-09", "Approved with conditions"]
    everything = client.get(VENUES, {"format": "csv"}).content.decode()
    assert "'=HYPERLINK(" in everything and "Library" in everything


def test_xlsx_download_keeps_amounts_and_dates_as_numbers_and_dates(client, world):
    register_entry_create(
        register=REGISTERS["funded-projects"],
        data={
            "provider": "@Shared Futures",
            "purpose": "Sessions in schools",
            "funding_year": "2021-2022",
            "amount": Decimal("12500.50"),
            "status": "commissioned",
        },
        acting_user=None,
    )
    sign_in(client, world.coordinator)
    response = client.get(PROJECTS, {"format": "xlsx"})
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [cell.value for cell in sheet[2]]
    assert values[0] == "'@Shared Futures" and sheet["A2"].data_type == "s"
    assert values[3] == 12500.5
    assert values[4] == "Commissioned"


def test_each_download_writes_an_access_entry_per_entry(client, world):
    entries = [venue("Hall one"), venue("Hall two")]
    sign_in(client, world.coordinator)
    client.get(VENUES, {"format": "xlsx"})
    logged = LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, additional_data__view="governance:register_list (xlsx)"
    )
    assert sorted(int(e.object_pk) for e in logged) == sorted(e.pk for e in entries)
    assert {e.actor for e in logged} == {world.coordinator}


# --- Deletion -----------------------------------------------------------------------------


def test_deleting_needs_a_reason_and_is_recorded_with_who_and_when(world):
    entry = venue("Northmere Community Hall")
    register = REGISTERS["venue-reviews"]
    with pytest.raises(ValueError, match="Enter why"):
        register_entry_delete(
            register=register,
            entry=entry,
            reason="  ",
            expected_version=1,
            acting_user=world.coordinator,
        )
    assert VenueReview.objects.filter(pk=entry.pk).exists()
    deletion = register_entry_delete(
        register=register,
        entry=entry,
        reason="Recorded twice by mistake",
        expected_version=entry.version,
        acting_user=world.coordinator,
    )
    assert not VenueReview.objects.filter(pk=entry.pk).exists()
    assert (deletion.register, deletion.entry_id, deletion.deleted_by) == (
        "venue-reviews",
        entry.pk,
        world.coordinator,
    )
    assert deletion.entry_label == f"Venue-booking review {entry.pk}"
    assert deletion.reason == "Recorded twice by mistake" and deletion.deleted_at
    gone = LogEntry.objects.get_for_object(entry).get(action=LogEntry.Action.DELETE)
    assert gone.additional_data == {"register": "venue-reviews", "deletion_record": deletion.pk}
    # The reason may name people: masked in the log, kept in the deletion record.
    made = LogEntry.objects.get_for_object(deletion).get(action=LogEntry.Action.CREATE)
    assert made.changes_dict["reason"][1] == REDACTED


def test_only_the_coordinator_may_delete_and_never_over_a_change(world):
    entry = venue("Hall")
    register = REGISTERS["venue-reviews"]
    with pytest.raises(PermissionDenied):
        register_entry_delete(
            register=register,
            entry=entry,
            reason="No",
            expected_version=1,
            acting_user=world.manager,
        )
    with pytest.raises(StaleEdit):
        register_entry_delete(
            register=register,
            entry=entry,
            reason="Old page",
            expected_version=0,
            acting_user=world.coordinator,
        )
    assert VenueReview.objects.filter(pk=entry.pk).exists()
    assert not RegisterDeletion.objects.exists()


def test_coordinator_confirms_a_deletion_and_the_entry_leaves_list_and_downloads(client, world):
    kept, deleted = briefing("Council leaders"), briefing("Safer Communities Board")
    sign_in(client, world.coordinator)
    page = f"{BRIEFINGS}{deleted.pk}/delete/"
    confirm = client.get(page).content.decode()
    assert "Delete this CTLP briefing?" in confirm and "Safer Communities Board" in confirm
    refused = client.post(page, {"reason": "", "version": deleted.version})
    assert "Enter why you are deleting this entry" in refused.content.decode()
    assert CtlpBriefing.objects.count() == 2
    response = client.post(page, {"reason": "Entered twice", "version": deleted.version})
    assert response.status_code == 302 and response.url == BRIEFINGS
    listed = client.get(BRIEFINGS).content.decode()
    assert "CTLP briefing deleted" in listed
    assert "Safer Communities Board" not in listed and "Council leaders" in listed
    exported = client.get(BRIEFINGS, {"format": "csv"}).content.decode()
    assert "Safer Communities Board" not in exported and "Council leaders" in exported
    assert client.get(page).status_code == 404
    record = RegisterDeletion.objects.get()
    assert (record.deleted_by, record.reason) == (world.coordinator, "Entered twice")
    gone = LogEntry.objects.get_for_object(deleted).get(action=LogEntry.Action.DELETE)
    assert gone.actor == world.coordinator
    assert CtlpBriefing.objects.get() == kept


def test_a_deletion_from_an_old_page_is_refused(client, world):
    entry = briefing("Council leaders")
    sign_in(client, world.coordinator)
    client.post(
        f"{BRIEFINGS}{entry.pk}/edit/",
        {
            "audience": "Council leaders (changed)",
            "briefed_on": "1/1/2025",
            "briefed_by": "Avery",
            "version": 1,
        },
    )
    response = client.post(f"{BRIEFINGS}{entry.pk}/delete/", {"reason": "Dup", "version": 1})
    assert "Someone else changed this record" in response.content.decode()
    assert CtlpBriefing.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize("persona", ["manager", "chair", "spoc_a", "panel_a", "sysadmin"])
def test_nobody_else_may_delete_download_or_find_an_entry(client, world, persona):
    entry = register_entry_create(
        register=REGISTERS["funded-projects"],
        data={"provider": "P", "purpose": "x", "funding_year": "2021-2022", "status": "approved"},
        acting_user=None,
    )
    sign_in(client, world.persona(persona))
    page = f"{PROJECTS}{entry.pk}/delete/"
    assert client.get(page).status_code == 404
    assert client.post(page, {"reason": "Gone", "version": 1}).status_code == 404
    assert client.get(PROJECTS, {"format": "csv"}).status_code == 403
    assert client.get(PROJECTS, {"q": "P"}).status_code == 403
    assert FundedProject.objects.filter(pk=entry.pk).exists()
