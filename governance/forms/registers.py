"""Forms of the four registers: validation only. Each is a ModelForm, so the model's own
validators (the funding-year format, amounts not below zero) apply as well."""

from __future__ import annotations

from django import forms

from governance.forms.common import (
    VERSION_ERRORS,
    date_field,
    line_field,
    not_in_future,
    text_field,
)
from governance.models import CtlpBriefing, EducationSetting, FundedProject, VenueReview
from prevent_portal.core.concurrency import VersionField


def choice_field(label: str, choices, required_message: str, *, radios=True):
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect if radios else forms.Select,
        error_messages={"required": required_message, "invalid_choice": required_message},
    )


class RegisterForm(forms.ModelForm):
    """Adds the version the user saw when editing an existing entry."""

    version = VersionField(error_messages=VERSION_ERRORS, required=False)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["version"].required = True
        else:
            del self.fields["version"]


class CtlpBriefingForm(RegisterForm):
    audience = line_field(
        "Audience",
        "Enter who was briefed",
        hint="For example, Safer Communities Partnership Board members",
        max_length=300,
    )
    briefed_on = date_field("Date of the briefing", required_message="Enter the date")
    briefed_by = line_field("Who briefed", "Enter who gave the briefing")
    notes = text_field("Notes (optional)", required=False)

    class Meta:
        model = CtlpBriefing
        fields = ["audience", "briefed_on", "briefed_by", "notes"]

    def clean_briefed_on(self):
        return not_in_future(
            self.cleaned_data["briefed_on"], "The date of the briefing must be today or earlier"
        )


class VenueReviewForm(RegisterForm):
    venue = line_field("Venue", "Enter the venue", hint="For example, Northmere Town Hall")
    hirer_organisation = line_field("Hirer (organisation)", "Enter the organisation hiring it")
    reviewed_on = date_field("Date of the review", required_message="Enter the date of the review")
    outcome = choice_field("Outcome", VenueReview.Outcome.choices, "Select the outcome")
    reviewer = line_field("Reviewer", "Enter who reviewed the booking")
    notes = text_field(
        "Notes (optional)",
        required=False,
        hint="What was checked and why the decision was made.",
    )

    class Meta:
        model = VenueReview
        fields = ["venue", "hirer_organisation", "reviewed_on", "outcome", "reviewer", "notes"]

    def clean_reviewed_on(self):
        return not_in_future(
            self.cleaned_data["reviewed_on"], "The date of the review must be today or earlier"
        )


class EducationSettingForm(RegisterForm):
    name = line_field("Name of the setting", "Enter the name of the setting")
    kind = choice_field(
        "Type of setting", EducationSetting.Kind.choices, "Select the type of setting"
    )
    address = text_field("Address", "Enter the address", rows=3)
    last_contact_on = date_field("Last contact or visit (optional)", required=False)
    safeguarding_status = choice_field(
        "Safeguarding status",
        EducationSetting.Safeguarding.choices,
        "Select the safeguarding status",
    )
    notes = text_field("Notes (optional)", required=False)

    class Meta:
        model = EducationSetting
        fields = ["name", "kind", "address", "last_contact_on", "safeguarding_status", "notes"]

    def clean_last_contact_on(self):
        return not_in_future(
            self.cleaned_data.get("last_contact_on"),
            "The date of the last contact must be today or earlier",
        )


class FundedProjectForm(RegisterForm):
    provider = line_field("Provider", "Enter the provider")
    purpose = text_field("Purpose", "Enter what the project is for", rows=3)
    funding_year = line_field(
        "Funding year",
        "Enter the funding year",
        hint="The financial year, for example 2021-2022",
        max_length=9,
    )
    amount = forms.DecimalField(
        label="Amount in pounds (optional)",
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-10"}),
        error_messages={
            "invalid": "Enter the amount as a number, like 12500",
            "min_value": "The amount must be 0 or more",
            "max_digits": "Enter an amount below £100,000,000",
            "max_decimal_places": "Enter the amount in pounds and pence, like 12500.50",
            "max_whole_digits": "Enter an amount below £100,000,000",
        },
    )
    status = choice_field("Status", FundedProject.Status.choices, "Select the status")
    outcome = text_field(
        "Outcome (optional)", required=False, hint="What the project achieved.", rows=3
    )

    class Meta:
        model = FundedProject
        fields = ["provider", "purpose", "funding_year", "amount", "status", "outcome"]

    def clean_funding_year(self):
        value = self.cleaned_data["funding_year"].strip()
        first, _, second = value.partition("-")
        if not (first.isdigit() and second.isdigit() and len(first) == len(second) == 4):
            raise forms.ValidationError("Enter the funding year as two years, like 2021-2022")
        if int(second) != int(first) + 1:
            raise forms.ValidationError("The second year must follow the first, like 2021-2022")
        return value


class RegisterSearchForm(forms.Form):
    """The list's search box (GET): words to look for in the register's text fields."""

    q = forms.CharField(
        label="Search this register",
        required=False,
        max_length=200,
        error_messages={"max_length": "Search for 200 characters or fewer"},
    )


class RegisterDeleteForm(forms.Form):
    """Confirming a deletion: why, and the version of the entry the user was shown."""

    reason = text_field(
        "Why are you deleting this entry?",
        "Enter why you are deleting this entry",
        hint="For example, it was recorded twice. The reason is kept with the record of "
        "the deletion.",
        rows=3,
    )
    version = VersionField(error_messages=VERSION_ERRORS)
