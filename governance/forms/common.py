"""Field helpers every governance form uses, so each kind of field reads the same way."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from prevent_portal.accounts.addressees import holders
from prevent_portal.accounts.models import Role, User
from prevent_portal.core.concurrency import VersionField
from prevent_portal.core.forms import GovUKDateField

DATE_HINT = "For example, 27 3 2026"
TEXT_MAX = 10_000
_RELOAD = "Reload the page and try again"
VERSION_ERRORS = {"required": _RELOAD, "invalid": _RELOAD, "min_value": _RELOAD}
# Staff who may lead a board, own an action or receive reminders: anyone in a working role.
STAFF_ROLES = [Role.COORDINATOR, Role.PANEL_CHAIR, Role.MANAGER, Role.SPOC, Role.PANEL_MEMBER]


def date_field(
    label: str,
    *,
    required: bool = True,
    required_message: str = "",
    hint=DATE_HINT,
    name_in_errors: str = "",
):
    return GovUKDateField(
        label=label,
        name_in_errors=name_in_errors,
        help_text=hint,
        required=required,
        error_messages={"required": required_message},
    )


def text_field(label: str, required_message: str = "", *, hint="", rows=4, required=True):
    return forms.CharField(
        label=label,
        help_text=hint,
        required=required,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={
            "required": required_message,
            "max_length": f"{label} must be {TEXT_MAX:,} characters or fewer",
        },
    )


def line_field(label: str, required_message: str = "", *, hint="", max_length=200, required=True):
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


def not_in_future(value, message: str):
    if value and value > timezone.localdate():
        raise forms.ValidationError(message)
    return value


def staff(area):
    """Active users holding a working role in the council area ``area`` (an Area or its
    pk: the board's or the plan's), by name: another council's staff are never offered
    (issue 18)."""
    return holders(STAFF_ROLES, area).order_by("first_name", "last_name", "username")


def person_label(user: User) -> str:
    return user.get_full_name() or user.username


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return person_label(obj)


class StaffMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return person_label(obj)


class VersionedForm(forms.Form):
    """A form that edits a shared record carries the version its user saw."""

    version = VersionField(error_messages=VERSION_ERRORS)
