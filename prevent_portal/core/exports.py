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
from collections.abc import Iterable, Sequence
from datetime import date

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
