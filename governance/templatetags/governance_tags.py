"""Status tags in words and colour (never colour alone) for RAG and board schedules."""

from django import template

from governance.models import Rag, ScheduleStatus

register = template.Library()

RAG_COLOURS = {Rag.RED: "red", Rag.AMBER: "orange", Rag.GREEN: "green"}
SCHEDULE_COLOURS = {
    ScheduleStatus.OVERDUE: "red",
    ScheduleStatus.DUE_SOON: "yellow",
    ScheduleStatus.SCHEDULED: "green",
    ScheduleStatus.TO_BE_CONFIRMED: "grey",
    ScheduleStatus.NOT_SCHEDULED: "grey",
}


@register.filter
def rag_label(value) -> str:
    """A RAG value in words, e.g. "Amber: at risk"."""
    return Rag(value).label if value in Rag.values else "Not rated"


@register.inclusion_tag("governance/status_tag.html")
def rag_tag(value):
    if value not in Rag.values:
        return {"label": "Not rated", "colour": "grey"}
    return {"label": Rag(value).label, "colour": RAG_COLOURS[value]}


@register.inclusion_tag("governance/status_tag.html")
def schedule_tag(value):
    return {"label": ScheduleStatus(value).label, "colour": SCHEDULE_COLOURS[value]}
