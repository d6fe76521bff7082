"""The four registers, each described once: its model, form, words and list columns. One
set of views, templates and services serves them all (``views/registers.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import models
from django.http import Http404
from django.utils import dateformat
from django.utils.text import capfirst

from governance.forms.registers import (
    CtlpBriefingForm,
    EducationSettingForm,
    FundedProjectForm,
    VenueReviewForm,
)
from governance.models import CtlpBriefing, EducationSetting, FundedProject, VenueReview


@dataclass(frozen=True)
class RegisterDefinition:
    slug: str
    model: type[models.Model]
    form_class: type
    title: str  # the register, e.g. "CTLP briefings"
    singular: str  # one entry, e.g. "CTLP briefing"
    description: str
    columns: tuple[str, ...]  # model fields shown in the list; the first links to the entry
    empty: str

    def label(self, field: str) -> str:
        return capfirst(self.model._meta.get_field(field).verbose_name)

    def cells(self, entry) -> list[str]:
        return [display(entry, field) for field in self.columns]

    @property
    def fields(self) -> list[str]:
        """Every field a person records, in the form's order: what an export holds."""
        return list(self.form_class._meta.fields)

    @property
    def search_fields(self) -> list[str]:
        """The free-text fields (not choices, dates or amounts) the list's search looks in."""
        return [
            name
            for name in self.fields
            if isinstance(self.model._meta.get_field(name), models.CharField | models.TextField)
            and not self.model._meta.get_field(name).choices
        ]

    def search(self, queryset, text: str):
        """Entries of ``queryset`` with ``text`` in any of the free-text fields (any case)."""
        text = text.strip()
        if not text:
            return queryset
        match = models.Q()
        for name in self.search_fields:
            match |= models.Q(**{f"{name}__icontains": text})
        return queryset.filter(match)

    def export_row(self, entry) -> list:
        """One entry as a spreadsheet row: choices in words, dates as dates, amounts as
        numbers (so they still add up), empty answers as empty cells."""
        row = []
        for name in self.fields:
            if self.model._meta.get_field(name).choices:
                row.append(getattr(entry, f"get_{name}_display")())
            else:
                value = getattr(entry, name)
                row.append(None if value == "" else value)
        return row


def display(entry, field: str) -> str:
    """One value as a person reads it: choices in words, dates in full, money in pounds."""
    model_field = entry._meta.get_field(field)
    value = getattr(entry, field)
    if model_field.choices:
        return getattr(entry, f"get_{field}_display")()
    if value in (None, ""):
        return "Not recorded"
    if isinstance(value, date):
        return dateformat.format(value, "j M Y")
    if isinstance(value, Decimal):
        return f"£{value:,.2f}"
    return str(value)


REGISTERS: dict[str, RegisterDefinition] = {
    r.slug: r
    for r in [
        RegisterDefinition(
            slug="ctlp-briefings",
            model=CtlpBriefing,
            form_class=CtlpBriefingForm,
            title="CTLP briefings",
            singular="CTLP briefing",
            description=(
                "Briefings on the Counter Terrorism Local Profile given to boards, senior "
                "managers and partners (priority action 2)."
            ),
            columns=("audience", "briefed_on", "briefed_by"),
            empty="No CTLP briefings recorded yet.",
        ),
        RegisterDefinition(
            slug="venue-reviews",
            model=VenueReview,
            form_class=VenueReviewForm,
            title="Venue-booking reviews",
            singular="venue-booking review",
            description=(
                "Due-diligence reviews of bookings of council venues, so they do not give "
                "a platform to extremist views (priority action 5)."
            ),
            columns=("venue", "hirer_organisation", "reviewed_on", "outcome", "reviewer"),
            empty="No venue-booking reviews recorded yet.",
        ),
        RegisterDefinition(
            slug="education-settings",
            model=EducationSetting,
            form_class=EducationSettingForm,
            title="Supplementary education settings",
            singular="supplementary education setting",
            description=(
                "Settings outside the local authority's schools, such as supplementary "
                "schools, youth clubs and after-school clubs, and how their safeguarding "
                "stands (priority action 6)."
            ),
            columns=("name", "kind", "last_contact_on", "safeguarding_status"),
            empty="No supplementary education settings recorded yet.",
        ),
        RegisterDefinition(
            slug="funded-projects",
            model=FundedProject,
            form_class=FundedProjectForm,
            title="Home Office-funded projects",
            singular="Home Office-funded project",
            description="Projects commissioned with Home Office Prevent funding.",
            columns=("provider", "funding_year", "amount", "status"),
            empty="No funded projects recorded yet.",
        ),
    ]
}


def get_register(slug: str) -> RegisterDefinition:
    try:
        return REGISTERS[slug]
    except KeyError:
        raise Http404("No such register") from None
