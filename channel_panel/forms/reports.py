"""The Channel Panel report's period: validation only."""

from django import forms
from django.utils import timezone

from prevent_portal.core.forms import GovUKDateField
from prevent_portal.core.periods import refuse_partial_period
from referrals.forms.imports import StatisticsForm


def _day(label: str, hint: str, required: str, what: str) -> GovUKDateField:
    return GovUKDateField(
        label=label,
        name_in_errors=what,
        help_text=hint,
        error_messages={"required": required},
    )


class ChannelReportForm(forms.Form):
    """The period as ``?from=&to=`` (day/month/year or YYYY-MM-DD), so a report's address
    can be shared; and, optionally, the smallest count to show."""

    suppress = StatisticsForm.base_fields["suppress"]

    def __init__(self, *args, whole_periods_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # Readers of aggregates only: whole financial quarters or years (security F3).
        self.whole_periods_only = whole_periods_only
        # "from" is a Python keyword, so these fields are added here rather than declared.
        self.fields["from"] = _day(
            "From", "For example, 1 4 2025", "Enter the first day of the period", "The first day"
        )
        self.fields["to"] = _day(
            "To",
            "For example, 31 3 2026. Both days are included.",
            "Enter the last day of the period",
            "The last day",
        )
        self.order_fields(["from", "to", "suppress"])
        if whole_periods_only:  # the managers' threshold, not one they choose (F3)
            del self.fields["suppress"]

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            self.add_error("to", "The last day must be the same as or after the first day")
        if start and start > timezone.localdate():
            self.add_error("from", "The first day must be today or in the past")
        if self.whole_periods_only:
            refuse_partial_period(self, "from", "to")
        return data
