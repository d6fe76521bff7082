"""The regional aggregate's period: a whole financial year, and nothing else."""

from __future__ import annotations

from datetime import date

from django import forms

from governance.forms.reports import year_choices


class RegionalYearForm(forms.Form):
    """A financial year from the list. Years do not overlap, so no two choices set side by
    side give a hidden count away (security finding F3)."""

    year = forms.ChoiceField(
        label="Financial year",
        error_messages={
            "required": "Choose a financial year",
            "invalid_choice": "Choose a financial year from the list",
        },
    )

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [c for c in year_choices(today) if c[0]]
