"""Forms for the Coordinator's configuration: training types and reporting periods."""

from __future__ import annotations

from django import forms

from prevent_portal.accounts.models import Agency
from prevent_portal.core.concurrency import VersionField
from training.forms.common import VERSION_ERRORS, date_field, text_field
from training.models import ReportingPeriod, TrainingType
from training.quarters import QUARTER_ENDS_TEXT, quarter_ending


class TrainingTypeForm(forms.Form):
    name = text_field("Name", "Enter the name of the training type", max_length=100)
    target_percent = forms.IntegerField(
        label="Target (%)",
        help_text="The percentage of eligible staff who should be compliant, for example 85.",
        min_value=0,
        max_value=100,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
        error_messages={
            "required": "Enter the target percentage",
            "invalid": "Enter the target as a whole number, like 85",
            "min_value": "The target must be 0 or more",
            "max_value": "The target must be 100 or less",
        },
    )
    is_active = forms.BooleanField(
        label="In use: agencies return figures for it",
        required=False,
        help_text="Untick to retire the type. Its past returns stay.",
    )
    order = forms.IntegerField(
        label="Position in lists",
        help_text="Lower numbers come first.",
        min_value=0,
        max_value=1000,
        initial=0,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
        error_messages={
            "required": "Enter a position, like 10",
            "invalid": "Enter the position as a whole number, like 10",
            "min_value": "The position must be 0 or more",
            "max_value": "The position must be 1000 or less",
        },
    )
    agencies = forms.ModelMultipleChoiceField(
        label="Agencies that return figures for it (optional)",
        help_text="Leave all unticked to ask every agency that has a single point of contact.",
        queryset=Agency.objects.filter(is_active=True).order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose agencies from the list"},
    )

    def __init__(self, *args, instance: TrainingType | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        others = TrainingType.objects.filter(name__iexact=name)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(f"There is already a training type called {name}")
        return name


class TrainingTypeEditForm(TrainingTypeForm):
    version = VersionField(error_messages=VERSION_ERRORS)


class PeriodForm(forms.Form):
    end = date_field(
        "Last day of the quarter",
        required_message="Enter the last day of the quarter",
        hint=f"The quarter's last day: {QUARTER_ENDS_TEXT}. For example, 30 6 2026.",
    )
    submission_deadline = date_field(
        "Submission deadline",
        required_message="Enter the date returns are due by",
        hint="Agencies' returns for the quarter are due by this date. For example, 31 7 2026.",
    )

    def clean_end(self):
        end = self.cleaned_data["end"]
        quarter = quarter_ending(end)
        if quarter is None:
            raise forms.ValidationError(f"The last day of a quarter is {QUARTER_ENDS_TEXT}")
        if ReportingPeriod.objects.filter(end=end).exists():
            raise forms.ValidationError(f"{quarter.label} is already a reporting period")
        return end

    def clean(self):
        data = super().clean()
        end, deadline = data.get("end"), data.get("submission_deadline")
        quarter = quarter_ending(end) if end else None
        if quarter and deadline and deadline < quarter.start:
            self.add_error(
                "submission_deadline", "The deadline cannot be before the quarter starts"
            )
        return data


class PeriodDeadlineForm(forms.Form):
    submission_deadline = date_field(
        "Submission deadline",
        required_message="Enter the date returns are due by",
        hint="For example, 31 7 2026.",
    )
    version = VersionField(error_messages=VERSION_ERRORS)

    def __init__(self, *args, period: ReportingPeriod, **kwargs):
        super().__init__(*args, **kwargs)
        self.period = period

    def clean_submission_deadline(self):
        deadline = self.cleaned_data["submission_deadline"]
        if deadline < self.period.start:
            raise forms.ValidationError("The deadline cannot be before the quarter starts")
        return deadline
