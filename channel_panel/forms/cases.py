"""Channel Panel cases forms: validation only (the rules that need the case live in the
services, whose ValueError the views show on the form)."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from channel_panel.models import (
    ChannelCase,
    Consent,
    ExitReason,
    InterventionProvider,
    SupportAction,
    SupportType,
)
from prevent_portal.accounts.models import Agency
from prevent_portal.core.concurrency import VersionField
from referrals.forms.triage import TEXT_MAX, VERSION_ERRORS, _date, _text
from referrals.models import ChronologyEntry, NeedsFlag


def _optional_text(label, hint="", rows=3):
    return forms.CharField(
        label=label,
        help_text=hint,
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"max_length": f"{label} must be {TEXT_MAX:,} characters or fewer"},
    )


def _past_date(label, required_message, **kwargs):
    field = _date(label, required_message=required_message, **kwargs)
    field.validators.append(_not_after_today)
    return field


def _not_after_today(value):
    if value is not None and value > timezone.localdate():
        raise forms.ValidationError("The date must be today or in the past")


def _choice(label, queryset, required_message, empty_label, required=True):
    return forms.ModelChoiceField(
        label=label,
        queryset=queryset,
        required=required,
        empty_label=empty_label,
        error_messages={
            "required": required_message,
            "invalid_choice": f"Choose {label.lower()} from the list",
        },
    )


def _agencies():
    return Agency.objects.filter(is_active=True).order_by("name")


# --- Lists and filters (GET forms: bad values are ignored) ---------------------------------
class CaseListFilterForm(forms.Form):
    STATUS_CHOICES = [("open", "Open"), *ChannelCase.Status.choices[1:], ("all", "Any status")]
    status = forms.ChoiceField(label="Status", choices=STATUS_CHOICES, required=False)


class ChronologyFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="Show",
        choices=[("", "Everything"), *ChronologyEntry.Kind.choices],
        required=False,
    )


# --- Consent -------------------------------------------------------------------------------
class ConsentForm(forms.Form):
    given_by = forms.ChoiceField(
        label="Who gave consent?",
        choices=Consent.GivenBy.choices,
        widget=forms.RadioSelect,
        help_text="Someone under 18 needs a parent's or guardian's consent.",
        error_messages={
            "required": "Select who gave consent",
            "invalid_choice": "Select who gave consent",
        },
    )
    giver_name = forms.CharField(
        label="Name of the parent or guardian (if they gave consent)",
        required=False,
        max_length=200,
        error_messages={"max_length": "The name must be 200 characters or fewer"},
    )
    given_on = _past_date("Date consent was given", "Enter the date consent was given")
    capacity_notes = _optional_text(
        "Capacity notes (optional)", hint="Anything about the person's capacity to consent."
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("given_by") == Consent.GivenBy.PARENT
            and not data.get("giver_name", "").strip()
        ):
            self.add_error("giver_name", "Enter the name of the parent or guardian")
        return data


class ConsentWithdrawForm(forms.Form):
    withdrawn_on = _past_date("Date consent was withdrawn", "Enter the date consent was withdrawn")
    notes = _optional_text("Notes (optional)")
    version = VersionField(error_messages=VERSION_ERRORS)


# --- Needs flags ---------------------------------------------------------------------------
class NeedsFlagForm(forms.Form):
    flag = _choice("Flag", NeedsFlag.objects.none(), "Choose the flag", "Choose a flag")
    source_agency = _choice(
        "Source agency",
        Agency.objects.none(),
        "Choose the agency that told the panel",
        "Choose an agency",
    )
    recorded_on = _past_date("Date the agency told the panel", "Enter the date")

    def __init__(self, *args, current_flag_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["flag"].queryset = NeedsFlag.objects.current().exclude(
            pk__in=list(current_flag_ids)
        )
        self.fields["source_agency"].queryset = _agencies()
        self.fields["source_agency"].help_text = "The agency whose information this flag is."


class NeedsFlagRemoveForm(forms.Form):
    removed_on = _past_date("Date it stopped applying", "Enter the date it stopped applying")


# --- Support plan --------------------------------------------------------------------------
class SupportActionForm(forms.Form):
    support_type = _choice(
        "Type of support", SupportType.objects.none(), "Choose the type of support", "Choose a type"
    )
    description = _text("What will be done", "Describe the action")
    owner_agency = _choice("Owning agency", Agency.objects.none(), "", "No agency", required=False)
    owner_provider = _choice(
        "Intervention Provider",
        InterventionProvider.objects.none(),
        "",
        "No Intervention Provider",
        required=False,
    )
    status = forms.ChoiceField(
        label="Status",
        choices=SupportAction.Status.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the status", "invalid_choice": "Select the status"},
    )
    next_contact_due = _date(
        "Next contact due (optional)", required=False, hint="For example, 27/3/2026"
    )
    version = VersionField(required=False, error_messages=VERSION_ERRORS)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["support_type"].queryset = SupportType.objects.current()
        self.fields["owner_agency"].queryset = _agencies()
        self.fields[
            "owner_agency"
        ].help_text = "Choose an agency or an Intervention Provider, not both."
        self.fields["owner_provider"].queryset = InterventionProvider.objects.current()
        self.fields["version"].required = editing

    def clean(self):
        data = super().clean()
        agency, provider = data.get("owner_agency"), data.get("owner_provider")
        if agency is None and provider is None and "owner_agency" not in self.errors:
            self.add_error("owner_agency", "Choose an agency or an Intervention Provider")
        elif agency is not None and provider is not None:
            self.add_error("owner_agency", "Choose an agency or an Intervention Provider, not both")
        return data


class ContactForm(forms.Form):
    contact_on = _past_date("Date of the contact", "Enter the date of the contact")
    notes = _text("What happened", "Say what happened at the contact")
    next_contact_due = _date("Next contact due (optional)", required=False)

    def clean(self):
        data = super().clean()
        contact, due = data.get("contact_on"), data.get("next_contact_due")
        if contact and due and due <= contact:
            self.add_error("next_contact_due", "The next contact must be due after this contact")
        return data


# --- Notes, exit, post-exit reviews --------------------------------------------------------
class CaseNoteForm(forms.Form):
    text = _text("Note", "Enter the note", hint="Notes cannot be changed once added.", rows=5)


class CaseExitForm(forms.Form):
    reason = _choice(
        "Reason for exit",
        ExitReason.objects.none(),
        "Choose the reason for exit",
        "Choose a reason",
    )
    exited_on = _past_date("Date of exit", "Enter the date of exit")
    notes = _optional_text("Notes (optional)")
    return_ownership_to = _choice(
        "Return ownership to (optional)",
        Agency.objects.none(),
        "",
        "Nobody: the lead agency keeps it",
        required=False,
    )
    version = VersionField(error_messages=VERSION_ERRORS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = ExitReason.objects.current()
        self.fields["return_ownership_to"].queryset = _agencies()
        self.fields["return_ownership_to"].help_text = (
            "Where the radicalisation risk is low or absent but other safeguarding concerns "
            "remain, the case returns to this agency, often the referrer. Panel members' "
            "time-limited access ends."
        )


class PostExitReviewForm(forms.Form):
    held_on = _past_date("Date of the review", "Enter the date of the review")
    notes = _optional_text("Outcome of the review (optional)", rows=4)
