"""Field builders the training forms share, so each kind of field reads and fails alike."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from prevent_portal.core.forms import GovUKDateField
from training.models import MAX_STAFF

DATE_HINT = "For example, 30 6 2018"
# The version travels in a hidden field: if it is missing or mangled, ask for a reload.
_RELOAD = "Reload the page and try again"
VERSION_ERRORS = {"required": _RELOAD, "invalid": _RELOAD, "min_value": _RELOAD}


def date_field(label: str, *, required_message: str = "", required=True, hint=DATE_HINT):
    return GovUKDateField(
        label=label,
        help_text=hint,
        required=required,
        error_messages={"required": required_message},
    )


def count_field(label: str, what: str, *, hint: str = "", maximum: int = MAX_STAFF):
    """A whole number of people or sessions, 0 or more; ``what`` names it in messages
    ("the number of eligible staff")."""
    return forms.IntegerField(
        label=label,
        help_text=hint,
        min_value=0,
        max_value=maximum,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "class": "govuk-input--width-5", "spellcheck": "false"}
        ),
        error_messages={
            "required": f"Enter {what}",
            "invalid": f"Enter {what} as a whole number, like 480",
            "min_value": f"{what[0].upper()}{what[1:]} cannot be negative",
            "max_value": f"{what[0].upper()}{what[1:]} must be {maximum:,} or fewer",
        },
    )


def text_field(label: str, required_message: str = "", *, max_length=300, hint="", required=True):
    return forms.CharField(
        label=label,
        help_text=hint,
        required=required,
        max_length=max_length,
        error_messages={
            "required": required_message,
            "max_length": f"{label} must be {max_length:,} characters or fewer",
        },
    )


class PeriodChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.label} ({obj.start:%B} to {obj.end:%B %Y})"


class QuarterChoiceField(forms.ModelChoiceField):
    """A quarter by its short name ("Q1 2018/19"), for narrow filters. Given ``rows`` (its
    queryset's quarters, read once by the form's caller), a choice is checked among them
    instead of read again: the same quarters, one query fewer for each field."""

    rows = None

    def label_from_instance(self, obj):
        return obj.label

    def to_python(self, value):
        if self.rows is None or value in self.empty_values:
            return super().to_python(value)
        self.validate_no_null_characters(value)
        key = str(value.pk if isinstance(value, self.queryset.model) else value)
        chosen = next((row for row in self.rows if str(row.pk) == key), None)
        if chosen is None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return chosen
