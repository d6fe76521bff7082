"""Building historical referral files (CSV and XLSX) for the import and statistics tests.
Every name is invented."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError

from referrals.imports import COLUMNS
from referrals.models import ChronologyEntry, Gender, Person, Referral

GOOD = {
    "reference": "HIST-0001",
    "received_on": "2020-06-15",
    "first_name": "Ashby",
    "last_name": "Quillfeather",
    "date_of_birth": "2004-03-02",
    "gender": "male",
    "postcode": "zz1 1zz",
    "referring_agency": "agency a",
    "sector": "Education",
    "type_of_concern": "Islamist",
    "outcome": "Passed to the Channel Panel",
    "mental_health_concern": "yes",
    "diagnosed_mental_illness": "no",
    "known_to_mental_health_services": "",
    "autism": "no",
    "learning_difficulty": "",
    "reached_panel": "yes",
    "adopted": "no",
}


def row(n: int = 1, **overrides) -> dict:
    values = dict(GOOD, reference=f"HIST-{n:05d}", first_name=f"Given{n}")
    values.update(overrides)
    return values


def csv_bytes(rows: list[dict], columns: list[str] = COLUMNS) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def xlsx_bytes(rows: list[dict], columns: list[str] = COLUMNS) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(columns)
    for values in rows:
        sheet.append([values.get(c, "") for c in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run_import(tmp_path, content: bytes, suffix: str = ".csv"):
    """Run the command; return (exit status, stdout, stderr) as the shell would see them."""
    path = tmp_path / f"history{suffix}"
    path.write_bytes(content)
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_referrals", str(path), stdout=out, stderr=err)
    except CommandError as exc:
        err.write(str(exc))
        return 1, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


# --- Happy paths ------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix,build", [(".csv", csv_bytes), (".xlsx", xlsx_bytes)])
def test_import_records_every_field_of_each_row(world, tmp_path, suffix, build):
    rows = [
        row(1),
        row(
            2,
            received_on="2021-05-01",
            date_of_birth="",
            gender="Not known",
            referring_agency="AGENCY B",
            sector="",
            type_of_concern="extreme right-wing; Incel",
            outcome="no further action",
            mental_health_concern="",
            known_to_mental_health_services="YES",
            autism="yes",
            reached_panel="",
            adopted="",
        ),
    ]
    status, out, err = run_import(tmp_path, build(rows), suffix)
    assert status == 0, err
    assert "2 referrals imported" in out
    first = Referral.objects.get(reference="HIST-00001")
    assert first.imported
    assert first.owning_agency == world.agency_a == first.referring_agency
    assert first.referring_sector.name == "Education"
    assert first.received_on == date(2020, 6, 15)
    assert first.age_at_referral == 16
    assert [c.name for c in first.concern_types.all()] == ["Islamist"]
    assert first.outcome.code == "passed-to-panel"
    assert first.status == Referral.Status.CLOSED
    assert first.reached_panel and not first.adopted
    assert [f.code for f in first.needs_flags.all()] == ["mental-health-concern"]
    person = first.person
    assert (person.given_name, person.family_name) == ("Given1", "Quillfeather")
    assert person.date_of_birth == date(2004, 3, 2)
    assert person.gender == Gender.MALE
    assert person.postcode == "ZZ1 1ZZ"

    second = Referral.objects.get(reference="HIST-00002")
    assert second.owning_agency == world.agency_b
    assert second.referring_sector == world.agency_b.sector  # blank sector: the agency's
    assert second.age_at_referral is None
    assert second.person.gender == Gender.NOT_KNOWN
    assert {c.name for c in second.concern_types.all()} == {"Extreme Right-Wing", "Incel"}
    assert {f.code for f in second.needs_flags.all()} == {
        "known-to-mental-health-services",
        "autism",
    }
    assert not second.reached_panel
    assert ChronologyEntry.objects.filter(referral=second, kind="received").exists()


def test_imported_referrals_are_audited_with_the_system_actor(world, tmp_path):
    status, _, err = run_import(tmp_path, csv_bytes([row(1)]))
    assert status == 0, err
    referral = Referral.objects.get(reference="HIST-00001")
    entry = LogEntry.objects.get_for_object(referral).get(action=LogEntry.Action.CREATE)
    assert entry.actor.username == "system"
    assert "Quillfeather" not in entry.object_repr


def test_reimporting_the_same_file_creates_no_duplicates_and_changes_nothing(world, tmp_path):
    content = csv_bytes([row(n) for n in range(1, 4)])
    assert run_import(tmp_path, content)[0] == 0
    Referral.objects.filter(reference="HIST-00001").update(outcome=None)  # moved on since
    status, out, _ = run_import(tmp_path, content)
    assert status == 0
    assert "0 referrals imported, 3 already present and skipped" in out
    assert Referral.objects.count() == 3
    assert Person.objects.count() == 3
    assert Referral.objects.get(reference="HIST-00001").outcome is None


def test_rows_of_one_person_share_a_person_record(world, tmp_path):
    rows = [row(1), row(2, first_name="Given1", received_on="2021-01-01")]
    assert run_import(tmp_path, csv_bytes(rows))[0] == 0
    assert Person.objects.count() == 1
    assert Person.objects.get().referrals.count() == 2


# --- All or nothing ---------------------------------------------------------------------------


def test_one_bad_row_among_a_thousand_imports_nothing_and_names_the_row(world, tmp_path):
    rows = [row(n) for n in range(1, 1001)]
    rows[499]["received_on"] = "2020-13-45"  # file line 501 (the header is line 1)
    status, out, err = run_import(tmp_path, csv_bytes(rows))
    assert status != 0
    assert "Line 501: received_on '2020-13-45' is not a date in the form YYYY-MM-DD" in err
    assert "nothing imported" in err
    assert Referral.objects.count() == 0
    assert Person.objects.count() == 0


def test_every_bad_row_is_reported_with_its_reason(world, tmp_path):
    rows = [
        row(1),
        row(2, received_on="15/06/2020"),
        row(3, date_of_birth="2099-01-01"),
        row(4, referring_agency="Agency Z"),
        row(5, type_of_concern="Islamist;Unicorns"),
        row(6, outcome="Sent to the moon"),
        row(7, autism="maybe"),
        row(8, gender="m"),
        row(9, first_name=""),
        row(10, sector="Space"),
        row(1, first_name="Again"),  # reference HIST-00001 twice
        row(12, reached_panel="no", adopted="yes"),
        row(13, received_on="2020-01-01", date_of_birth="2020-02-02"),
    ]
    status, _, err = run_import(tmp_path, csv_bytes(rows))
    assert status != 0
    expected = [
        "Line 3: received_on '15/06/2020' is not a date in the form YYYY-MM-DD",
        "Line 4: date_of_birth is in the future",
        "Line 5: referring_agency 'Agency Z' is not known",
        "Line 6: type_of_concern 'Unicorns' is not known",
        "Line 7: outcome 'Sent to the moon' is not known",
        "Line 8: autism must be yes, no or blank, not 'maybe'",
        "Line 9: gender must be male, female, other or not known, not 'm'",
        "Line 10: first_name is missing",
        "Line 11: sector 'Space' is not known",
        "Line 12: reference HIST-00001 is already used on line 2",
        "Line 13: adopted is yes but reached_panel is not",
        "Line 14: date_of_birth is after received_on",
    ]
    for message in expected:
        assert message in err
    assert "Line 2:" not in err
    assert "12 bad rows: nothing imported" in err
    assert Referral.objects.count() == 0


def test_line_numbers_count_lines_of_the_file_including_quoted_line_breaks(world, tmp_path):
    content = csv_bytes([row(1, last_name="Two\nLines"), row(2, gender="x")])
    status, _, err = run_import(tmp_path, content)
    assert status != 0
    assert "Line 4: gender" in err


def test_bad_row_in_xlsx_is_named_by_its_spreadsheet_row(world, tmp_path):
    rows = [row(1), row(2), row(3, received_on="yesterday")]
    status, _, err = run_import(tmp_path, xlsx_bytes(rows), ".xlsx")
    assert status != 0
    assert "Line 4: received_on 'yesterday'" in err
    assert Referral.objects.count() == 0


def test_missing_required_columns_are_named(world, tmp_path):
    columns = [c for c in COLUMNS if c not in {"received_on", "outcome"}]
    status, _, err = run_import(tmp_path, csv_bytes([row(1)], columns))
    assert status != 0
    assert "The file is missing the columns: received_on, outcome" in err
    assert Referral.objects.count() == 0


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("history.pdf", b"%PDF-1.4", "must be a CSV or XLSX file"),
        ("history.xlsx", b"not a workbook", "not a readable XLSX workbook"),
        ("history.csv", b"", "The file is empty"),
        ("history.csv", ",".join(COLUMNS).encode() + b"\n", "no referrals in it"),
        ("history.csv", b"\xff\xfe\x00bad", "UTF-8"),
    ],
)
def test_unreadable_files_are_refused(world, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("import_referrals", str(path), stdout=io.StringIO(), stderr=io.StringIO())


def test_missing_file_is_refused(tmp_path, db):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_referrals", str(tmp_path / "nope.csv"))


# --- Performance --------------------------------------------------------------------------------


def test_queries_per_row_stay_within_a_fixed_budget(world):
    """Lookups are loaded once; each new referral costs the same six inserts (person,
    referral, chronology and their audit entries) and nothing more, whatever the file's
    size (security finding F6: it was eight, with two reads of links a new referral cannot
    have)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from referrals.services.imports import referrals_import

    def queries(first, count):
        content = csv_bytes([row(n) for n in range(first, first + count)])
        with CaptureQueriesContext(connection) as ctx:
            assert referrals_import(name="h.csv", content=content, acting_user=None).ok
        return len(ctx.captured_queries)

    small, large = queries(1, 10), queries(1000, 110)
    assert large - small <= 6 * 100 + 10  # six a row, and a few per batch of inserts


def test_concerns_flags_and_outcome_written_in_bulk_are_in_the_audit_log(world, tmp_path):
    status, _, err = run_import(tmp_path, csv_bytes([row(1)]))
    assert status == 0, err
    referral = Referral.objects.get(reference="HIST-00001")
    changes = [e.changes for e in LogEntry.objects.get_for_object(referral).filter(action=1)]
    # Which ones is special category data: the entry says how many, redacted, like auditlog's.
    assert {"concern_types": {"type": "m2m", "operation": "add", "objects": ["[redacted]"]}} in (
        changes
    )
    assert any(c.get("needs_flags", {}).get("objects") == ["[redacted]"] for c in changes)
    assert "Islamist" not in str(changes) and "Mental health" not in str(changes)
    outcome_change = next(c for c in changes if "outcome" in c)
    assert outcome_change["status"] == ["received", "closed"]
    assert outcome_change["reached_panel"] == [False, True]
    assert all(
        e.actor and e.actor.username == "system" for e in LogEntry.objects.get_for_object(referral)
    )


def test_a_row_with_an_unquoted_comma_is_named(world, tmp_path):
    content = (
        csv_bytes([row(1)]) + b"HIST-9,2020-01-01,A,B,,male,,Agency A,,Islamist, Incel,,,,,,,,\n"
    )
    status, _, err = run_import(tmp_path, content)
    assert status != 0
    assert "Line 3: the row has 19 values but the header has 18 columns" in err
    assert Referral.objects.count() == 0
