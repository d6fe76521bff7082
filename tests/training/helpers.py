"""Building training records for tests: quarters, returns and files. Agencies and people are
the personas of tests/conftest.py; every figure not from seed 002 is invented."""

from __future__ import annotations

import contextlib
import csv
import io
from datetime import date, timedelta

from prevent_portal.accounts.models import Agency
from training import services
from training.imports import COLUMNS
from training.models import ComplianceReturn, ReportingPeriod, TrainingType


def wrap() -> TrainingType:
    return TrainingType.objects.get(name="WRAP")


def basic() -> TrainingType:
    return TrainingType.objects.get(name="Basic Prevent Awareness")


def quarter(end: date, *, deadline: date | None = None) -> ReportingPeriod:
    """The reporting period ending on ``end`` (created if needed), with ``deadline``."""
    period = services.reporting_period_for_end(end=end, acting_user=None)
    if deadline is not None and period.submission_deadline != deadline:
        period.submission_deadline = deadline
        period.save(update_fields=["submission_deadline"])
    return period


def make_return(
    agency: Agency,
    end: date,
    eligible: int,
    compliant: int,
    *,
    training_type: TrainingType | None = None,
    user=None,
    area=None,
) -> ComplianceReturn:
    return services.compliance_return_submit(
        agency=agency,
        training_type=training_type or wrap(),
        period=quarter(end),
        eligible=eligible,
        compliant=compliant,
        acting_user=user,
        area=area,
    )


def row(
    agency="Agency A",
    training_type="WRAP",
    period_end="2018-06-30",
    eligible="480",
    compliant="422",
) -> dict:
    return {
        "agency": agency,
        "training_type": training_type,
        "period_end": period_end,
        "eligible": eligible,
        "compliant": compliant,
    }


def csv_bytes(rows: list[dict], columns: list[str] = COLUMNS) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def xlsx_bytes(rows: list[dict], columns: list[str] = COLUMNS, *, numbers=True) -> bytes:
    """An XLSX file as a spreadsheet program writes it: numbers as numbers, dates as dates."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(columns)
    for values in rows:
        cells = []
        for column in columns:
            value = values.get(column, "")
            if numbers and column in {"eligible", "compliant"} and str(value).isdigit():
                value = int(value)
            elif numbers and column == "period_end":
                with contextlib.suppress(TypeError, ValueError):
                    value = date.fromisoformat(value)
            cells.append(value)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rows_of(rows: list[dict]) -> list[tuple[int, dict]]:
    """Rows as the file reader gives them: (line, values), the header being line 1."""
    return [(index, values) for index, values in enumerate(rows, start=2)]


def days(n: int) -> timedelta:
    return timedelta(days=n)
