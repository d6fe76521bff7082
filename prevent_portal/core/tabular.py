"""Reading an uploaded table (CSV or XLSX) into rows, for the imports of every app.

The file has one header row naming its columns (any order, any case, extra columns ignored)
and one record per row. Each data row comes back as ``(line number, {column: text})`` with
the header as line 1, so every problem can be reported by the line a person sees in their
spreadsheet. Blank rows are skipped. What the values mean is for the caller to check.

A file is read within caps (settings IMPORT_MAX_ROWS for uploads in the browser,
IMPORT_MAX_ROWS_COMMAND for the import commands, IMPORT_MAX_COLUMNS, IMPORT_MAX_UNPACKED_MB),
checked before and while reading, so a small upload cannot keep a
web worker busy: openpyxl's read-only mode pads every row to the width and height the sheet
declares (a 15 KB file declaring A:XFD took 3.4 s), and a zipped XLSX can unpack to far more
than the upload limit. The XML is parsed by openpyxl through defusedxml (a dependency), so
entity expansion ("billion laughs") is refused.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings

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


def read_table(
    name: str, content: bytes, columns: list[str], *, max_rows: int | None = None
) -> list[tuple[int, dict[str, str]]]:
    """(line number, {column: text}) for every non-blank data row of a CSV or XLSX file whose
    header holds every one of ``columns``; ImportFileError for a file of more than
    ``max_rows`` data rows (IMPORT_MAX_ROWS, the web upload's cap, by default)."""
    max_rows = max_rows or settings.IMPORT_MAX_ROWS
    lowered = name.lower()
    if lowered.endswith(".xlsx"):
        return _read_xlsx(content, columns, max_rows)
    if lowered.endswith(".csv") or lowered.endswith(".txt"):
        return _read_csv(content, columns, max_rows)
    raise ImportFileError("The file must be a CSV or XLSX file")


def _too_many_rows(limit: int) -> ImportFileError:
    return ImportFileError(
        f"The file has more than {limit:,} rows: split it into files of {limit:,} rows or fewer"
    )


def _too_many_columns(count: int) -> ImportFileError:
    return ImportFileError(
        f"The file has {count:,} columns: it can have at most {settings.IMPORT_MAX_COLUMNS:,}. "
        "Delete the empty columns after the last one you use"
    )


def _header(cells, columns: list[str]) -> list[str]:
    header = [str(c or "").strip().lower() for c in cells]
    used = len(header)
    while used and not header[used - 1]:
        used -= 1
    if used > settings.IMPORT_MAX_COLUMNS:
        raise _too_many_columns(used)
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


def _read_csv(
    content: bytes, columns: list[str], max_rows: int
) -> list[tuple[int, dict[str, str]]]:
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
            if reader.line_num > max_rows + 1:
                raise _too_many_rows(max_rows)
            if not any(c.strip() for c in cells):
                continue
            values = _cells_to_dict(header, cells, columns)
            if len(cells) > len(header):
                values[TOO_MANY] = f"{len(cells)} values but the header has {len(header)} columns"
            rows.append((line, values))
    except csv.Error as exc:
        raise ImportFileError(f"The file is not valid CSV (line {line_done + 1}): {exc}") from exc
    return rows


# The sheet's declared size, e.g. <dimension ref="A1:XFD1048576"/>, near the top of its XML.
DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]*\d*:?([A-Z]+)(\d+)\"")


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - ord("A") + 1
    return number


def _check_xlsx_package(content: bytes, max_rows: int) -> None:
    """Refuse, before openpyxl reads it, an XLSX that unpacks too large or whose first sheet
    declares more rows or columns than the caps."""
    try:
        package = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile as exc:
        raise ImportFileError("The file is not a readable XLSX workbook") from exc
    with package:
        unpacked = sum(info.file_size for info in package.infolist())
        if unpacked > settings.IMPORT_MAX_UNPACKED_MB * 1024 * 1024:
            raise ImportFileError(
                f"The workbook unpacks to more than {settings.IMPORT_MAX_UNPACKED_MB} MB: "
                "save only the sheet to import, as CSV"
            )
        sheets = sorted(
            n for n in package.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)
        )
        for sheet in sheets:
            with package.open(sheet) as stream:
                match = DIMENSION.search(stream.read(4096))
            if match is None:
                continue
            if _column_number(match.group(1)) > settings.IMPORT_MAX_COLUMNS:
                raise _too_many_columns(_column_number(match.group(1)))
            if int(match.group(2)) > max_rows + 1:
                raise _too_many_rows(max_rows)


def _read_xlsx(
    content: bytes, columns: list[str], max_rows: int
) -> list[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    _check_xlsx_package(content, max_rows)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a file that is not XLSX
        raise ImportFileError("The file is not a readable XLSX workbook") from exc
    try:
        sheet = workbook.worksheets[0]
        # Explicit bounds: read-only mode would otherwise pad rows to the declared size, and a
        # sheet without a <dimension> could still hold rows past the cap.
        rows_iter = sheet.iter_rows(
            max_col=settings.IMPORT_MAX_COLUMNS,
            max_row=max_rows + 2,
            values_only=True,
        )
        try:
            header = _header(next(rows_iter), columns)
        except StopIteration as exc:
            raise ImportFileError("The file is empty") from exc
        rows = []
        for line, cells in enumerate(rows_iter, start=2):
            if line > max_rows + 1:
                raise _too_many_rows(max_rows)
            values = [cell_text(c) for c in cells]
            if not any(values):
                continue
            rows.append((line, _cells_to_dict(header, values, columns)))
        return rows
    except ImportFileError:
        raise
    except Exception as exc:  # defusedxml refusing entities, broken XML inside the package
        raise ImportFileError("The file is not a readable XLSX workbook") from exc
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
