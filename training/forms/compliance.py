"""The filter of the compliance page (a GET form)."""

from __future__ import annotations

from django import forms

from training.forms.common import QuarterChoiceField
from training.models import ReportingPeriod, TrainingType

MAX_QUARTERS = 8


class ComplianceFilterForm(forms.Form):
    period_from = QuarterChoiceField(
        label="From",
        queryset=ReportingPeriod.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": "Choose one of the quarters"},
    )
    period_to = QuarterChoiceField(
        label="To",
        queryset=ReportingPeriod.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": "Choose one of the quarters"},
    )
    training_type = forms.ModelChoiceField(
        label="Training type",
        queryset=TrainingType.objects.all(),
        required=False,
        empty_label="Every type in use",
        error_messages={"invalid_choice": "Choose one of the training types"},
    )
    agency = forms.ModelChoiceField(
        label="Agency",
        queryset=None,
        required=False,
        empty_label="Every agency",
        error_messages={"invalid_choice": "Choose one of the agencies"},
    )

    def __init__(self, *args, periods, quarters, agencies, **kwargs):
        """``periods``: the quarters to choose from, as a query; ``quarters``: its rows, read
        once by the caller, which both quarter lists show, the two chosen are checked among
        and the number of quarters chosen is counted in (not read again for each)."""
        super().__init__(*args, **kwargs)
        self.quarters = quarters
        for name in ("period_from", "period_to"):
            field = self.fields[name]
            field.queryset = periods
            field.rows = quarters
            field.choices = [(q.pk, field.label_from_instance(q)) for q in quarters]
        self.fields["agency"].queryset = agencies

    def clean(self):
        data = super().clean()
        start, end = data.get("period_from"), data.get("period_to")
        if start and end:
            if start.end > end.end:
                self.add_error(
                    "period_to", "The last quarter must be the same as or after the first"
                )
            else:
                count = len(quarters_between(self.quarters, start, end))
                if count > MAX_QUARTERS:
                    self.add_error(
                        "period_to",
                        f"Choose {MAX_QUARTERS} quarters or fewer (you chose {count})",
                    )
        return data


def quarters_between(quarters: list[ReportingPeriod], first, last) -> list[ReportingPeriod]:
    """The quarters of ``quarters`` from ``first`` to ``last``, both included, oldest first."""
    return [q for q in quarters if first.end <= q.end <= last.end]
