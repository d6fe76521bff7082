from django import forms
from django.utils import timezone

from prevent_portal.accounts.grants import SHARE_REFUSED_MESSAGE, may_receive_share, works_in_area
from prevent_portal.accounts.models import Agency, User
from prevent_portal.core.forms import GovUKDateField
from referrals.forms.triage import TEXT_MAX


class ShareForm(forms.Form):
    WITH_CHOICES = [("agency", "An agency"), ("user", "A named person")]

    share_with = forms.ChoiceField(
        label="Share with",
        choices=WITH_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether to share with an agency or a named person"},
    )
    agency = forms.ModelChoiceField(
        label="Agency",
        queryset=Agency.objects.filter(is_active=True),
        required=False,
        empty_label="Choose an agency",
        error_messages={"invalid_choice": "Choose an agency from the list"},
    )
    username = forms.CharField(
        label="Username of the person",
        required=False,
        max_length=150,  # User.username
        help_text="The username they sign in with",
        error_messages={"max_length": "The username must be 150 characters or fewer"},
    )
    reason = forms.CharField(
        label="Why are you sharing this referral?",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter why you are sharing this referral",
            "max_length": f"The reason must be {TEXT_MAX:,} characters or fewer",
        },
    )
    expires_on = GovUKDateField(
        label="Share until (optional)",
        name_in_errors="The date to share until",
        help_text="For example, 31 12 2026. Leave empty to share until you withdraw it.",
        required=False,
    )

    def __init__(self, *args, area_id: int, **kwargs):
        """``area_id``: the record's council area. Only agencies serving it are offered, and
        only someone working in it may be named (``grants.works_in_area``)."""
        super().__init__(*args, **kwargs)
        self.area_id = area_id
        self.fields["agency"].queryset = Agency.objects.filter(is_active=True, areas=area_id)

    def clean(self):
        data = super().clean()
        if data.get("share_with") == "agency" and not data.get("agency"):
            self.add_error("agency", "Choose the agency to share with")
        if data.get("share_with") == "user":
            username = (data.get("username") or "").strip()
            user = User.objects.filter(username=username).first() if username else None
            if not username:
                self.add_error("username", "Enter the username of the person to share with")
            elif not may_receive_share(user) or not works_in_area(self.area_id, user=user):
                # The same words for "no such account" and "may not receive shares".
                self.add_error("username", SHARE_REFUSED_MESSAGE)
                user = None
            data["user"] = user
        expires = data.get("expires_on")
        if expires and expires <= timezone.localdate():
            self.add_error("expires_on", "The date to share until must be in the future")
        return data
