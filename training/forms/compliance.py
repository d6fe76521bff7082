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

    def __init__(self, *args, periods, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("period_from", "period_to"):
            self.fields[name].queryset = periods
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
                count = (
                    self.fields["period_to"]
                    .queryset.filter(end__gte=start.end, end__lte=end.end)
                    .count()
                )
                if count > MAX_QUARTERS:
                    self.add_error(
                        "period_to",
                        f"Choose {MAX_QUARTERS} quarters or fewer (you chose {count})",
                    )
        return data
