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


class NewPasswordForm(forms.Form):
    """A new password, twice, checked against the password rules (AUTH_PASSWORD_VALIDATORS)."""

    new_password = forms.CharField(
        label="New password",
        strip=False,
        max_length=PASSWORD_MAX,
        help_text="At least 12 characters. Do not use a password you use anywhere else.",
        error_messages={
            "required": "Enter a new password",
            "max_length": f"Password must be {PASSWORD_MAX:,} characters or fewer",
        },
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password_again = forms.CharField(
        label="Confirm the new password",
        strip=False,
        max_length=PASSWORD_MAX,
        error_messages={
            "required": "Enter the new password again",
            "max_length": f"Password must be {PASSWORD_MAX:,} characters or fewer",
        },
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        from django.contrib.auth import password_validation

        data = super().clean()
        new, again = data.get("new_password"), data.get("new_password_again")
        if new and again and new != again:
            self.add_error("new_password_again", "The passwords do not match")
        elif new:
            try:
                password_validation.validate_password(new, self.user)
            except forms.ValidationError as exc:
                self.add_error("new_password", exc)
        return data


class ResetPasswordForm(NewPasswordForm):
    """A new password from a reset link, with the second factor still required."""

    token = SignInCodeForm.base_fields["token"]

    def clean_token(self):
        return self.cleaned_data["token"].strip().lower()

    @property
    def is_backup_code(self) -> bool:
        return len(self.cleaned_data.get("token", "")) == 8


class ChangePasswordForm(NewPasswordForm):
    """The person's own password change: the current password and a security code first."""

    current_password = forms.CharField(
        label="Current password",
        strip=False,
        max_length=PASSWORD_MAX,
        error_messages={
            "required": "Enter your current password",
            "max_length": f"Password must be {PASSWORD_MAX:,} characters or fewer",
        },
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    token = TokenForm.base_fields["token"]
    field_order = ["current_password", "token", "new_password", "new_password_again"]

    def clean_token(self):
        return self.cleaned_data["token"].strip()


class ForgotPasswordForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="The address your account uses",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )


def _agency_field(queryset):
    return forms.ModelChoiceField(
        label="Agency",
        queryset=queryset,
        empty_label="Choose the agency",
        error_messages={"required": "Choose the agency", "invalid_choice": "Choose the agency"},
    )


class PersonFields(forms.Form):
    first_name = forms.CharField(
        label="First name", max_length=150, error_messages={"required": "Enter the first name"}
    )
    last_name = forms.CharField(
        label="Last name", max_length=150, error_messages={"required": "Enter the last name"}
    )
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Enter the email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )
    job_title = forms.CharField(label="Job title (optional)", max_length=200, required=False)


class AccountCreateForm(PersonFields):
    username = forms.RegexField(
        label="Username",
        max_length=150,
        # The same rule as the model (accounts.models.USERNAME_PATTERN): ASCII only.
        regex=r"^[A-Za-z0-9.@+_-]+\Z",
        help_text="Letters, numbers and . @ + - _ only",
        error_messages={
            "required": "Enter a username",
            "invalid": "Use only letters, numbers and . @ + - _ in the username",
        },
    )
    agency = None  # set in __init__
    role = forms.ChoiceField(
        label="First role",
        help_text="The role waits for the Prevent Coordinator's approval before it gives "
        "any access.",
        error_messages={"required": "Choose the role"},
    )
    field_order = ["first_name", "last_name", "email", "job_title", "username", "agency", "role"]

    def __init__(self, *args, agencies=None, roles=None, **kwargs):
        super().__init__(*args, **kwargs)
        from prevent_portal.accounts.models import Agency, Role

        self.fields["agency"] = _agency_field(
            agencies if agencies is not None else Agency.objects.filter(is_active=True)
        )
        choices = [(r, label) for r, label in Role.choices if roles is None or r in roles]
        self.fields["role"].choices = [("", "Choose the role"), *choices]
        self.order_fields(self.field_order)


class AccountRequestForm(AccountCreateForm):
    reason = forms.CharField(
        label="Why do they need an account?",
        max_length=2000,
        error_messages={"required": "Enter why they need an account"},
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    field_order = ["first_name", "last_name", "email", "job_title", "agency", "role", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["username"]
        self.fields["role"].label = "Role"


class AccountRequestDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="What do you want to do?",
        choices=[("approve", "Make the account"), ("decline", "Decline the request")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether to make the account"},
    )
    username = forms.RegexField(
        label="Username for the new account",
        max_length=150,
        regex=r"^[A-Za-z0-9.@+_-]+\Z",
        required=False,
        error_messages={"invalid": "Use only letters, numbers and . @ + - _ in the username"},
    )
    reason = forms.CharField(
        label="Why are you declining it?",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "approve" and not data.get("username"):
            self.add_error("username", "Enter a username for the new account")
        if data.get("decision") == "decline" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Enter why you are declining the request")
        return data


class RoleAddForm(forms.Form):
    role = forms.ChoiceField(label="Role", error_messages={"required": "Choose the role"})

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        from prevent_portal.accounts.models import Agency, Role

        self.fields["agency"] = _agency_field(
            agencies if agencies is not None else Agency.objects.filter(is_active=True)
        )
        self.fields["role"].choices = [("", "Choose the role"), *Role.choices]
        self.order_fields(["agency", "role"])


class AccessReviewAnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label="Does this person still need this role?",
        choices=[("keep", "Yes, they still need it"), ("remove", "No, end the role")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether they still need this role"},
    )
    note = forms.CharField(
        label="Note (optional)",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # This quarter's answer as the page showed it (administration.answer_seen).
    seen = forms.CharField(required=False, widget=forms.HiddenInput)


class AccountDetailsForm(PersonFields):
    """Another person's name, job title and e-mail address (the e-mail address may wait for
    approval), with the version of the account the administrator saw."""

    version = forms.IntegerField(widget=forms.HiddenInput)


# Entra ID shows both as GUIDs; anything else would never match a sign-in.
GUID = r"^\s*[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\s*\Z"
GUID_HINT = "like 72f988bf-86f1-41af-91ab-2d7cd011db47"


class ExternalIdentityForm(forms.Form):
    tenant_id = forms.RegexField(
        label="Tenant ID",
        regex=GUID,
        max_length=64,  # the column's (ExternalIdentity.tenant_id)
        help_text="The council's Directory (tenant) ID in Microsoft Entra ID",
        error_messages={
            "required": "Enter the tenant ID",
            "invalid": f"Enter the tenant ID as Entra ID shows it, {GUID_HINT}",
        },
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    object_id = forms.RegexField(
        label="Object ID",
        regex=GUID,
        max_length=64,  # the column's (ExternalIdentity.object_id)
        help_text="The Object ID on the person's user page in Microsoft Entra ID",
        error_messages={
            "required": "Enter the object ID",
            "invalid": f"Enter the object ID as Entra ID shows it, {GUID_HINT}",
        },
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
