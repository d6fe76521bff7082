"""import_training_returns and the import service: all or nothing, every bad row named by its
line, re-imports update rather than duplicate, and every change is audited."""

from __future__ import annotations

import io
from datetime import date

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.training.helpers import csv_bytes, row, rows_of, wrap, xlsx_bytes
from training.models import ComplianceReturn, ReportingPeriod
from training.services import compliance_returns_import


def run_import(tmp_path, content: bytes, suffix: str = ".csv"):
    """Run the command; return (exit status, stdout, stderr) as the shell would see them."""
    path = tmp_path / f"returns{suffix}"
    path.write_bytes(content)
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_training_returns", str(path), stdout=out, stderr=err)
    except CommandError as exc:
        err.write(str(exc))
        return 1, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_csv_import_creates_returns_and_the_quarters_they_need(world, tmp_path):
    rows = [
        row("Agency A", "WRAP", "2018-06-30", "480", "422"),
        row("agency b", "basic prevent awareness", "2018-09-30", "11412", "9729"),
    ]
    status, out, err = run_import(tmp_path, csv_bytes(rows))
    assert status == 0, err
    assert "2 returns added, 0 updated, 0 unchanged" in out
    assert "Q1 2018/19, Q2 2018/19" in out
    first = ComplianceReturn.objects.get(agency=world.agency_a)
    assert (first.eligible, first.compliant, first.percent, first.target_percent) == (
        480,
        422,
        88,
        85,
    )
    q2 = ReportingPeriod.objects.get(end=date(2018, 9, 30))
    assert (q2.start, q2.label, q2.submission_deadline) == (
        date(2018, 7, 1),
        "Q2 2018/19",
        date(2018, 10, 30),
    )


def test_xlsx_with_numbers_and_dates_as_a_spreadsheet_saves_them(world, tmp_path):
    status, out, err = run_import(
        tmp_path,
        xlsx_bytes([row(period_end="2018-12-31", eligible="482", compliant="400")]),
        ".xlsx",
    )
    assert status == 0, err
    saved = ComplianceReturn.objects.get()
    assert (saved.period.end, saved.eligible, saved.compliant) == (date(2018, 12, 31), 482, 400)


def test_reimport_updates_the_return_instead_of_duplicating_it_and_is_audited(world, tmp_path):
    run_import(tmp_path, csv_bytes([row(eligible="480", compliant="400")]))
    saved = ComplianceReturn.objects.get()
    status, out, _ = run_import(tmp_path, csv_bytes([row(eligible="480", compliant="422")]))
    assert status == 0
    assert "0 returns added, 1 updated" in out
    assert ComplianceReturn.objects.count() == 1
    saved.refresh_from_db()
    assert (saved.compliant, saved.version) == (422, 2)
    update = LogEntry.objects.get_for_object(saved).filter(action=LogEntry.Action.UPDATE).get()
    assert update.changes_dict["compliant"] == [400, 422]
    assert update.actor.username == "system"
    # The same file a third time changes nothing and writes no audit entry.
    status, out, _ = run_import(tmp_path, csv_bytes([row(eligible="480", compliant="422")]))
    assert "0 updated, 1 unchanged" in out
    assert LogEntry.objects.get_for_object(saved).filter(action=LogEntry.Action.UPDATE).count() == 1


def test_one_bad_row_imports_nothing_and_every_bad_row_is_named(world, tmp_path):
    rows = [
        row(period_end="2017-06-30"),  # line 2: good
        row(period_end="2017-09-30", compliant="500"),  # line 3: compliant above eligible
        row(agency="Agency Z"),  # line 4
        row(training_type="First aid"),  # line 5
        row(period_end="2018-06-29"),  # line 6: not a quarter end
        row(period_end="30/06/2018"),  # line 7
        row(period_end="2017-12-31", eligible="-3"),  # line 8
        row(period_end="2018-03-31", eligible="12.5", compliant=""),  # line 9
        row(period_end="2018-09-30"),  # line 10: good
        row(period_end="2018-09-30", eligible="10", compliant="1"),  # line 11: same as line 10
    ]
    status, out, err = run_import(tmp_path, csv_bytes(rows))
    assert status == 1
    assert "9 bad rows: nothing imported." not in err  # eight bad rows, not nine
    assert "8 bad rows: nothing imported." in err
    lines = err.splitlines()
    assert "Line 3: compliant (500) is more than eligible (480)" in lines
    assert "Line 4: agency 'Agency Z' is not known" in lines
    assert any(x.startswith("Line 5: training_type 'First aid' is not known") for x in lines)
    assert any(
        x.startswith("Line 6: period_end 2018-06-29 is not the last day of a quarter")
        for x in lines
    )
    assert "Line 7: period_end '30/06/2018' is not a date in the form YYYY-MM-DD" in lines
    assert "Line 8: eligible must be a whole number of staff, 0 or more, not '-3'" in lines
    assert (
        "Line 9: compliant is missing; eligible must be a whole number of staff, 0 or more, "
        "not '12.5'" in lines
    )
    assert any(x.startswith("Line 11: line 10 already has Agency A's WRAP figures") for x in lines)
    assert not any(x.startswith(("Line 2:", "Line 10:")) for x in lines)
    assert ComplianceReturn.objects.count() == 0
    assert ReportingPeriod.objects.count() == 0  # not even the quarters of the good rows


def test_a_file_without_the_columns_is_refused_whole(world, tmp_path):
    status, _, err = run_import(
        tmp_path, csv_bytes([row()], columns=["agency", "training_type", "eligible"])
    )
    assert status == 1
    assert "The file is missing the columns: period_end, compliant" in err


def test_a_quarter_that_has_not_started_is_refused(world, tmp_path):
    status, _, err = run_import(tmp_path, csv_bytes([row(period_end="2099-06-30")]))
    assert status == 1
    assert "Line 2: period_end 2099-06-30 is a quarter that has not started yet" in err


def test_an_unquoted_comma_is_named(world, tmp_path):
    content = (
        b"agency,training_type,period_end,eligible,compliant\nAgency A,WRAP,2018-06-30,1,162,900\n"
    )
    status, _, err = run_import(tmp_path, content)
    assert status == 1
    assert "Line 2: the row has 6 values but the header has 5 columns" in err


def test_no_such_file_is_an_error(db):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_training_returns", "/no/such/file.csv")


def test_a_restricted_import_refuses_other_agencies_rows(world):
    rows = rows_of([row("Agency A"), row("Agency B")])
    result = compliance_returns_import(
        rows=rows, acting_user=world.spoc_a, restrict_to_agencies={world.agency_a.pk}
    )
    assert not result.ok
    assert [str(p) for p in result.problems] == [
        "Line 3: agency 'Agency B' is not one you return figures for"
    ]
    assert not ComplianceReturn.objects.exists()


def test_a_restricted_import_refuses_a_retired_type(world):
    retired = wrap()
    retired.is_active = False
    retired.save()
    result = compliance_returns_import(
        rows=rows_of([row()]), acting_user=world.spoc_a, restrict_to_agencies={world.agency_a.pk}
    )
    assert [str(p) for p in result.problems] == ["Line 2: training_type 'WRAP' is no longer in use"]
    # The Coordinator may still import history for a retired type.
    assert compliance_returns_import(rows=rows_of([row()]), acting_user=world.coordinator).ok


def test_an_empty_file_is_an_error(world):
    result = compliance_returns_import(rows=[], acting_user=world.coordinator)
    assert result.messages() == ["The file has no returns in it"]


def test_import_queries_grow_by_the_writes_of_each_row_only(world):
    """Lookups are loaded once and existing returns in one query: each new return costs its
    insert and its audit entry, nothing more."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ends = [f"{year}-06-30" for year in range(2000, 2016)]
    for end in ends:
        compliance_returns_import(rows=rows_of([row(period_end=end)]), acting_user=None)

    def count(agency: str, n: int) -> int:
        rows = rows_of(
            [row(agency, "Basic Prevent Awareness", end, "100", "90") for end in ends[:n]]
        )
        with CaptureQueriesContext(connection) as ctx:
            assert compliance_returns_import(rows=rows, acting_user=world.coordinator).ok
        return len(ctx.captured_queries)

    small, large = count("Agency A", 2), count("Agency B", 16)
    assert large - small <= (16 - 2) * 2
