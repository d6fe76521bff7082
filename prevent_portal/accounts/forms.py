from django import forms

# Long enough for any passphrase or code; a limit so nothing unbounded is hashed or compared.
PASSWORD_MAX = 1024
TOKEN_MAX = 50
REASON_MAX = 10_000


class SignInForm(forms.Form):
    username = forms.CharField(
        label="Username",
        max_length=150,
        error_messages={"required": "Enter your username"},
        widget=forms.TextInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=PASSWORD_MAX,
        error_messages={
            "required": "Enter your password",
            "max_length": f"Password must be {PASSWORD_MAX:,} characters or fewer",
        },
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TokenForm(forms.Form):
    token = forms.RegexField(
        label="Security code",
        help_text="The 6-digit code shown in your authenticator app",
        regex=r"^\s*\d{6}\s*$",
        max_length=TOKEN_MAX,
        error_messages={
            "required": "Enter the security code from your authenticator app",
            "invalid": "Enter the 6-digit security code, like 123456",
            "max_length": "Enter the 6-digit security code, like 123456",
        },
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
                "class": "govuk-input--width-5",
            }
        ),
    )

    def clean_token(self):
        return self.cleaned_data["token"].strip()


class SignInCodeForm(TokenForm):
    """The security code, or one of the person's single-use backup codes instead."""

    token = forms.RegexField(
        label="Security code",
        help_text="The 6-digit code shown in your authenticator app, or one of your backup codes",
        regex=r"^\s*(\d{6}|[A-Za-z2-7]{8})\s*$",
        max_length=TOKEN_MAX,
        error_messages={
            "required": "Enter the security code from your authenticator app",
            "invalid": "Enter the 6-digit security code, like 123456, or a backup code",
            "max_length": "Enter the 6-digit security code, like 123456, or a backup code",
        },
        widget=TokenForm.base_fields["token"].widget,
    )

    def clean_token(self):
        return self.cleaned_data["token"].strip().lower()

    @property
    def is_backup_code(self) -> bool:
        return len(self.cleaned_data.get("token", "")) == 8


class ApprovalDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Do you approve this change?",
        choices=[("approve", "Approve"), ("refuse", "Refuse")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether you approve this change"},
    )
    reason = forms.CharField(
        label="Why are you refusing it?",
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": f"The reason must be {REASON_MAX:,} characters or fewer"},
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "refuse" and not data.get("reason", "").strip():
            self.add_error("reason", "Enter why you are refusing this change")
        return data


class ConfirmIdentityForm(TokenForm):
    """Password and security code again, before a sensitive action."""

    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=PASSWORD_MAX,
        error_messages={
            "required": "Enter your password",
            "max_length": f"Password must be {PASSWORD_MAX:,} characters or fewer",
        },
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["password", "token"]
