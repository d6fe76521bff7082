"""Forms of the transfer between council areas: validation only."""

from __future__ import annotations

from django import forms

from prevent_portal.areas.models import Area
from prevent_portal.core.concurrency import VersionField
from referrals.forms.triage import TEXT_MAX, VERSION_ERRORS, _text


class TransferProposeForm(forms.Form):
    to_area = forms.ModelChoiceField(
        label="Which council area has the person moved to?",
        queryset=Area.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Choose the council area the person has moved to"},
    )
    summary = _text(
        "Summary for the receiving area's Prevent Coordinator",
        "Enter a summary for the receiving area's Coordinator",
        hint="They read only this before they accept: why the person moved, where the work "
        "stands and what is still to do. They see the record once they accept.",
        rows=6,
    )

    def __init__(self, *args, from_area_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        # Active areas other than the record's own (the service refuses the rest too).
        self.fields["to_area"].queryset = Area.objects.filter(is_active=True).exclude(
            pk=from_area_id
        )


class TransferAnswerForm(forms.Form):
    """Accept or withdraw: only the version the user saw."""

    version = VersionField(error_messages=VERSION_ERRORS)


class TransferDeclineForm(forms.Form):
    reason = _text(
        "Why are you declining the transfer?",
        "Enter why you are declining the transfer",
        hint="The sending area's Coordinator reads this.",
    )
    version = VersionField(error_messages=VERSION_ERRORS)


__all__ = ["TEXT_MAX", "TransferAnswerForm", "TransferDeclineForm", "TransferProposeForm"]
