"""Writing a table as CSV or XLSX: the one way every download and command export does it.

A spreadsheet treats a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula. Text that came from a user (an agency's name, a sector, a username) and
starts that way would run when the export is opened: ``=HYPERLINK(...)`` sends whoever clicks
it, with the cell's neighbours, to another site. Every text value therefore goes through
``safe_cell``, which puts a single quote in front (OWASP's CSV injection advice), so the cell
shows as text. Numbers, dates and booleans stay what they are: a negative count is a number,
not a formula, and must still add up in the spreadsheet.

``tests/core/test_exports.py`` fails when a module writes CSV or XLSX any other way, and walks
every download and command that produces one with a planted formula.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """``value`` as a spreadsheet may hold it without running it: text that starts with a
    formula character gets a leading single quote; anything else is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A CSV document: ``header`` then ``rows``, every cell through ``safe_cell``; None is an
    empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return buffer.getvalue()


def xlsx_bytes(
    header: Sequence[str],
    rows: Iterable[Sequence],
    *,
    title: str,
    widths: Sequence[int] = (),
) -> bytes:
    """An XLSX workbook of one sheet named ``title``: a bold, frozen ``header`` then ``rows``;
    numbers stay numbers, dates are dates (shown yyyy-mm-dd), text goes through
    ``safe_cell`` and is stored as text (never as a formula)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    for row_number, row in enumerate([header, *rows], start=1):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column)
            value = safe_cell(value)
            cell.value = value
            if isinstance(value, str):
                # openpyxl would store any "=..." as a formula: say it is text, whatever it is.
                cell.data_type = "s"
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            if row_number == 1:
                cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


SPREADSHEET_FORMATS = ("csv", "xlsx")
_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str) -> str:
    """``name`` with anything but letters, digits, dot, hyphen and underscore replaced by a
    hyphen: nothing that could end the Content-Disposition header's quoted string, add a
    path, or be read differently by another browser."""
    return _UNSAFE_IN_FILENAME.sub("-", name).strip(".-") or "download"


def attachment_response(content, *, filename: str, content_type: str) -> HttpResponse:
    """A file to save, never to show: an attachment with a safe file name, its type not to
    be guessed by the browser (nosniff) and not to be kept by any cache (no-store). The
    middleware sets the last two on every response; a download says so itself too, so it
    stays safe whatever the middleware becomes."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{safe_filename(filename)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


def spreadsheet_response(
    header: Sequence[str], rows: Iterable[Sequence], *, fmt: str, title: str, filename: str
) -> HttpResponse:
    """``header`` and ``rows`` as a CSV (``fmt`` "csv") or XLSX ("xlsx") download named
    ``filename`` plus the extension, every cell through ``safe_cell``."""
    if fmt == "xlsx":
        content, content_type = xlsx_bytes(header, rows, title=title), XLSX_CONTENT_TYPE
    elif fmt == "csv":
        content, content_type = csv_text(header, rows), CSV_CONTENT_TYPE
    else:
        raise ValueError(f"No spreadsheet format {fmt!r}")
    return attachment_response(content, filename=f"{filename}.{fmt}", content_type=content_type)
