"""Asking another council area's Coordinator for information, and their reply."""

from django import forms

from prevent_portal.core.concurrency import VersionField
from referrals.forms.triage import TEXT_MAX


def _text(label: str, required: str, hint: str = "", required_field: bool = True):
    return forms.CharField(
        label=label,
        required=required_field,
        max_length=TEXT_MAX,
        help_text=hint,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": required,
            "max_length": f"The text must be {TEXT_MAX:,} characters or fewer",
        },
    )


class CrossAreaAskForm(forms.Form):
    reason = _text(
        "Why do you need to know what they know?",
        "Enter why you need to know what the other area knows",
        hint=(
            "Their Coordinator reads this to decide what, if anything, to share. "
            "Do not repeat the referral's details they do not need."
        ),
    )


class CrossAreaReplyForm(forms.Form):
    """One form, two answers: the button pressed (``step``) says which text is required."""

    STEPS = ("share", "decline")

    summary = _text(
        "Summary to share",
        "Enter the summary you are sharing",
        hint=(
            "Write only what the other area needs. They see this text, never your record, "
            "the person's details or its referrals."
        ),
        required_field=False,
    )
    decline_reason = _text(
        "Why are you declining?", "Enter why you are declining the request", required_field=False
    )
    version = VersionField()

    def __init__(self, *args, step: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.step = step

    def clean(self):
        data = super().clean()
        if self.step not in self.STEPS:
            raise forms.ValidationError("Choose whether to share a summary or decline")
        if self.step == "share" and not (data.get("summary") or "").strip():
            self.add_error("summary", "Enter the summary you are sharing")
        if self.step == "decline" and not (data.get("decline_reason") or "").strip():
            self.add_error("decline_reason", "Enter why you are declining the request")
        return data

    def reply(self) -> str:
        field = "summary" if self.step == "share" else "decline_reason"
        return self.cleaned_data[field]
