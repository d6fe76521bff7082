"""The board report as a Word document (python-docx), made from the same HTML as the PDF.

The report's HTML is our own template's (``templates/governance/report_sections.html`` and
the narrative ``board_report.compose_html`` adds), so a small reader of its few elements is
enough: headings, paragraphs, lists, tables with captions, and charts (``<img>`` with a
data URI) with their captions. Whatever the PDF prints, the DOCX has, in the same order;
nothing is fetched. Text meant only for screen readers (``govuk-visually-hidden``) is left
out, as in print.
"""

from __future__ import annotations

import base64
import io
from html.parser import HTMLParser

from docx import Document
from docx.shared import Cm, Pt

HEADING_LEVELS = {"h1": 0, "h2": 1, "h3": 2, "h4": 3}
BLOCKS = {"p", "figcaption", "li", "caption"}
PICTURE_WIDTH = Cm(11)


class _Table:
    def __init__(self):
        self.caption = ""
        self.rows: list[list[tuple[str, bool]]] = []


class _Reader(HTMLParser):
    """Walks the report's HTML and writes it into ``document`` as it goes."""

    def __init__(self, document):
        super().__init__(convert_charrefs=True)
        self.document = document
        self.text: list[str] | None = None  # the text of the block being read
        self.block = ""
        self.hidden_depth = 0  # inside a visually hidden span
        self.stack: list[tuple[str, bool]] = []
        self.table: _Table | None = None
        self.cell: list[str] | None = None
        self.cell_header = False

    # --- tags ----------------------------------------------------------------------------
    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        hidden = "govuk-visually-hidden" in (attrs.get("class") or "")
        if tag not in {"img", "br", "meta", "hr", "input"}:
            self.stack.append((tag, hidden))
            if hidden:
                self.hidden_depth += 1
        if tag == "table":
            self.table = _Table()
        elif tag == "tr" and self.table is not None:
            self.table.rows.append([])
        elif tag in {"td", "th"} and self.table is not None:
            self.cell, self.cell_header = [], tag == "th"
        elif tag == "caption" and self.table is not None:
            self.text, self.block = [], "caption"
        elif tag in HEADING_LEVELS or tag in BLOCKS:
            if self.cell is None:
                self.text, self.block = [], tag
        elif tag == "br" and self.text is not None:
            self.text.append("\n")
        elif tag == "img":
            self._picture(attrs)

    def handle_endtag(self, tag):
        if self.stack and self.stack[-1][0] == tag:
            _, hidden = self.stack.pop()
            if hidden:
                self.hidden_depth -= 1
        if tag in {"td", "th"} and self.table is not None and self.cell is not None:
            self.table.rows[-1].append((_clean("".join(self.cell)), self.cell_header))
            self.cell = None
        elif tag == "caption" and self.table is not None and self.text is not None:
            self.table.caption = _clean("".join(self.text))
            self.text = None
        elif tag == "table" and self.table is not None:
            self._write_table(self.table)
            self.table = None
        elif tag == self.block and self.text is not None:
            self._write_block(tag, _clean("".join(self.text)))
            self.text = None

    def handle_data(self, data):
        if self.hidden_depth:
            return
        if self.cell is not None:
            self.cell.append(data)
        elif self.text is not None:
            self.text.append(data)

    # --- writing -------------------------------------------------------------------------
    def _write_block(self, tag: str, text: str) -> None:
        if not text:
            return
        if tag in HEADING_LEVELS:
            self.document.add_heading(text, level=HEADING_LEVELS[tag])
        elif tag == "li":
            self.document.add_paragraph(text, style="List Bullet")
        elif tag == "figcaption":
            self.document.add_paragraph(text, style="Caption")
        else:
            self.document.add_paragraph(text)

    def _write_table(self, table: _Table) -> None:
        rows = [row for row in table.rows if row]
        if table.caption:
            self.document.add_paragraph(table.caption, style="Caption")
        if not rows:
            return
        width = max(len(row) for row in rows)
        grid = self.document.add_table(rows=len(rows), cols=width)
        grid.style = "Table Grid"
        # A row's own cells: ``grid.cell(r, c)`` walks the whole table on every call, so a
        # table of n cells took n^2 steps (most of the DOCX's time in the board report).
        for grid_row, row in zip(grid.rows, rows, strict=True):
            for cell, (text, header) in zip(grid_row.cells, row, strict=False):
                cell.text = text
                if header:
                    for run in cell.paragraphs[0].runs:
                        run.bold = True
        self.document.add_paragraph()

    def _picture(self, attrs: dict) -> None:
        source = attrs.get("src") or ""
        if not source.startswith("data:image/png;base64,"):
            return  # only our own charts; nothing is fetched
        data = base64.b64decode(source.split(",", 1)[1])
        shape = self.document.add_picture(io.BytesIO(data), width=PICTURE_WIDTH)
        # The alt text Word reads out (docPr/@descr), as the PDF's <img alt>.
        shape._inline.docPr.set("descr", attrs.get("alt") or "")
        shape._inline.docPr.set("title", (attrs.get("alt") or "")[:100])


def _clean(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def html_to_docx(*, title: str, lines: list[str], html: str) -> bytes:
    """A DOCX of the report: A4, OFFICIAL in the header and footer, ``title`` as its title,
    ``lines`` as its opening paragraphs, then ``html``."""
    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(1.6)
    section.top_margin = section.bottom_margin = Cm(2.0)
    for part in (section.header, section.footer):
        marking = part.paragraphs[0]
        marking.text = "OFFICIAL"
        marking.runs[0].bold = True
    document.styles["Normal"].font.name = "Arial"
    document.styles["Normal"].font.size = Pt(10)
    document.core_properties.title = title
    document.core_properties.author = ""
    document.core_properties.comments = ""
    for line in lines[:1]:
        document.add_paragraph(line)
    document.add_heading(title, level=0)
    for line in lines[1:]:
        document.add_paragraph(line)
    reader = _Reader(document)
    reader.feed(html)
    reader.close()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
