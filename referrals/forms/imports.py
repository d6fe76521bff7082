"""Forms for the historical import and the statistics page: validation only."""

from django import forms
from django.utils import timezone

from prevent_portal.core.forms import GovUKDateField
from prevent_portal.core.periods import refuse_partial_period
from prevent_portal.core.uploads import SpreadsheetUploadForm


class ImportForm(SpreadsheetUploadForm):
    help_text = (
        "A CSV or XLSX file with one referral per row and the columns of the historical "
        "import. Up to 20 MB."
    )


class StatisticsForm(forms.Form):
    date_from = GovUKDateField(
        label="From",
        name_in_errors="The first day",
        help_text="For example, 1 4 2020",
        error_messages={"required": "Enter the first day of the period"},
    )
    date_to = GovUKDateField(
        label="To",
        name_in_errors="The last day",
        help_text="For example, 31 3 2021. Referrals received on both days are counted.",
        error_messages={"required": "Enter the last day of the period"},
    )
    suppress = forms.IntegerField(
        label="Hide counts below (optional)",
        help_text="For papers to boards: counts below this number are shown as hidden.",
        required=False,
        min_value=0,
        max_value=1000,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
        error_messages={
            "invalid": "Enter a whole number of referrals, like 5",
            "min_value": "Enter a whole number of referrals, like 5",
            "max_value": "Enter a number no bigger than 1000",
        },
    )

    def __init__(self, *args, whole_periods_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # Readers of aggregates only: whole financial quarters or years (security F3).
        self.whole_periods_only = whole_periods_only
        if whole_periods_only:
            # ... at the managers' threshold: two thresholds side by side hide different
            # larger cells, and together show counts each hides (review 1 of F3).
            del self.fields["suppress"]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The last day must be the same as or after the first day")
        if start and start > timezone.localdate():
            self.add_error("date_from", "The first day must be today or in the past")
        if self.whole_periods_only:
            refuse_partial_period(self, "date_from", "date_to")
        return data
