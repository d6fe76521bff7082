"""The dashboard figures' repeated parts, built here rather than by template lookups: a
chart's bars and a table's rows (issue 18: eight figures a dashboard, a template loop over
each one's bars and rows, as the compliance tables' were in training's compliance_status).
Every word is escaped by ``format_html``; numbers are whole numbers put in with %d, which
writes digits only, never localised (SVG coordinates must not take a locale's separators).
The output is the markup the loops in ``governance/dashboard_figure.html`` wrote."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from governance.dashboard import Figure

register = template.Library()

_INDENT = "\n        "
_LABEL = _INDENT + '<text x="0" y="%d" font-size="18" fill="#0b0c0c">{}</text>'
_TRACK = _INDENT + '<rect x="0" y="%d" width="%d" height="%d" fill="#f3f2f1"></rect>' + _INDENT
_LENGTH = '<rect x="0" y="%d" width="%d" height="%d" fill="#1d70b8"></rect>'
_VALUE = _INDENT + '<text x="%d" y="%d" font-size="18" fill="#0b0c0c">{}</text>' + _INDENT

_ROW = (
    '\n          <tr class="govuk-table__row">'
    '\n            <th scope="row" class="govuk-table__header">{}</th>'
    '\n            <td class="govuk-table__cell govuk-table__cell--numeric">{}</td>'
    "\n            %s"
    "\n          </tr>\n          "
)
_PERCENT = '<td class="govuk-table__cell govuk-table__cell--numeric">{}</td>'


def _joined(parts: list[SafeString]) -> SafeString:
    """Parts built by ``format_html``, end to end (anything not already safe is escaped)."""
    return format_html_join("", "{}", ((part,) for part in parts))


@register.simple_tag
def figure_bars(figure: Figure) -> SafeString:
    """A figure's bars: its label, its track, its length if it has one, its value in words."""
    parts = []
    for bar in figure.bars:
        drawn = _LABEL % bar.label_y + _TRACK % (bar.bar_y, figure.bar_max, figure.bar_height)
        if bar.width:
            drawn += _LENGTH % (bar.bar_y, bar.width, figure.bar_height)
        drawn += _VALUE % (figure.value_x, bar.text_y)
        parts.append(format_html(drawn, bar.label, bar.value))
    return _joined(parts)


@register.simple_tag
def figure_rows(figure: Figure) -> SafeString:
    """A figure's table rows: the label, the count (hidden, or with its detail) and, if the
    figure shows them, the percentage."""
    row_format = _ROW % (_PERCENT if figure.show_percent else "")
    parts = []
    for row in figure.rows:
        if row.count is None:
            count, percent = figure.hidden_words, "hidden"
        else:
            count = f"{row.count} {row.detail}" if row.detail else str(row.count)
            percent = "-" if row.percent is None else f"{row.percent}%"
        args = (row.label, count, percent) if figure.show_percent else (row.label, count)
        parts.append(format_html(row_format, *args))
    return _joined(parts)
