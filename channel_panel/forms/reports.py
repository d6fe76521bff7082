"""The Channel Panel report's period: validation only."""

from django import forms
from django.utils import timezone

from referrals.forms.imports import DATE_FORMATS, DATE_INVALID, StatisticsForm


class ChannelReportForm(forms.Form):
    """The period as ``?from=&to=`` (day/month/year or YYYY-MM-DD), so a report's address
    can be shared; and, optionally, the smallest count to show."""

    suppress = StatisticsForm.base_fields["suppress"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword, so these fields are added here rather than declared.
        self.fields["from"] = forms.DateField(
            label="From",
            help_text="For example, 1/4/2025",
            input_formats=DATE_FORMATS,
            error_messages={
                "required": "Enter the first day of the period",
                "invalid": DATE_INVALID,
            },
            widget=forms.DateInput(attrs={"class": "govuk-input--width-10"}),
        )
        self.fields["to"] = forms.DateField(
            label="To",
            help_text="For example, 31/3/2026. Both days are included.",
            input_formats=DATE_FORMATS,
            error_messages={
                "required": "Enter the last day of the period",
                "invalid": DATE_INVALID,
            },
            widget=forms.DateInput(attrs={"class": "govuk-input--width-10"}),
        )
        self.order_fields(["from", "to", "suppress"])

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            self.add_error("to", "The last day must be the same as or after the first day")
        if start and start > timezone.localdate():
            self.add_error("from", "The first day must be today or in the past")
        return data
