"""Forms of the subject access pages: validation only."""

from __future__ import annotations

from django import forms

from governance.forms.common import date_field, line_field, not_in_future


class PersonSearchForm(forms.Form):
    """Find the person a request is about: a name (or a referral reference), narrowed by
    date of birth or postcode. A GET form, so a search is a link."""

    name = line_field(
        "Name or referral reference",
        hint="Given name, family name or another name they are known by, or PR-2026-0001",
        max_length=200,
        required=False,
    )
    date_of_birth = date_field("Date of birth", required=False, hint="For example, 27 3 2008")
    postcode = line_field("Postcode", max_length=10, required=False)

    def clean(self):
        data = super().clean()
        if not self.errors and not any(
            data.get(name) for name in ("name", "date_of_birth", "postcode")
        ):
            raise forms.ValidationError("Enter a name or reference, a date of birth or a postcode")
        return data


class ExportRequestForm(forms.Form):
    """The request an export answers: when it arrived (the month to reply runs from then)
    and the council's own reference for it."""

    received_on = date_field(
        "Date the request was received",
        required_message="Enter the date the request was received",
    )
    request_reference = line_field(
        "Your reference for the request",
        "Enter your reference for the request",
        hint="The reference your information governance team gave the request",
        max_length=100,
    )

    def clean_received_on(self):
        return not_in_future(
            self.cleaned_data["received_on"], "The date received must be today or in the past"
        )
