"""Changing a person's details after intake: the intake questions' own fields and rules
(one set of rules for a name, a postcode ...), a reason, and the version the user saw."""

from __future__ import annotations

from django import forms

from prevent_portal.core.concurrency import VersionField
from referrals.forms.intake import (
    AddressForm,
    DateOfBirthForm,
    GenderForm,
    NameForm,
    SchoolForm,
    TextField,
)
from referrals.forms.triage import VERSION_ERRORS

REASON_MAX = 2_000


class PersonDetailsForm(NameForm, GenderForm, AddressForm, SchoolForm):
    """Every detail but the date of birth, which is the intake's three-box date input
    (``DateOfBirthForm``, validated alongside on the same page)."""

    reason = TextField(
        label="Why are you changing these details?",
        help_text="This is kept on the chronology of each of the person's referrals.",
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter the reason for the change",
            "max_length": f"The reason must be {REASON_MAX} characters or fewer",
        },
    )
    version = VersionField(error_messages=VERSION_ERRORS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gender"].label = "Gender"
        self.fields["address"].label = "Address (optional)"
        self.fields["school_or_employer"].label = "School, college or employer (optional)"

    @staticmethod
    def initial_for(person) -> dict:
        initial = {
            name: getattr(person, name)
            for name in (
                "given_name",
                "family_name",
                "gender",
                "address",
                "postcode",
                "school_or_employer",
            )
        }
        initial["version"] = person.version
        born = person.date_of_birth
        if born is not None:
            initial |= {
                "date_of_birth_day": born.day,
                "date_of_birth_month": born.month,
                "date_of_birth_year": born.year,
            }
        return initial


__all__ = ["DateOfBirthForm", "PersonDetailsForm"]
