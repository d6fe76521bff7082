"""What an agenda row says about its case and its decision, built here rather than by an
include per row: the meeting page shows 50 rows, the minutes every row of the agenda, and the
two includes with their variable lookups were about 3 ms of the meeting page's CPU (issue
18). Nothing personal unless the reader may see the item's case or referral (``row.visible``,
channel_panel/views/agenda.py). Every value is escaped by ``format_html``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template
from django.template.defaultfilters import date
from django.utils.html import format_html
from django.utils.safestring import SafeString

from channel_panel.models import AgendaItem
from prevent_portal.core.links import record_url

if TYPE_CHECKING:
    from channel_panel.views.agenda import AgendaRow

register = template.Library()


@register.simple_tag(takes_context=True)
def agenda_case(context, row: AgendaRow) -> SafeString:
    """An "other" item's title; the case's (or referral's) reference as a link, and the
    person's name, for a reader who may see them; otherwise only that it is a case item, and
    when the panel pack will give its details (``pack_pending``, ``pack_opens``)."""
    item = row.item
    if item.kind == AgendaItem.Kind.OTHER:
        return format_html("{}", item.title)
    if row.visible:
        if row.case is not None:
            url = record_url("channel_panel:case_detail", row.case.pk)
        else:
            url = record_url("referrals:detail", row.referral.pk)
        return format_html(
            '<a class="govuk-link" href="{}">{}</a>: {}', url, row.reference, row.person.full_name
        )
    if context.get("pack_pending"):
        when = format_html(
            "Details in the panel pack from {}", date(context.get("pack_opens"), "j F Y")
        )
    else:
        when = "Not available to you"
    return format_html('Case item<br><span class="govuk-body-s">{}</span>', when)


@register.simple_tag
def agenda_decision(row: AgendaRow) -> SafeString:
    """The decision in force: its outcome (and whether it was corrected) for a reader who
    may see the case; otherwise only whether one is recorded."""
    if not row.is_case_item:
        return format_html("{}", "No decision needed")
    decision = row.decision
    if not decision:
        return format_html(
            '<strong class="govuk-tag govuk-tag--{}">{}</strong>', "grey", "No decision yet"
        )
    if not row.visible:
        return format_html("{}", "Decision recorded")
    if decision.corrects_id:
        return format_html(
            '{} <strong class="govuk-tag govuk-tag--yellow">Corrected</strong>',
            decision.get_outcome_display(),
        )
    return format_html("{}", decision.get_outcome_display())


@register.simple_tag(takes_context=True)
def agenda_row_cells(context, row: AgendaRow) -> SafeString:
    """The meeting page's row of an item, but for its buttons: the position heading the row,
    the kind, the case (``agenda_case``) and the decision (``agenda_decision``) cells, in one
    tag (a tag and three variables a row were about 1.5 ms of the page's 50 rows)."""
    item = row.item
    return format_html(
        '<th scope="row" class="govuk-table__header govuk-table__header--numeric">{}</th>'
        '<td class="govuk-table__cell">{}</td>'
        '<td class="govuk-table__cell">{}</td>'
        '<td class="govuk-table__cell">{}</td>',
        item.position,
        item.get_kind_display(),
        agenda_case(context, row),
        agenda_decision(row),
    )
