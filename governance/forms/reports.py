"""Forms of the dashboard and the board reports: validation only."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone

from governance.forms.common import (
    VERSION_ERRORS,
    VersionedForm,
    date_field,
    line_field,
    not_in_future,
)
from governance.models import Board
from prevent_portal.core.concurrency import VersionField
from prevent_portal.core.periods import financial_year_start, refuse_partial_period

# Financial years offered in the period filters, counting back from the current one.
YEARS_OFFERED = 10


def financial_year(start_year: int) -> tuple[date, date]:
    """1 April of ``start_year`` to 31 March of the next year."""
    return date(start_year, 4, 1), date(start_year + 1, 3, 31)


def year_choices(today: date) -> list[tuple[str, str]]:
    current = financial_year_start(today).year
    return [("", "Choose dates instead")] + [
        (str(year), f"April {year} to March {year + 1}")
        for year in range(current, current - YEARS_OFFERED, -1)
    ]


class PeriodForm(forms.Form):
    """A financial year, or a first and last day. A chosen year wins over dates, so a link
    naming a year always shows that year. ``whole_periods_only`` (a reader of aggregates
    only): the dates must make a whole financial quarter or year (security finding F3)."""

    year = forms.ChoiceField(
        label="Financial year",
        required=False,
        error_messages={"invalid_choice": "Choose a financial year from the list"},
    )
    date_from = date_field(
        "From", name_in_errors="The first day", required=False, hint="For example, 1 4 2025"
    )
    date_to = date_field(
        "To", name_in_errors="The last day", required=False, hint="For example, 31 3 2026"
    )

    def __init__(
        self, *args, today: date | None = None, whole_periods_only: bool = False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.whole_periods_only = whole_periods_only
        self.fields["year"].choices = year_choices(today or timezone.localdate())
        if whole_periods_only:
            self.fields["date_from"].help_text = "The first day of a quarter: 1/4, 1/7, 1/10 or 1/1"
            self.fields["date_to"].help_text = "Its last day: 30/6, 30/9, 31/12 or 31/3"

    def clean(self):
        data = super().clean()
        if any(name in self.errors for name in ("year", "date_from", "date_to")):
            return data
        if data.get("year"):
            data["date_from"], data["date_to"] = financial_year(int(data["year"]))
            return data
        start, end = data.get("date_from"), data.get("date_to")
        if not start:
            self.add_error("date_from", "Choose a financial year, or enter the first day")
        if not end:
            self.add_error("date_to", "Choose a financial year, or enter the last day")
        if start and end and start > end:
            self.add_error("date_to", "The last day must be the same as or after the first day")
        elif self.whole_periods_only:
            refuse_partial_period(self, "date_from", "date_to")
        return data


class BoardReportForm(PeriodForm):
    """Which board the report is for, and its period."""

    board = forms.ModelChoiceField(
        label="Board",
        queryset=Board.objects.none(),
        empty_label="Choose a board",
        error_messages={
            "required": "Choose the board the report is for",
            "invalid_choice": "Choose a board from the list",
        },
    )
    field_order = ["board", "year", "date_from", "date_to"]

    def __init__(self, *args, boards=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["board"].queryset = boards if boards is not None else Board.objects.none()


class PresentForm(VersionedForm):
    """The board update a finished report becomes."""

    presented_on = date_field(
        "Date presented", required_message="Enter the date the report was presented"
    )
    title = line_field("Title of the update", "Enter the title of the update", max_length=300)

    def clean_presented_on(self):
        return not_in_future(
            self.cleaned_data["presented_on"], "The date presented must be today or in the past"
        )


NARRATIVE_MAX = 10_000


class NarrativeForm(forms.Form):
    """The Coordinator's narrative of a report: an introduction, a commentary per section
    (one field each, ``commentary_<key>``), recommendations. All optional; each at most
    NARRATIVE_MAX characters. ``version`` is the narrative's (0 before any is saved)."""

    version = VersionField(min_value=0, error_messages=VERSION_ERRORS)

    def __init__(self, *args, sections: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.sections = sections
        self.fields["introduction"] = self._text(
            "Introduction", "What the paper is for and what the board is asked to note", rows=6
        )
        for key, label in sections:
            self.fields[f"commentary_{key}"] = self._text(
                f"Commentary on {label[0].lower()}{label[1:]}",
                "Printed under the section's heading, before its figures",
            )
        self.fields["recommendations"] = self._text(
            "Recommendations", "What the board is asked to decide or support", rows=6
        )

    @staticmethod
    def _text(label: str, hint: str, rows: int = 4) -> forms.CharField:
        return forms.CharField(
            label=label,
            help_text=hint,
            required=False,
            max_length=NARRATIVE_MAX,
            widget=forms.Textarea(attrs={"rows": rows}),
            error_messages={"max_length": f"{label} must be {NARRATIVE_MAX:,} characters or fewer"},
        )

    def commentary(self) -> dict[str, str]:
        return {key: self.cleaned_data[f"commentary_{key}"] for key, _ in self.sections}

    def commentary_fields(self):
        return [self[f"commentary_{key}"] for key, _ in self.sections]
