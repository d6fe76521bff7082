"""Forms of the retention pages: the Coordinator's decision on a review, and the rules."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from prevent_portal.core.concurrency import VersionField
from referrals.forms.triage import VERSION_ERRORS, _date, _text
from referrals.models import RetentionRule


class DeletionForm(forms.Form):
    """Approve deletion: nothing to fill in but the version the Coordinator saw."""

    version = VersionField(error_messages=VERSION_ERRORS)


class HoldForm(forms.Form):
    reason = _text(
        "Reason for the legal hold",
        "Enter the reason for the legal hold",
        hint="For example, the litigation, inquiry or request the records are needed for.",
    )
    review_on = _date(
        "Date to review the hold (optional)",
        hint="Leave empty to hold the records until someone lifts the hold. For example, 27 3 2030",
        required=False,
    )
    version = VersionField(error_messages=VERSION_ERRORS)

    def clean_review_on(self):
        day = self.cleaned_data.get("review_on")
        if day is not None and day <= timezone.localdate():
            raise forms.ValidationError("The date to review the hold must be in the future")
        return day


class RetentionRuleForm(forms.ModelForm):
    version = VersionField(error_messages=VERSION_ERRORS)

    class Meta:
        model = RetentionRule
        fields = ["years", "young_person_until_age"]
        error_messages = {
            "years": {
                "required": "Enter the number of years",
                "invalid": "Enter the number of years as a whole number, like 6",
                "min_value": "The number of years must be 1 or more",
            },
            "young_person_until_age": {
                "invalid": "Enter the age as a whole number, like 25",
                "min_value": "The age must be 18 or more, or leave it empty",
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["years"].validators.append(
            _at_least(1, "The number of years must be 1 or more")
        )
        self.fields["young_person_until_age"].validators.append(
            _at_least(18, "The age must be 18 or more, or leave it empty")
        )

    def clean_years(self):
        years = self.cleaned_data["years"]
        if years > 100:
            raise forms.ValidationError("The number of years must be 100 or fewer")
        return years

    def clean_young_person_until_age(self):
        age = self.cleaned_data.get("young_person_until_age")
        if age is not None and age > 100:
            raise forms.ValidationError("The age must be 100 or less, or leave it empty")
        return age


def _at_least(low: int, message: str):
    def check(value):
        if value is not None and value < low:
            raise forms.ValidationError(message)

    return check
