"""The unusual-access report's filter: validation only."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from prevent_portal.accounts.models import Agency
from prevent_portal.core.forms import GovUKDateField


class UnusualAccessForm(forms.Form):
    """A period (the last 30 days unless both days are given) and, for the Coordinator or
    an SPOC of more than one agency, whose users to report on."""

    agency = forms.ModelChoiceField(
        label="Users of",
        queryset=Agency.objects.none(),
        required=False,
        error_messages={"invalid_choice": "Choose an agency from the list"},
    )
    date_from = GovUKDateField(
        label="From",
        name_in_errors="The first day",
        help_text="For example, 1 4 2026",
        required=False,
    )
    date_to = GovUKDateField(
        label="To",
        name_in_errors="The last day",
        help_text="For example, 30 4 2026. Both days are included.",
        required=False,
    )

    def __init__(self, *args, agencies, all_agencies_label: str | None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["agency"]
        field.queryset = agencies
        # The Coordinator may leave it empty (all agencies); an SPOC always has one chosen.
        field.empty_label = all_agencies_label

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and not end and "date_to" not in self.errors:
            self.add_error("date_to", "Enter the last day of the period")
        if end and not start and "date_from" not in self.errors:
            self.add_error("date_from", "Enter the first day of the period")
        if start and end and start > end:
            self.add_error("date_to", "The last day must be the same as or after the first day")
        if start and start > timezone.localdate():
            self.add_error("date_from", "The first day must be today or in the past")
        return data
