"""Forms for the Coordinator's registers: sessions delivered and department coverage."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone

from prevent_portal.accounts.models import Agency
from prevent_portal.core.concurrency import VersionField
from training.forms.common import (
    VERSION_ERRORS,
    count_field,
    date_field,
    text_field,
)
from training.models import DeliveryMode, TrainingType

FEEDBACK_MAX = 5_000


def _types(current=None):
    """Types in use, and the one a record already has even if it is retired since."""
    queryset = TrainingType.objects.active()
    if current is not None:
        queryset = TrainingType.objects.filter(Q(pk__in=queryset.values("pk")) | Q(pk=current))
    return queryset


class SessionForm(forms.Form):
    delivered_on = date_field("Date delivered", required_message="Enter the date of the session")
    training_type = forms.ModelChoiceField(
        label="Training type",
        queryset=TrainingType.objects.none(),
        empty_label="Choose a training type",
        error_messages={
            "required": "Choose the training type",
            "invalid_choice": "Choose one of the training types",
        },
    )
    trainers = text_field(
        "Trainer or trainers",
        "Enter who delivered the session",
        hint="Names or roles, for example Prevent Coordinator and SO15 officer.",
    )
    agencies = forms.ModelMultipleChoiceField(
        label="Partner agencies trained (optional)",
        queryset=Agency.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose agencies from the list"},
    )
    other_organisations = text_field(
        "Other organisations trained (optional)",
        required=False,
        hint="Organisations not in the list, for example a charity or a community group.",
    )
    audience = text_field(
        "Audience or department",
        "Enter who attended, for example social workers in children's services",
    )
    attendees = count_field("Number of attendees", "the number of attendees", maximum=10_000)
    mode = forms.ChoiceField(
        label="How was it delivered?",
        choices=DeliveryMode.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the session was delivered"},
    )
    feedback = forms.CharField(
        label="Feedback (optional)",
        required=False,
        max_length=FEEDBACK_MAX,
        help_text="What attendees said. Do not name attendees.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": f"Feedback must be {FEEDBACK_MAX:,} characters or fewer"},
    )

    def __init__(self, *args, area, current_type=None, current_agencies=(), **kwargs):
        """``area``: the council area (id) the session is delivered in. Its agencies are
        offered (another area's are not this Coordinator's to name), and those the session
        already names, even if one has stopped serving it."""
        super().__init__(*args, **kwargs)
        self.fields["training_type"].queryset = _types(current_type)
        self.fields["agencies"].queryset = Agency.objects.filter(
            pk__in=[
                *Agency.objects.filter(is_active=True, areas=area).values_list("pk", flat=True),
                *current_agencies,
            ]
        ).order_by("name")

    def clean_delivered_on(self):
        delivered_on = self.cleaned_data["delivered_on"]
        if delivered_on > timezone.localdate():
            raise forms.ValidationError("The date delivered must be today or in the past")
        return delivered_on

    def clean(self):
        data = super().clean()
        if (
            "agencies" not in self.errors
            and not data.get("agencies")
            and not (data.get("other_organisations") or "").strip()
        ):
            self.add_error(
                "agencies",
                "Choose the partner agencies trained, or name the other organisations",
            )
        return data


class SessionEditForm(SessionForm):
    version = VersionField(error_messages=VERSION_ERRORS)


class CoverageForm(forms.Form):
    department = text_field(
        "Department or organisation",
        "Enter the department or organisation",
        max_length=200,
        hint="For example, Children and Family Services.",
    )
    training_type = forms.ModelChoiceField(
        label="Training type",
        queryset=TrainingType.objects.none(),
        empty_label="Choose a training type",
        error_messages={
            "required": "Choose the training type",
            "invalid_choice": "Choose one of the training types",
        },
    )
    covers_from = date_field(
        "Counted from (optional)",
        required=False,
        hint="The first day the figures count from, for example 1/11/2017.",
    )
    as_at = date_field(
        "As at",
        required_message="Enter the date the figures are as at",
        hint="For example, 1 1 2019",
    )
    staff_requiring_training = count_field(
        "Staff requiring training", "the number of staff requiring training"
    )
    staff_trained = count_field("Staff trained", "the number of staff trained")
    sessions_delivered = count_field(
        "Sessions delivered", "the number of sessions delivered", maximum=10_000
    )

    def __init__(self, *args, current_type=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["training_type"].queryset = _types(current_type)

    def clean(self):
        data = super().clean()
        requiring, trained = data.get("staff_requiring_training"), data.get("staff_trained")
        if requiring is not None and trained is not None and trained > requiring:
            self.add_error(
                "staff_trained",
                "Staff trained cannot be more than staff requiring training",
            )
        covers_from, as_at = data.get("covers_from"), data.get("as_at")
        if as_at and as_at > timezone.localdate():
            self.add_error("as_at", "The as-at date must be today or in the past")
        if covers_from and as_at and covers_from > as_at:
            self.add_error(
                "covers_from", "The date counted from must be on or before the as-at date"
            )
        return data


class CoverageEditForm(CoverageForm):
    version = VersionField(error_messages=VERSION_ERRORS)
