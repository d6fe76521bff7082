"""Forms of the board schedule: validation only."""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.conf import settings

from governance.forms.common import (
    StaffChoiceField,
    StaffMultipleChoiceField,
    VersionedForm,
    date_field,
    line_field,
    not_in_future,
    staff,
)
from governance.models import Board, Frequency

ATTACHMENT_TYPES = (".pdf", ".docx", ".doc", ".odt", ".pptx", ".xlsx", ".txt")


class BoardForm(VersionedForm):
    name = line_field("Name of the board", "Enter the name of the board")
    area_of_focus = line_field(
        "Area of focus",
        hint="For example, safeguarding children and educational services",
        max_length=300,
        required=False,
    )
    frequency = forms.ChoiceField(
        label="How often does it receive a Prevent update?",
        choices=Frequency.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select how often the board receives an update",
            "invalid_choice": "Select how often the board receives an update",
        },
    )
    lead_officer = StaffChoiceField(
        label="Lead officer",
        help_text="Prepares the update and receives its reminders.",
        queryset=None,
        empty_label="Choose an officer",
        error_messages={
            "required": "Choose the lead officer",
            "invalid_choice": "Choose an officer from the list",
        },
    )
    reminder_recipients = StaffMultipleChoiceField(
        label="Who else receives the reminders? (optional)",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose people from the list"},
    )
    next_due_override = date_field(
        "Next update due (optional)",
        required=False,
        hint=(
            "Leave empty to work it out from the last update and the frequency. "
            "For example, 27 3 2026"
        ),
    )
    next_due_to_be_confirmed = forms.BooleanField(
        label="The date of the next update is to be confirmed",
        required=False,
    )
    is_active = forms.BooleanField(
        label="This board still receives Prevent updates",
        required=False,
        help_text="Untick for a board that no longer does: it leaves the schedule and its "
        "reminders stop.",
    )

    def __init__(self, *args, board: Board | None = None, area=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.board = board
        # The board's council area: its staff only, and names unique within it (issue 18).
        self.area_id = board.area_id if board is not None else getattr(area, "pk", area)
        self.fields["lead_officer"].queryset = staff(self.area_id)
        self.fields["reminder_recipients"].queryset = staff(self.area_id)
        if board is None:
            del self.fields["version"]
            del self.fields["is_active"]

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        others = Board.objects.filter(name__iexact=name, area_id=self.area_id)
        if self.board is not None:
            others = others.exclude(pk=self.board.pk)
        if others.exists():
            raise forms.ValidationError("There is already a board with this name")
        return name

    def clean(self):
        data = super().clean()
        if data.get("next_due_override") and data.get("next_due_to_be_confirmed"):
            self.add_error(
                "next_due_override",
                "Either enter the date of the next update or say it is to be confirmed, not both",
            )
        return data


class BoardUpdateForm(forms.Form):
    presented_on = date_field(
        "Date presented", required_message="Enter the date the update was presented"
    )
    title = line_field(
        "Title of the update",
        "Enter the title of the update",
        hint="For example, Prevent annual update 2026",
        max_length=300,
    )
    attachment = forms.FileField(
        label="The paper (optional)",
        help_text="A PDF, Word, OpenDocument, PowerPoint, Excel or text file.",
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"class": "govuk-file-upload", "accept": ",".join(ATTACHMENT_TYPES)}
        ),
        error_messages={"empty": "The chosen file is empty"},
    )

    def clean_presented_on(self):
        return not_in_future(
            self.cleaned_data["presented_on"], "The date presented must be today or in the past"
        )

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if not upload:
            return None
        if PurePath(upload.name).suffix.lower() not in ATTACHMENT_TYPES:
            raise forms.ValidationError(
                "The paper must be a PDF, Word, OpenDocument, PowerPoint, Excel or text file"
            )
        limit = settings.BOARD_ATTACHMENT_MAX_MB
        if upload.size > limit * 1024 * 1024:
            raise forms.ValidationError(f"The paper must be smaller than {limit} MB")
        return upload
