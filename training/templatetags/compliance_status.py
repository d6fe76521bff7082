"""The compliance tables' repeated parts, built here rather than by template lookups: a
cell's status as a GOV.UK tag, a row's cells, and a chart's bars (issue 18, branches
table18 and dash19: the compliance tables render 50 to 100 cells a page, and the template
engine's variable lookups for each cell were most of the dashboard's rendering). Every value
is escaped by ``format_html``; numbers are printed as they are, never localised (SVG
coordinates must not take a locale's separators)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from prevent_portal.core.links import record_url
from training.figures import BELOW, MEETS, MISSING, NOT_OWED, STATUS_WORDS, AgencyRow, Chart

register = template.Library()

TAG_COLOURS = {MEETS: "green", BELOW: "orange", MISSING: "red"}  # others grey
BAR_COLOURS = {MEETS: "#00703c"}  # others orange


def _joined(parts: list[SafeString]) -> SafeString:
    """Parts built by ``format_html``, one per line (``format_html_join`` escapes anything
    that is not already safe, so a plain string slipped in is escaped, never trusted)."""
    return format_html_join("\n", "{}", ((part,) for part in parts))


# A status's tag, as a format string of one placeholder (the words): built once here, so a
# table's cell is one ``format_html`` (issue 18: three a cell, and four to six a chart's bar,
# were most of these tags' cost, each escaping its numbers again).
_TAGS = {
    status: (
        '<span class="govuk-hint govuk-!-margin-0">{}</span>'
        if status == NOT_OWED
        else f'<strong class="govuk-tag govuk-tag--{TAG_COLOURS.get(status, "grey")}">{{}}</strong>'
    )
    for status in STATUS_WORDS
}
_MADE = (
    '<a class="govuk-link govuk-!-font-weight-bold" href="{}">{}<span '
    'class="govuk-visually-hidden"> for {}, {}</span></a><br>\n'
    '<span class="govuk-body-s">{} of {}</span><br>\n'
)
_CELLS = {
    (made, status): f'<td class="govuk-table__cell">\n{_MADE if made else ""}{tag}\n</td>'
    for made in (True, False)
    for status, tag in _TAGS.items()
}


@register.simple_tag
def status_tag(status: str, words: str) -> str:
    """The status in words, in colour too: green meets, orange below, red missing, grey
    no eligible staff or not yet returned; "not asked for" as a hint, not a tag."""
    return format_html(_TAGS[status], words)


@register.simple_tag
def compliance_cells(row: AgencyRow) -> SafeString:
    """A compliance table row's quarter cells: where a return was made, its percentage as a
    link to it (naming the agency and quarter for screen readers) and its staff counts; then
    the cell's status tag."""
    cells = []
    for cell in row.cells:
        found = cell.compliance_return
        if found is None:
            cells.append(format_html(_CELLS[False, cell.status], cell.words))
            continue
        percent = found.percent
        cells.append(
            format_html(
                _CELLS[True, cell.status],
                record_url("training:return_detail", found.pk),
                "No percentage" if percent is None else f"{percent}%",
                row.agency.name,
                cell.period.label,
                found.compliant,
                found.eligible,
                cell.words,
            )
        )
    return _joined(cells)


# A chart's parts. Its numbers (coordinates, widths) are whole numbers put in with %d, which
# writes digits only; its words (names, quarters, values) go through format_html's escaping.
_GROUP = '<text x="0" y="%d" font-size="16" font-weight="bold" fill="#0b0c0c">{}</text>'
_TRACK = (
    '<text x="8" y="%d" font-size="14" fill="#0b0c0c">{}</text>\n'
    '<rect x="%d" y="%d" width="%d" height="18" fill="#f3f2f1"></rect>\n'
)
_LENGTH = '<rect x="%d" y="%d" width="%d" height="18" fill="%s"></rect>\n'
_VALUE = '<text x="%d" y="%d" font-size="14" fill="#0b0c0c">{}</text>'


@register.simple_tag
def chart_groups(chart: Chart) -> SafeString:
    """A compliance chart's groups (``training.figures.Chart``): each agency's name, then a
    bar per quarter (its track, its length if it has one, its value in words), one
    ``format_html`` each."""
    parts = []
    for group in chart.groups:
        parts.append(format_html(_GROUP % group.y, group.name))
        for bar in group.bars:
            drawn = _TRACK % (bar.text_y, chart.label_width, bar.y, chart.bar_width)
            if bar.width:
                colour = BAR_COLOURS.get(bar.status, "#b1440e")
                drawn += _LENGTH % (chart.label_width, bar.y, bar.width, colour)
            drawn += _VALUE % (chart.value_x, bar.text_y)
            parts.append(format_html(drawn, bar.label, bar.value))
    return _joined(parts)
