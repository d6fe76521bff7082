"""Channel Panel cases forms: validation only (the rules that need the case live in the
services, whose ValueError the views show on the form)."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from channel_panel.forms.meetings import staff_choices
from channel_panel.models import (
    ChannelCase,
    Consent,
    ExitReason,
    InterventionProvider,
    SupportAction,
    SupportType,
)
from prevent_portal.accounts.models import Agency, User
from prevent_portal.core.concurrency import VersionField
from referrals.forms.triage import TEXT_MAX, VERSION_ERRORS, _date, _text
from referrals.models import ChronologyEntry, NeedsFlag, SignpostingService


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
    """Any active agency: where information came from (a flag's or evidence's source) may be
    an agency of any area."""
    return Agency.objects.filter(is_active=True).order_by("name")


def _serving(area_id):
    """The active agencies serving a case's council area: those that may work it (an agency
    of another area would never see the case: access rule 8)."""
    return Agency.objects.filter(is_active=True, areas=area_id).order_by("name")


# --- Lists and filters (GET forms: bad values are ignored) ---------------------------------
class CaseListFilterForm(forms.Form):
    STATUS_CHOICES = [("open", "Open"), *ChannelCase.Status.choices[1:], ("all", "Any status")]
    WAITING_CHOICES = [
        ("", "Any"),
        ("contact", "A support contact overdue"),
        ("consent", "Turned 18: ask for their own consent"),
        ("review", "A post-exit review due"),
    ]
    status = forms.ChoiceField(label="Status", choices=STATUS_CHOICES, required=False)
    waiting = forms.ChoiceField(label="Waiting", choices=WAITING_CHOICES, required=False)


class ChronologyFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="Show",
        choices=[("", "Everything"), *ChronologyEntry.Kind.choices],
        required=False,
    )


# --- Consent -------------------------------------------------------------------------------
def _who_field(label, required_message):
    return forms.ChoiceField(
        label=label,
        choices=Consent.GivenBy.choices,
        widget=forms.RadioSelect,
        help_text="Someone under 18 answers through a parent or guardian.",
        error_messages={"required": required_message, "invalid_choice": required_message},
    )


def _name_field(label):
    return forms.CharField(
        label=label,
        required=False,
        max_length=200,
        error_messages={"max_length": "The name must be 200 characters or fewer"},
    )


class ConsentForm(forms.Form):
    answer = forms.ChoiceField(
        label="What was the answer?",
        choices=Consent.Answer.choices,
        widget=forms.RadioSelect,
        help_text="Channel is voluntary: a refusal is recorded, and the case then exits.",
        error_messages={
            "required": "Select whether consent was given or refused",
            "invalid_choice": "Select whether consent was given or refused",
        },
    )
    given_by = _who_field("Who answered?", "Select who answered")
    giver_name = _name_field("Name of the parent or guardian (if they answered)")
    given_on = _past_date("Date of the answer", "Enter the date of the answer")
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
    withdrawn_by = _who_field("Who withdrew consent?", "Select who withdrew consent")
    withdrawer_name = _name_field("Name of the parent or guardian (if they withdrew it)")
    withdrawn_on = _past_date("Date consent was withdrawn", "Enter the date consent was withdrawn")
    notes = _optional_text("Notes (optional)")
    version = VersionField(error_messages=VERSION_ERRORS)

    def clean(self):
        data = super().clean()
        if (
            data.get("withdrawn_by") == Consent.GivenBy.PARENT
            and not data.get("withdrawer_name", "").strip()
        ):
            self.add_error("withdrawer_name", "Enter the name of the parent or guardian")
        return data


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
        "Next contact due (optional)", required=False, hint="For example, 27 3 2026"
    )
    version = VersionField(required=False, error_messages=VERSION_ERRORS)

    def __init__(self, *args, case, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["support_type"].queryset = SupportType.objects.current()
        self.fields["owner_agency"].queryset = _serving(case.area_id)
        self.fields[
            "owner_agency"
        ].help_text = "Choose an agency or an Intervention Provider, not both."
        # The case's council area decides which Intervention Providers are offered.
        self.fields["owner_provider"].queryset = InterventionProvider.objects.offered_in(
            case.area_id
        )
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
    """The exit's answers; the view shows them on "Check your answers" before the service
    acts, and the service (the case lifecycle) enforces every rule again."""

    reason = _choice(
        "Reason for exit",
        ExitReason.objects.none(),
        "Choose the reason for exit",
        "Choose a reason",
    )
    exited_on = _past_date("Date of exit", "Enter the date of exit")
    notes = _optional_text("Notes (optional)")
    return_ownership_to = _choice(
        "Return ownership to",
        Agency.objects.none(),
        "",
        "Nobody: the lead agency keeps it",
        required=False,
    )
    returned_case_manager = forms.ChoiceField(
        label="Case manager in that agency",
        required=False,
        help_text="Needed when ownership is returned: they are told the case is theirs.",
        error_messages={"invalid_choice": "Choose the case manager from the list"},
    )
    signposted_to = _choice(
        "Signposted to",
        SignpostingService.objects.none(),
        "",
        "Not signposted",
        required=False,
    )
    version = VersionField(error_messages=VERSION_ERRORS)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = ExitReason.objects.current()
        self.fields["return_ownership_to"].queryset = _serving(case.area_id)
        self.fields["return_ownership_to"].help_text = (
            'Only for "ownership returned": where the radicalisation risk is low or absent '
            "but other safeguarding concerns remain, the case returns to this agency, often "
            "the referrer. Panel members' time-limited access ends."
        )
        self.fields["returned_case_manager"].choices = [
            ("", "Choose a case manager"),
            *staff_choices(case.area_id),
        ]
        self.fields["signposted_to"].queryset = SignpostingService.objects.offered_in(case.area_id)
        self.fields[
            "signposted_to"
        ].help_text = "Needed when the person refused or withdrew consent."

    def clean_returned_case_manager(self):
        value = self.cleaned_data.get("returned_case_manager")
        if not value:
            return None
        user_id = int(value.split("-")[0])
        return User.objects.filter(pk=user_id).first()

    def clean(self):
        data = super().clean()
        agency, manager = data.get("return_ownership_to"), data.get("returned_case_manager")
        if agency is not None and manager is None and "returned_case_manager" not in self.errors:
            self.add_error(
                "returned_case_manager", "Choose the case manager in the agency that receives it"
            )
        return data

    def manager_label(self) -> str:
        """The chosen case manager as the list shows them: "Name (Agency)"."""
        value = self.data.get(self.add_prefix("returned_case_manager"))
        return dict(self.fields["returned_case_manager"].choices).get(value, "")


class CaseExitAgreementForm(forms.Form):
    agreed_on = _past_date("Date the chair agreed", "Enter the date the chair agreed")
    reason = _text(
        "Why the exit was agreed outside a meeting",
        "Enter why the exit was agreed outside a meeting",
        rows=4,
    )


class PostExitReviewForm(forms.Form):
    held_on = _past_date("Date of the review", "Enter the date of the review")
    notes = _optional_text("Outcome of the review (optional)", rows=4)
