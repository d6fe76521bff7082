"""Reading and checking a file of compliance returns (CSV or XLSX) before anything is saved.

Columns: ``agency,training_type,period_end,eligible,compliant`` (any order, any case; other
columns are ignored). Every row is checked against lookups loaded once (no query per row),
and every problem is reported with the file's line number (the header is line 1):

- agencies and training types are matched by name, case-insensitively;
- ``period_end`` is the last day of a financial quarter in ISO form (2018-06-30); a quarter
  not recorded yet is created by the import, one that has not started yet is refused;
- ``eligible`` and ``compliant`` are whole numbers of staff, 0 or more, compliant never
  above eligible;
- one row per agency, training type and quarter in a file;
- an upload restricted to some agencies (a SPOC's) refuses rows for any other agency, and
  rows for training types no longer in use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from prevent_portal.accounts.models import Agency
from prevent_portal.core.tabular import TOO_MANY, RowProblem, read_table
from training.models import MAX_STAFF, TrainingType
from training.quarters import QUARTER_ENDS_TEXT, quarter_ending

COLUMNS = ["agency", "training_type", "period_end", "eligible", "compliant"]
WHOLE_NUMBER = re.compile(r"^\d+$")


def read_returns_file(
    name: str, content: bytes, *, max_rows: int | None = None
) -> list[tuple[int, dict[str, str]]]:
    """(line number, {column: text}) for every non-blank row; ImportFileError if the file
    cannot be read, lacks a column or has more than ``max_rows`` rows (IMPORT_MAX_ROWS)."""
    return read_table(name, content, COLUMNS, max_rows=max_rows)


@dataclass
class ReturnRow:
    """One checked row, with its agency and training type resolved."""

    line: int
    agency: Agency
    training_type: TrainingType
    period_end: date
    eligible: int
    compliant: int

    @property
    def key(self) -> tuple[int, int, date]:
        return (self.agency.pk, self.training_type.pk, self.period_end)


@dataclass
class CheckedReturns:
    rows: list[ReturnRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _by_name(objects) -> dict:
    return {obj.name.strip().lower(): obj for obj in objects}


def _staff(values: dict, column: str, reasons: list[str]) -> int | None:
    text = values.get(column, "")
    if not text:
        return None
    if not WHOLE_NUMBER.match(text):
        reasons.append(f"{column} must be a whole number of staff, 0 or more, not '{text}'")
        return None
    number = int(text)
    if number > MAX_STAFF:
        reasons.append(f"{column} must be {MAX_STAFF:,} or fewer, not {number:,}")
        return None
    return number


def _period_end(values: dict, today: date, reasons: list[str]) -> date | None:
    text = values.get("period_end", "")
    if not text:
        return None
    try:
        end = date.fromisoformat(text)
    except ValueError:
        reasons.append(f"period_end '{text}' is not a date in the form YYYY-MM-DD")
        return None
    quarter = quarter_ending(end)
    if quarter is None:
        reasons.append(f"period_end {text} is not the last day of a quarter ({QUARTER_ENDS_TEXT})")
        return None
    if quarter.start > today:
        reasons.append(f"period_end {text} is a quarter that has not started yet")
        return None
    return end


def check_rows(
    rows: list[tuple[int, dict[str, str]]],
    *,
    restrict_to_agencies: Iterable[int] | None = None,
    area=None,
) -> CheckedReturns:
    """Check every row and resolve its agency and type; nothing is written. With ``area``
    (the council area the file returns figures to), a row for an agency that does not serve
    it is a problem of its line."""
    agencies = _by_name(Agency.objects.all())
    serving = (
        None
        if area is None
        else set(Agency.areas.through.objects.filter(area=area).values_list("agency_id", flat=True))
    )
    types = _by_name(TrainingType.objects.all())
    allowed = None if restrict_to_agencies is None else set(restrict_to_agencies)
    today = timezone.localdate()
    result = CheckedReturns()
    seen: dict[tuple, int] = {}
    for line, values in rows:
        reasons: list[str] = []
        if TOO_MANY in values:
            reasons.append(
                f"the row has {values[TOO_MANY]} (is a value with a comma not in quotes?)"
            )
        for column in COLUMNS:
            if not values.get(column):
                reasons.append(f"{column} is missing")
        agency = training_type = None
        if values.get("agency"):
            agency = agencies.get(values["agency"].lower())
            if agency is None:
                reasons.append(f"agency '{values['agency']}' is not known")
            elif allowed is not None and agency.pk not in allowed:
                reasons.append(f"agency '{values['agency']}' is not one you return figures for")
                agency = None
            elif not agency.is_active:
                reasons.append(f"agency '{values['agency']}' is no longer active")
                agency = None
            elif serving is not None and agency.pk not in serving:
                reasons.append(f"agency '{values['agency']}' does not serve {area.name}")
                agency = None
        if values.get("training_type"):
            training_type = types.get(values["training_type"].lower())
            if training_type is None:
                known = ", ".join(t.name for t in types.values() if t.is_active)
                reasons.append(
                    f"training_type '{values['training_type']}' is not known "
                    f"(the types in use are: {known})"
                )
            elif allowed is not None and not training_type.is_active:
                reasons.append(f"training_type '{values['training_type']}' is no longer in use")
                training_type = None
        period_end = _period_end(values, today, reasons)
        eligible = _staff(values, "eligible", reasons)
        compliant = _staff(values, "compliant", reasons)
        if eligible is not None and compliant is not None and compliant > eligible:
            reasons.append(f"compliant ({compliant}) is more than eligible ({eligible})")
        if agency and training_type and period_end:
            key = (agency.pk, training_type.pk, period_end)
            if key in seen:
                reasons.append(
                    f"line {seen[key]} already has {agency.name}'s {training_type.name} "
                    f"figures for the quarter ending {period_end.isoformat()}"
                )
            else:
                seen[key] = line
        if reasons:
            result.problems.append(RowProblem(line=line, reasons=reasons))
            continue
        result.rows.append(
            ReturnRow(
                line=line,
                agency=agency,
                training_type=training_type,
                period_end=period_end,
                eligible=eligible,
                compliant=compliant,
            )
        )
    return result
