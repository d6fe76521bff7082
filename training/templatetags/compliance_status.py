"""A compliance cell's status as a GOV.UK tag: one tag, not an include per cell (issue 18,
branch table18: the compliance tables render 50 to 75 cells a page)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from training.figures import BELOW, MEETS, MISSING, NOT_OWED

register = template.Library()

TAG_COLOURS = {MEETS: "green", BELOW: "orange", MISSING: "red"}  # others grey


@register.simple_tag
def status_tag(status: str, words: str) -> str:
    """The status in words, in colour too: green meets, orange below, red missing, grey
    no eligible staff or not yet returned; "not asked for" as a hint, not a tag."""
    if status == NOT_OWED:
        return format_html('<span class="govuk-hint govuk-!-margin-0">{}</span>', words)
    colour = TAG_COLOURS.get(status, "grey")
    return format_html('<strong class="govuk-tag govuk-tag--{}">{}</strong>', colour, words)
