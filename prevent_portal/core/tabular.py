"""Reading an uploaded table (CSV or XLSX) into rows, for the imports of every app.

The file has one header row naming its columns (any order, any case, extra columns ignored)
and one record per row. Each data row comes back as ``(line number, {column: text})`` with
the header as line 1, so every problem can be reported by the line a person sees in their
spreadsheet. Blank rows are skipped. What the values mean is for the caller to check.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

# Not a column name: set on a row that has more values than the header has columns.
TOO_MANY = "_too_many"


class ImportFileError(Exception):
    """The file as a whole cannot be read (not CSV/XLSX, no header, missing columns)."""


@dataclass
class RowProblem:
    line: int
    reasons: list[str]

    def __str__(self) -> str:
        return f"Line {self.line}: {'; '.join(self.reasons)}"


@dataclass
class ImportReport:
    """What an all-or-nothing import found wrong: nothing is saved when there is anything.
    Each app's import result adds its own counts."""

    problems: list[RowProblem] = field(default_factory=list)
    file_error: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems and not self.file_error

    def messages(self) -> list[str]:
        if self.file_error:
            return [self.file_error]
        return [str(p) for p in self.problems]

    def failure(self) -> str:
        """One line for the end of a command's error output."""
        if self.file_error:
            return self.file_error
        count = len(self.problems)
        return f"{count} bad row{'s' if count != 1 else ''}: nothing imported."


def read_table(name: str, content: bytes, columns: list[str]) -> list[tuple[int, dict[str, str]]]:
    """(line number, {column: text}) for every non-blank data row of a CSV or XLSX file whose
    header holds every one of ``columns``."""
    lowered = name.lower()
    if lowered.endswith(".xlsx"):
        return _read_xlsx(content, columns)
    if lowered.endswith(".csv") or lowered.endswith(".txt"):
        return _read_csv(content, columns)
    raise ImportFileError("The file must be a CSV or XLSX file")


def _header(cells, columns: list[str]) -> list[str]:
    header = [str(c or "").strip().lower() for c in cells]
    missing = [c for c in columns if c not in header]
    if missing:
        raise ImportFileError(f"The file is missing the columns: {', '.join(missing)}")
    return header


def cell_text(value) -> str:
    """A cell as text: dates in ISO form, whole-number floats (XLSX numbers) without ".0"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read_csv(content: bytes, columns: list[str]) -> list[tuple[int, dict[str, str]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError("The file must be saved as UTF-8 CSV") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = _header(next(reader), columns)
    except StopIteration as exc:
        raise ImportFileError("The file is empty") from exc
    except csv.Error as exc:
        raise ImportFileError(f"The file is not valid CSV: {exc}") from exc
    rows = []
    line_done = reader.line_num
    try:
        for cells in reader:
            line = line_done + 1  # where this record starts (quoted values may span lines)
            line_done = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            values = _cells_to_dict(header, cells, columns)
            if len(cells) > len(header):
                values[TOO_MANY] = f"{len(cells)} values but the header has {len(header)} columns"
            rows.append((line, values))
    except csv.Error as exc:
        raise ImportFileError(f"The file is not valid CSV (line {line_done + 1}): {exc}") from exc
    return rows


def _read_xlsx(content: bytes, columns: list[str]) -> list[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a file that is not XLSX
        raise ImportFileError("The file is not a readable XLSX workbook") from exc
    try:
        sheet = workbook.worksheets[0]
        rows_iter = sheet.iter_rows(values_only=True)
        try:
            header = _header(next(rows_iter), columns)
        except StopIteration as exc:
            raise ImportFileError("The file is empty") from exc
        rows = []
        for line, cells in enumerate(rows_iter, start=2):
            values = [cell_text(c) for c in cells]
            if not any(values):
                continue
            rows.append((line, _cells_to_dict(header, values, columns)))
        return rows
    finally:
        workbook.close()


def _cells_to_dict(header: list[str], cells, columns: list[str]) -> dict[str, str]:
    values = {}
    if any(cell_text(c) for c in cells[len(header) :]):
        values[TOO_MANY] = f"{len(cells)} values but the header has {len(header)} columns"
    for index, name in enumerate(header):
        if name in columns and name not in values:
            values[name] = cell_text(cells[index]) if index < len(cells) else ""
    return values
