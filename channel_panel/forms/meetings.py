"""Channel Panel meetings forms: validation only.

Scheduling and editing a meeting, adding to its agenda and its invitees, recording its
attendance, and the panel's decisions (recorded, reworded before the minutes are approved,
corrected after). Edit forms of shared records carry the ``version`` the user saw.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone

from channel_panel.models import (
    AgendaItem,
    Attendance,
    ChannelCase,
    Decision,
    ExitReason,
    PanelMeeting,
)
from channel_panel.services import allowed_outcomes
from prevent_portal.accounts.addressees import holder_memberships, holders
from prevent_portal.accounts.models import AGENCY_CASE_ROLES, Agency, Role, User
from prevent_portal.core.concurrency import VersionField
from prevent_portal.core.forms import GovUKDateField
from referrals.forms.triage import DATE_HINT, TEXT_MAX, VERSION_ERRORS
from referrals.models import Referral, SignpostingService

Outcome = Decision.Outcome
_RELOAD = VERSION_ERRORS["required"]


def _rationale(label="Rationale", hint=""):
    return forms.CharField(
        label=label,
        help_text=hint,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": "Enter the rationale for the decision",
            "max_length": f"The rationale must be {TEXT_MAX:,} characters or fewer",
        },
    )


def _agency_field(label, hint="", required=True, empty_label="Choose an agency"):
    return forms.ModelChoiceField(
        label=label,
        help_text=hint,
        queryset=Agency.objects.filter(is_active=True).order_by("name"),
        required=required,
        empty_label=empty_label,
        error_messages={"invalid_choice": "Choose an agency from the list"},
    )


def panel_chairs(areas):
    """Who may chair a meeting: active holders of the panel chair role in ``areas`` (the
    meeting's area, or those where the person scheduling it acts): never another council's
    chair."""
    return holders(Role.PANEL_CHAIR, areas).order_by("first_name", "last_name", "username")


def staff_choices(area) -> list[tuple[str, str]]:
    """Active users in a case role in ``area`` (the meeting's or the case's), one choice per
    user and agency: "Name (Agency)". The value is "<user id>-<agency id>" (someone may work
    for two agencies). Another council's staff are not offered."""
    rows = (
        holder_memberships(AGENCY_CASE_ROLES, area)
        .values_list(
            "user_id", "agency_id", "user__first_name", "user__last_name", "user__username"
        )
        .order_by("user__first_name", "user__last_name", "user__username", "agency__name")
    )
    agencies = dict(Agency.objects.values_list("pk", "name"))
    seen, choices = set(), []
    for user_id, agency_id, first, last, username in rows:
        if (user_id, agency_id) in seen:
            continue
        seen.add((user_id, agency_id))
        name = f"{first} {last}".strip() or username
        choices.append((f"{user_id}-{agency_id}", f"{name} ({agencies[agency_id]})"))
    return choices


class StaffChoiceField(forms.ChoiceField):
    """A choice of "Name (Agency)"; cleans to (user, agency)."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        user_id, agency_id = (int(part) for part in value.split("-"))
        return User.objects.get(pk=user_id), Agency.objects.get(pk=agency_id)


class ChairChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


# --- Meetings ---------------------------------------------------------------------------------
class MeetingForm(forms.Form):
    meets_on = GovUKDateField(
        label="Date of the meeting",
        help_text=DATE_HINT,
        error_messages={"required": "Enter the date of the meeting"},
    )
    starts_at = forms.TimeField(
        label="Start time (optional)",
        help_text="For example, 14:00",
        required=False,
        input_formats=["%H:%M", "%H.%M"],
        error_messages={"invalid": "Enter the start time like 14:00"},
    )
    mode = forms.ChoiceField(
        label="How will the panel meet?",
        choices=PanelMeeting.Mode.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether the panel meets in person or online",
            "invalid_choice": "Select whether the panel meets in person or online",
        },
    )
    location = forms.CharField(
        label="Place or meeting link (optional)",
        required=False,
        max_length=200,
        error_messages={"max_length": "The place must be 200 characters or fewer"},
    )
    chair = ChairChoiceField(
        label="Chair",
        queryset=User.objects.none(),
        empty_label="Choose the chair",
        error_messages={
            "required": "Choose who chairs the meeting",
            "invalid_choice": "Choose a chair from the list",
        },
    )

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = panel_chairs(areas)


class MeetingScheduleForm(MeetingForm):
    def clean_meets_on(self):
        meets_on = self.cleaned_data["meets_on"]
        if meets_on < timezone.localdate():
            raise forms.ValidationError("The date of the meeting must be today or in the future")
        return meets_on


class MeetingEditForm(MeetingForm):
    version = VersionField(error_messages=VERSION_ERRORS)


class MeetingActionForm(forms.Form):
    """A button on the meeting page (mark as held, approve the minutes): it carries the
    version of the meeting the user saw."""

    version = VersionField(error_messages=VERSION_ERRORS)


class MeetingHoldForm(MeetingActionForm):
    """Mark as held. A meeting that was not quorate is held only when the chair confirms
    it and says why (the minutes show the reason)."""

    confirm_inquorate = forms.BooleanField(
        label="Hold the meeting although it was not quorate", required=False
    )
    inquorate_reason = forms.CharField(
        label="Why the meeting went ahead without quorum",
        help_text="The minutes show this reason.",
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": f"The reason must be {TEXT_MAX:,} characters or fewer"},
    )


class AgendaMoveForm(MeetingActionForm):
    direction = forms.ChoiceField(
        choices=[("up", "Up"), ("down", "Down")],
        error_messages={"required": _RELOAD, "invalid_choice": _RELOAD},
    )
    # The agenda as the user saw it (item ids in order): an item added or removed since
    # then is a conflict too, which the meeting's version alone does not catch.
    order = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_order(self) -> list[int] | None:
        value = self.cleaned_data["order"].strip()
        if not value:
            return None
        try:
            return [int(pk) for pk in value.split(",")]
        except ValueError:
            raise forms.ValidationError(_RELOAD) from None


# --- The agenda -------------------------------------------------------------------------------
def referral_label(referral: Referral) -> str:
    return f"{referral.reference}: {referral.person.full_name}"


def case_label(case: ChannelCase) -> str:
    return f"{case.reference}: {case.referral.person.full_name}"


class AgendaItemForm(forms.Form):
    SOURCE_CHOICES = [
        ("referral", "A referral passed to the panel"),
        ("case", "An open Channel case to review"),
        ("other", "Other business"),
    ]
    source = forms.ChoiceField(
        label="What do you want to add?",
        choices=SOURCE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select what you want to add to the agenda",
            "invalid_choice": "Select what you want to add to the agenda",
        },
    )
    referral = forms.ModelChoiceField(
        label="Referral (if a referral passed to the panel)",
        queryset=Referral.objects.none(),
        required=False,
        empty_label="Choose a referral",
        error_messages={"invalid_choice": "Choose a referral from the list"},
    )
    case = forms.ModelChoiceField(
        label="Case (if an open case to review)",
        queryset=ChannelCase.objects.none(),
        required=False,
        empty_label="Choose a case",
        error_messages={"invalid_choice": "Choose a case from the list"},
    )
    title = forms.CharField(
        label="Title (if other business)",
        help_text="Everyone at the meeting sees this title: do not put a person's name in it.",
        required=False,
        max_length=200,
        error_messages={"max_length": "The title must be 200 characters or fewer"},
    )

    def __init__(self, *args, referrals, cases, **kwargs):
        """``referrals`` and ``cases``: what the user may choose (only what they can see)."""
        super().__init__(*args, **kwargs)
        self.fields["referral"].queryset = referrals
        self.fields["referral"].label_from_instance = referral_label
        self.fields["case"].queryset = cases
        self.fields["case"].label_from_instance = case_label

    def clean(self):
        data = super().clean()
        source = data.get("source")
        if source == "referral" and not data.get("referral"):
            self.add_error("referral", "Choose the referral to discuss")
        if source == "case" and not data.get("case"):
            self.add_error("case", "Choose the case to review")
        if source == "other" and not (data.get("title") or "").strip():
            self.add_error("title", "Enter the title of the item")
        return data


def item_label(item: AgendaItem) -> str:
    """An item as named to someone who may not see its case: position and kind only."""
    return f"Item {item.position}: {item.get_kind_display()}"


class InviteeForm(forms.Form):
    person = StaffChoiceField(
        label="Who to invite",
        help_text="Case managers, and others working in a case role, with their agency.",
        error_messages={
            "required": "Choose who to invite",
            "invalid_choice": "Choose a person from the list",
        },
    )
    for_item = forms.ChoiceField(
        label="For",
        help_text="A case manager invited for one item sees only that item in the panel pack.",
        required=False,
        error_messages={"invalid_choice": "Choose an item from the list"},
    )

    def __init__(self, *args, items, area, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "Choose a person"), *staff_choices(area)]
        self._items = {str(item.pk): item for item in items}
        self.fields["for_item"].choices = [
            ("", "The whole meeting"),
            *((pk, item_label(item)) for pk, item in self._items.items()),
        ]

    def clean_for_item(self):
        value = self.cleaned_data.get("for_item")
        return self._items.get(value) if value else None


# --- Attendance -------------------------------------------------------------------------------
REMOVE = "remove"


class AttendanceForm(forms.Form):
    """One row per invitee (present / apologies / absent), each person already recorded
    without an account, and one more such person (name and agency)."""

    extra_name = forms.CharField(
        label="Name",
        required=False,
        max_length=200,
        error_messages={"max_length": "The name must be 200 characters or fewer"},
    )
    extra_agency = _agency_field("Agency", required=False)
    extra_status = forms.ChoiceField(
        label="Attendance",
        choices=Attendance.Status.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    version = VersionField(error_messages=VERSION_ERRORS)

    def __init__(self, *args, invitees, named, **kwargs):
        """``invitees``: the meeting's invitees; ``named``: attendance rows of people
        without an account."""
        super().__init__(*args, **kwargs)
        self.rows = []
        for invitee in invitees:
            name = invitee.user.get_full_name() or invitee.user.username
            label = f"{name} ({invitee.agency.name})"
            if invitee.for_item_id:
                label += f", for {item_label(invitee.for_item).lower()}"
            key = f"invitee_{invitee.pk}"
            self.fields[key] = self._status(label, Attendance.Status.choices)
            self.rows.append((key, invitee, None))
        for row in named:
            key = f"named_{row.pk}"
            self.fields[key] = self._status(
                f"{row.name} ({row.agency.name})",
                [*Attendance.Status.choices, (REMOVE, "Take off the record")],
            )
            self.rows.append((key, None, row))
        # Extra fields last, so the error summary and the page follow the same order.
        for name in ["extra_name", "extra_agency", "extra_status", "version"]:
            self.fields[name] = self.fields.pop(name)

    @staticmethod
    def _status(label, choices):
        return forms.ChoiceField(
            label=label,
            choices=choices,
            widget=forms.RadioSelect,
            error_messages={
                "required": f"Select whether {label} was present, sent apologies or was absent",
                "invalid_choice": f"Select the attendance of {label}",
            },
        )

    @property
    def row_fields(self):
        return [self[key] for key, _, _ in self.rows]

    def clean(self):
        data = super().clean()
        name = (data.get("extra_name") or "").strip()
        agency, status = data.get("extra_agency"), data.get("extra_status")
        if name or agency or status:
            if not name:
                self.add_error("extra_name", "Enter the name of the person without an account")
            if not agency:
                self.add_error("extra_agency", "Choose the agency of the person without an account")
            if not status:
                self.add_error(
                    "extra_status", "Select whether the person was present, apologies or absent"
                )
        return data


# --- Decisions --------------------------------------------------------------------------------
def _signposted_field(label):
    return forms.ModelChoiceField(
        label=label,
        queryset=SignpostingService.objects.none(),
        required=False,
        empty_label="Choose a service",
        error_messages={"invalid_choice": "Choose a service from the list"},
    )


def _referred_to_field(label):
    return forms.CharField(
        label=label,
        required=False,
        max_length=200,
        error_messages={"max_length": "Where to must be 200 characters or fewer"},
    )


class DecisionForm(forms.Form):
    """The panel's decision on an item, with the details the chosen outcome needs."""

    outcome = forms.ChoiceField(
        label="Decision",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the panel's decision",
            "invalid_choice": "Select one of the decisions listed",
        },
    )
    rationale = _rationale()
    signposted_to = _signposted_field("Signposted to (if not adopted)")
    referred_to = _referred_to_field("Referred to (if referred elsewhere)")
    lead_agency = _agency_field("Lead agency (if adopted)", required=False)
    case_manager = StaffChoiceField(
        label="Case manager (if adopted)",
        help_text="They must work for the lead agency.",
        required=False,
        error_messages={"invalid_choice": "Choose a case manager from the list"},
    )
    exit_reason = forms.ModelChoiceField(
        label="Reason for exit (if exiting Channel)",
        queryset=ExitReason.objects.none(),
        required=False,
        empty_label="Choose a reason",
        error_messages={"invalid_choice": "Choose a reason from the list"},
    )
    return_ownership_to = _agency_field(
        "Return ownership to (optional, on exit)",
        hint=(
            "Where the radicalisation risk is low or absent but other safeguarding concerns "
            "remain, the case returns to this agency and the panel's access ends."
        ),
        required=False,
        empty_label="Nobody: the case stays with its lead agency",
    )
    # Its own field, so that each outcome's details sit under its radio (a conditional
    # reveal) and no name is on the page twice; it cleans into ``case_manager``.
    exit_case_manager = StaffChoiceField(
        label="Case manager in the agency receiving the case (if ownership is returned)",
        required=False,
        error_messages={"invalid_choice": "Choose a case manager from the list"},
    )

    # Outcome -> the fields it needs (and that make sense only with it), in page order: each
    # is shown under its outcome's radio and kept only when that outcome is chosen.
    NEEDS = {
        Outcome.NOT_ADOPT: ["signposted_to"],
        Outcome.REFER_ELSEWHERE: ["referred_to"],
        Outcome.ADOPT: ["lead_agency", "case_manager"],
        # On exit, the case manager is the receiving agency's, when ownership is returned.
        Outcome.EXIT: ["exit_reason", "return_ownership_to", "exit_case_manager"],
    }
    REQUIRED = {
        "signposted_to": "Choose the service the person is signposted to",
        "referred_to": "Enter where the person is referred to",
        "lead_agency": "Choose the lead agency of the case",
        "case_manager": "Choose the case manager",
        "exit_reason": "Choose the reason for the exit",
    }

    def __init__(self, *args, item: AgendaItem, **kwargs):
        super().__init__(*args, **kwargs)
        outcomes = allowed_outcomes(item)
        self.fields["outcome"].choices = [(o, Outcome(o).label) for o in outcomes]
        wanted = {name for o in outcomes for name in self.NEEDS.get(o, [])}
        for name in {n for names in self.NEEDS.values() for n in names} - wanted:
            del self.fields[name]
        if "signposted_to" in self.fields:
            self.fields["signposted_to"].queryset = SignpostingService.objects.offered_in(
                item.meeting.area_id
            )
        for name in ("case_manager", "exit_case_manager"):
            if name in self.fields:
                self.fields[name].choices = [
                    ("", "Choose a case manager"),
                    *staff_choices(item.meeting.area_id),
                ]
        # The lead agency, or the agency a case returns to, works the case: one serving the
        # meeting's council area (another area's agency would never see it: access rule 8).
        for name in ("lead_agency", "return_ownership_to"):
            if name in self.fields:
                self.fields[name].queryset = Agency.objects.filter(
                    is_active=True, areas=item.meeting.area_id
                ).order_by("name")
        if "exit_reason" in self.fields:
            self.fields["exit_reason"].queryset = ExitReason.objects.current()

    def reveals(self) -> dict[str, list]:
        """Each outcome's own fields, shown under its radio (GOV.UK conditional reveal)."""
        return {
            outcome: [self[name] for name in names if name in self.fields]
            for outcome, names in self.NEEDS.items()
        }

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        needed = self.NEEDS.get(outcome, [])
        for name in needed:
            if name == "exit_case_manager":
                if data.get("return_ownership_to") and not data.get(name):
                    self.add_error(name, "Choose the case manager in the agency receiving it")
            elif name in self.REQUIRED and not data.get(name):
                self.add_error(name, self.REQUIRED[name])
        # What was filled in under another outcome's radio, then left hidden by choosing this
        # one, is not part of the decision (the browser still sends it).
        for name in {n for names in self.NEEDS.values() for n in names} - set(needed):
            if name in data:
                data[name] = "" if name == "referred_to" else None
        if outcome == Outcome.EXIT:
            data["case_manager"] = data.pop("exit_case_manager", None)
        data.pop("exit_case_manager", None)
        return data


class DecisionEditForm(forms.Form):
    """Rewording a decision before the minutes are approved: the outcome stands."""

    rationale = _rationale()
    signposted_to = _signposted_field("Signposted to")
    referred_to = _referred_to_field("Referred to")
    version = VersionField(error_messages=VERSION_ERRORS)

    def __init__(self, *args, decision: Decision, **kwargs):
        super().__init__(*args, **kwargs)
        if decision.outcome == Outcome.NOT_ADOPT:
            self.fields["signposted_to"].queryset = SignpostingService.objects.offered_in(
                decision.item.meeting.area_id
            )
        else:
            del self.fields["signposted_to"]
        if decision.outcome != Outcome.REFER_ELSEWHERE:
            del self.fields["referred_to"]

    def clean(self):
        data = super().clean()
        for name in ["signposted_to", "referred_to"]:
            if name in self.fields and not data.get(name) and name not in self.errors:
                self.add_error(name, DecisionForm.REQUIRED[name])
        return data


class CorrectionForm(DecisionForm):
    """After approval a decision is corrected by a new entry; the original stays. The
    correction is acted on like a decision, so it asks for the same details."""

    def __init__(self, *args, item: AgendaItem, **kwargs):
        super().__init__(*args, item=item, **kwargs)
        self.fields["outcome"].label = "Corrected decision"
        self.fields["outcome"].error_messages["required"] = "Select the corrected decision"
        self.fields["rationale"].label = "Rationale for the correction"
        self.fields[
            "rationale"
        ].help_text = (
            "Say what was wrong and what is right. The original entry stays in the minutes."
        )
