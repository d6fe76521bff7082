"""Forms of the triage queue, the Coordinator's triage steps and partners' answers."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from prevent_portal.accounts.access import area_ids_for
from prevent_portal.accounts.addressees import holders
from prevent_portal.accounts.models import Agency, Role, Sector, User
from prevent_portal.core.concurrency import VersionField
from prevent_portal.core.forms import GovUKDateField
from referrals.models import (
    ConcernType,
    GatewayResult,
    NeedsFlag,
    Outcome,
    Referral,
    SignpostingService,
)

DATE_HINT = "For example, 27 3 2026"
TEXT_MAX = 10_000
# The version travels in a hidden field: if it is missing or mangled, ask for a reload.
_RELOAD = "Reload the page and try again"
VERSION_ERRORS = {"required": _RELOAD, "invalid": _RELOAD, "min_value": _RELOAD}


def officers(areas):
    """Who a referral can be assigned to: the active Coordinators of its council area (the
    queue's filter: of the areas where the user coordinates). Never another council's."""
    return holders(Role.COORDINATOR, areas).order_by("first_name", "last_name", "username")


class OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


def _text(label, required_message, hint="", rows=4):
    return forms.CharField(
        label=label,
        help_text=hint,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={
            "required": required_message,
            "max_length": f"{label} must be {TEXT_MAX:,} characters or fewer",
        },
    )


def _date(label, hint=DATE_HINT, required=True, required_message=""):
    return GovUKDateField(
        label=label,
        help_text=hint,
        required=required,
        error_messages={"required": required_message},
    )


# --- The queue ----------------------------------------------------------------------------
class TriageQueueFilterForm(forms.Form):
    """Filters and sorting of the triage queue (a GET form: bad values are ignored)."""

    STATUS_CHOICES = [
        ("open", "Not yet decided"),
        *Referral.Status.choices,
        ("all", "Any status"),
    ]
    AGE_CHOICES = [
        ("", "Any age"),
        ("adult", "Adult (18 or over)"),
        ("young", "Young person (under 18)"),
        ("unknown", "Age not known"),
    ]
    WAITING_CHOICES = [
        ("", "Any time"),
        ("over", "Over the target"),
        ("within", "Within the target"),
    ]
    SORT_CHOICES = [
        ("received", "Received, oldest first"),
        ("-received", "Received, newest first"),
        ("-waiting", "Days waiting, longest first"),
        ("waiting", "Days waiting, shortest first"),
        ("reference", "Reference"),
    ]

    status = forms.ChoiceField(label="Status", choices=STATUS_CHOICES, required=False)
    age_group = forms.ChoiceField(label="Age group", choices=AGE_CHOICES, required=False)
    sector = forms.ModelChoiceField(
        label="Referring sector",
        queryset=Sector.objects.all(),
        required=False,
        empty_label="Any sector",
    )
    concern_type = forms.ModelChoiceField(
        label="Type of concern",
        queryset=ConcernType.objects.all(),
        required=False,
        empty_label="Any type",
    )
    officer = forms.ChoiceField(label="Assigned officer", required=False)
    waiting = forms.ChoiceField(label="Days waiting", choices=WAITING_CHOICES, required=False)
    information = forms.ChoiceField(
        label="Information requests",
        choices=[("", "Any"), ("overdue", "An information request overdue")],
        required=False,
    )
    sort = forms.ChoiceField(label="Sort by", choices=SORT_CHOICES, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        areas = area_ids_for(user, [Role.COORDINATOR])
        choices = officers(areas) if areas else User.objects.none()
        self.fields["officer"].choices = [
            ("", "Anyone or nobody"),
            ("none", "Not assigned"),
            *((str(u.pk), u.get_full_name() or u.username) for u in choices),
        ]


# --- Triage steps -------------------------------------------------------------------------
class AssignForm(forms.Form):
    officer = OfficerChoiceField(
        label="Assign to",
        queryset=User.objects.none(),
        required=False,
        empty_label="Nobody (unassign)",
    )
    version = VersionField(error_messages=VERSION_ERRORS)

    def __init__(self, *args, referral, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers(referral.area_id)


class InformationRequestForm(forms.Form):
    agency = forms.ModelChoiceField(
        label="Agency to ask",
        queryset=Agency.objects.filter(is_active=True).order_by("name"),
        empty_label="Choose an agency",
        error_messages={
            "required": "Choose the agency to ask",
            "invalid_choice": "Choose an agency from the list",
        },
    )
    question = _text(
        "What do you need to know?",
        "Enter what you need to know",
        hint="Their single point of contact sees this question and the person's names, date "
        "of birth and address, not the referral.",
    )
    due_on = _date("Answer needed by", required_message="Enter the date the answer is needed by")

    def __init__(self, *args, referral, **kwargs):
        super().__init__(*args, **kwargs)
        # The agencies serving the referral's council area: its SPOCs are shown the person's
        # names, date of birth and address, which another area's agencies have no need of.
        self.fields["agency"].queryset = Agency.objects.filter(
            is_active=True, areas=referral.area_id
        ).order_by("name")

    def clean_due_on(self):
        due = self.cleaned_data["due_on"]
        if due < timezone.localdate():
            raise forms.ValidationError("The date the answer is needed by must be today or later")
        return due


class GatewayResultChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class GatewayForm(forms.Form):
    # The results in force (configuration data), by code; "not yet checked" is where a
    # referral starts, not a result anyone records.
    gateway_outcome = GatewayResultChoiceField(
        label="Police gateway outcome",
        queryset=GatewayResult.objects.none(),
        to_field_name="code",
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": "Select the police gateway outcome",
            "invalid_choice": "Select the police gateway outcome",
        },
    )
    checked_on = _date("Date of the check", required_message="Enter the date of the check")
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": f"The note must be {TEXT_MAX:,} characters or fewer"},
    )
    version = VersionField(error_messages=VERSION_ERRORS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gateway_outcome"].queryset = GatewayResult.objects.current().exclude(
            code=GatewayResult.PENDING
        )

    def clean_checked_on(self):
        checked = self.cleaned_data["checked_on"]
        if checked > timezone.localdate():
            raise forms.ValidationError("The date of the check must be today or in the past")
        return checked


class OutcomeForm(forms.Form):
    outcome = forms.ModelChoiceField(
        label="Triage outcome",
        queryset=Outcome.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": "Select the triage outcome",
            "invalid_choice": "Select the triage outcome",
        },
    )
    signposted_to = forms.ModelChoiceField(
        label="Signposted to (if signposted)",
        queryset=SignpostingService.objects.none(),
        required=False,
        empty_label="Choose a service",
        error_messages={"invalid_choice": "Choose a service from the list"},
    )
    reason = _text("Reason for the outcome", "Enter the reason for the outcome")
    version = VersionField(error_messages=VERSION_ERRORS)

    def __init__(self, *args, area_id: int | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].queryset = Outcome.objects.current()
        # The referral's council area decides which local services are offered.
        self.fields["signposted_to"].queryset = SignpostingService.objects.offered_in(area_id)

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        signposted = outcome is not None and outcome.code == Outcome.SIGNPOSTED
        if signposted and not data.get("signposted_to"):
            self.add_error("signposted_to", "Choose the service the person is signposted to")
        return data


class ReclassifyForm(forms.Form):
    """Correct the types of concern and the needs flags recorded at intake."""

    concern_types = forms.ModelMultipleChoiceField(
        label="Types of concern",
        help_text="Select all that apply.",
        queryset=ConcernType.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Select at least one type of concern",
            "invalid_choice": "Select a type of concern from the list",
            "invalid_pk_value": "Select a type of concern from the list",
        },
    )
    needs_flags = forms.ModelMultipleChoiceField(
        label="Needs and vulnerabilities",
        help_text="Select all that apply. Leave all unselected for none or not known.",
        queryset=NeedsFlag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Select a need from the list",
            "invalid_pk_value": "Select a need from the list",
        },
    )
    reason = _text(
        "Reason for the change",
        "Enter the reason for the change",
        hint="The chronology records what changed and why.",
    )
    version = VersionField(error_messages=VERSION_ERRORS)

    def __init__(self, *args, referral, **kwargs):
        super().__init__(*args, **kwargs)
        # In force today, and whatever the referral already has (a retired entry stays
        # selectable so that reclassifying something else does not drop it silently).
        self.fields["concern_types"].queryset = (
            ConcernType.objects.current() | ConcernType.objects.filter(referrals=referral)
        ).distinct()
        self.fields["needs_flags"].queryset = (
            NeedsFlag.objects.current() | NeedsFlag.objects.filter(referrals=referral)
        ).distinct()


class NoteForm(forms.Form):
    text = _text("Note", "Enter the note", hint="Notes cannot be changed once added.", rows=5)


class CorrectionForm(forms.Form):
    entry = forms.ModelChoiceField(
        label="Entry to correct",
        queryset=None,
        empty_label="Choose an entry",
        error_messages={
            "required": "Choose the entry to correct",
            "invalid_choice": "Choose an entry from the list",
        },
    )
    text = _text(
        "Correction",
        "Enter the correction",
        hint="Say what was wrong and what is right. The original entry stays as it was.",
    )

    def __init__(self, *args, referral, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = referral.chronology.all()
        self.fields["entry"].label_from_instance = lambda e: (
            f"{e.created_at:%d %b %Y %H:%M}: {e.get_kind_display()}"
        )


class InformationWithdrawForm(forms.Form):
    reason = _text(
        "Why are you withdrawing this request?",
        "Enter why you are withdrawing the request",
        hint="This is kept on the referral's chronology. The agency is told the request is "
        "withdrawn, not why.",
    )


class InformationAnswerForm(forms.Form):
    response = _text(
        "Your answer",
        "Enter your answer",
        hint="The Prevent Coordinator sees this answer on the referral's chronology.",
        rows=6,
    )
