"""Forms of the minutes beyond the decisions: the minute-taker, an item's discussion notes
and the action log. Validation only; the rules are the services' and the lifecycle's."""

from __future__ import annotations

from django import forms

from channel_panel.forms.meetings import item_label
from channel_panel.models import ACTION_OWNER_ROLES, PANEL_ROLES, MeetingAction
from prevent_portal.accounts.addressees import holders
from prevent_portal.accounts.models import Agency, User
from prevent_portal.core.concurrency import VersionField
from prevent_portal.core.forms import GovUKDateField
from referrals.forms.triage import DATE_HINT, TEXT_MAX, VERSION_ERRORS


def _text(label, *, required_message, hint="", required=True, rows=6):
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


def _name(user: User) -> str:
    return user.get_full_name() or user.username


def panel_members(area):
    """Who may take the minutes: active members of the panel of the meeting's ``area``."""
    return holders(PANEL_ROLES, area).order_by("first_name", "last_name", "username")


class MinuteTakerForm(forms.Form):
    user = forms.ModelChoiceField(
        label="Minute-taker",
        help_text="A member of the panel who writes the notes and actions with you.",
        queryset=User.objects.none(),
        required=False,
        empty_label="No minute-taker (the chair writes them)",
        error_messages={"invalid_choice": "Choose a person from the list"},
    )

    def __init__(self, *args, area, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = panel_members(area)
        self.fields["user"].label_from_instance = _name


class NotesForm(forms.Form):
    text = _text("Discussion notes", required_message="Write the discussion notes")
    version = VersionField(required=False, error_messages=VERSION_ERRORS)


class ActionForm(forms.Form):
    """``owner`` is "user:<id>" or "agency:<id>"; ``item`` one of the items the writer may
    see, or none (an action of the meeting as a whole)."""

    description = _text("What is to be done", required_message="Say what the action is", rows=3)
    owner = forms.ChoiceField(
        label="Owner",
        help_text="A person, or an agency (its single points of contact answer for it).",
        error_messages={
            "required": "Choose who owns the action",
            "invalid_choice": "Choose an owner from the list",
        },
    )
    due_on = GovUKDateField(
        label="Due by", help_text=DATE_HINT, error_messages={"required": "Enter the due date"}
    )
    item = forms.ChoiceField(
        label="Which item it is about",
        required=False,
        error_messages={"invalid_choice": "Choose an item from the list"},
    )

    def __init__(self, *args, items, area, **kwargs):
        super().__init__(*args, **kwargs)
        # The panel and the SPOCs of the meeting's area, and the agencies serving it.
        users = holders(ACTION_OWNER_ROLES, area)
        agencies = Agency.objects.filter(is_active=True, areas=area).order_by("name")
        self.fields["owner"].choices = [
            ("", "Choose an owner"),
            (
                "People",
                [(f"user:{u.pk}", _name(u)) for u in users.order_by("first_name", "last_name")],
            ),
            ("Agencies", [(f"agency:{a.pk}", a.name) for a in agencies]),
        ]
        self._items = {str(item.pk): item for item in items}
        self.fields["item"].choices = [
            ("", "The meeting as a whole"),
            *((str(item.pk), item_label(item)) for item in items),
        ]

    def clean_owner(self):
        kind, _, pk = self.cleaned_data["owner"].partition(":")
        model = User if kind == "user" else Agency
        return kind, model.objects.get(pk=int(pk))

    def clean_item(self):
        value = self.cleaned_data.get("item")
        return self._items.get(value) if value else None


class ActionCloseForm(forms.Form):
    status = forms.ChoiceField(
        label="What happened",
        widget=forms.RadioSelect,
        choices=[
            (MeetingAction.Status.DONE, "Done"),
            (MeetingAction.Status.CANCELLED, "Cancelled"),
        ],
        error_messages={"required": "Say whether the action is done or cancelled"},
    )
    reason = _text(
        "Why it was cancelled",
        required_message="Give the reason for cancelling the action",
        required=False,
        rows=3,
    )
    version = VersionField(error_messages=VERSION_ERRORS)

    def clean(self):
        data = super().clean()
        if (
            data.get("status") == MeetingAction.Status.CANCELLED
            and not (data.get("reason") or "").strip()
            and "reason" not in self.errors
        ):
            self.add_error("reason", "Give the reason for cancelling the action")
        return data
