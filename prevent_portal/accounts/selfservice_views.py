"""Your account (recent sign-ins, open sessions, changing your password), "forgot your
password?", and choosing a password from an invitation. The rules are in
prevent_portal/accounts/selfservice.py."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_portal.accounts import enrolment, selfservice
from prevent_portal.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    NewPasswordForm,
    ResetPasswordForm,
)
from prevent_portal.accounts.models import EnrolmentLink, ExternalIdentity, Membership
from prevent_portal.accounts.waiting import device_wait, device_wait_message
from prevent_portal.core.middleware import (
    SESSION_SEEN,
    SESSION_STARTED,
    second_factor_not_required,
    sign_in_not_required,
)

RESET_KEY = "pp_password_reset"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


# --- Your account ------------------------------------------------------------------------
@require_GET
def your_account(request):
    user = request.user
    current = request.session.session_key
    sessions = list(selfservice.open_sessions(user))
    return render(
        request,
        "accounts/your_account.html",
        {
            "memberships": Membership.objects.filter(user=user, is_active=True).select_related(
                "agency"
            ),
            "sign_ins": selfservice.recent_sign_ins(user),
            "sessions": sessions,
            "current_key": current,
            "others": [s for s in sessions if s.session_key != current],
            "backup_codes_left": enrolment.backup_codes_left(user),
            "uses_council_sign_in": ExternalIdentity.objects.filter(user=user).exists(),
        },
    )


@require_POST
def sessions_end_others(request):
    ended = selfservice.sessions_end_others(
        user=request.user, keep_session_key=request.session.session_key
    )
    messages.success(
        request,
        "You are signed out everywhere else." if ended else "You were not signed in anywhere else.",
    )
    return redirect("accounts:your_account")


@require_http_methods(["GET", "POST"])
def password_change(request):
    """The person's own new password: the current one and a security code first. Every
    session ends, this one too: they sign in again with the new password."""
    user = request.user
    if ExternalIdentity.objects.filter(user=user).exists():
        return render(request, "accounts/password_council.html")
    form = ChangePasswordForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST" and form.is_valid():
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        wait = device_wait(device) if device else None
        if not user.check_password(form.cleaned_data["current_password"]):
            form.add_error("current_password", "Your current password is wrong")
        elif device is None:
            form.add_error("token", "Set up your authenticator app first")
        elif wait is not None:
            form.add_error("token", device_wait_message(wait))
        elif not device.verify_token(form.cleaned_data["token"]):
            form.add_error("token", "The security code is wrong or has already been used")
        else:
            selfservice.own_password_change(
                user=user, raw_password=form.cleaned_data["new_password"]
            )
            logout(request)
            return redirect(f"{reverse('accounts:sign_in')}?password=changed")
    return render(request, "accounts/password_change.html", {"form": form})


# --- Forgot your password? ------------------------------------------------------------------
@sign_in_not_required
@second_factor_not_required
@require_http_methods(["GET", "POST"])
def forgot_password(request):
    """The same answer whether or not the account exists (and whether or not the limit
    was reached): "check your email"."""
    form = ForgotPasswordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        selfservice.password_reset_request(email=form.cleaned_data["email"], request=request)
        return redirect("accounts:forgot_password_sent")
    return render(request, "accounts/forgot_password.html", {"form": form})


@sign_in_not_required
@second_factor_not_required
@require_GET
def forgot_password_sent(request):
    return render(request, "accounts/forgot_password_sent.html")


@sign_in_not_required
@second_factor_not_required
@require_GET
def password_reset_link(request, uidb64, token):
    """The e-mailed link: kept in the session, then a redirect, so the token is never in
    the address of a page (nor sent on as a referrer)."""
    if selfservice.password_reset_user(uidb64, token) is None:
        return render(request, "accounts/password_reset_invalid.html", status=404)
    request.session[RESET_KEY] = [uidb64, token]
    return redirect("accounts:password_reset")


@sign_in_not_required
@second_factor_not_required
@require_http_methods(["GET", "POST"])
def password_reset(request):
    uidb64, token = request.session.get(RESET_KEY) or ("", "")
    user = selfservice.password_reset_user(uidb64, token) if token else None
    if user is None:
        return render(request, "accounts/password_reset_invalid.html", status=404)
    form = ResetPasswordForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST" and form.is_valid():
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if form.is_backup_code:
            device = enrolment.backup_device(user) or device
        wait = device_wait(device) if device else None
        if device is None:
            form.add_error("token", "The security code is wrong or has already been used")
        elif wait is not None:
            form.add_error("token", device_wait_message(wait))
        elif not device.verify_token(form.cleaned_data["token"]):
            form.add_error("token", "The security code is wrong or has already been used")
        else:
            try:
                selfservice.password_reset_complete(
                    user=user, token=token, raw_password=form.cleaned_data["new_password"]
                )
            except ValueError:
                return render(request, "accounts/password_reset_invalid.html", status=404)
            request.session.pop(RESET_KEY, None)
            return redirect(f"{reverse('accounts:sign_in')}?password=reset")
    return render(request, "accounts/password_reset.html", {"form": form})


# --- An invitation: choose a password, then set up the app --------------------------------
@sign_in_not_required
@second_factor_not_required
@require_http_methods(["GET", "POST"])
def choose_password(request):
    """From an invitation link (a new account with no password yet): choose a password,
    then go on to set up the authenticator app with the same link."""
    from prevent_portal.accounts.views import ENROL_LINK_KEY, NEXT_KEY

    link_id = request.session.get(ENROL_LINK_KEY)
    link = (
        EnrolmentLink.objects.filter(pk=link_id).select_related("user").first() if link_id else None
    )
    user = link.user if link is not None and link.is_usable else None
    if (
        user is None
        or not user.is_active
        or user.has_usable_password()
        or ExternalIdentity.objects.filter(user=user).exists()
    ):
        return render(request, "accounts/enrolment_link_invalid.html", status=404)
    form = NewPasswordForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST" and form.is_valid():
        selfservice.own_password_change(user=user, raw_password=form.cleaned_data["new_password"])
        login(request, user, backend=MODEL_BACKEND)  # keeps the link in the session
        now = time.time()
        request.session[SESSION_STARTED] = request.session[SESSION_SEEN] = now
        request.session[NEXT_KEY] = reverse("core:home")
        return redirect("accounts:set_up_authenticator")
    return render(request, "accounts/choose_password.html", {"form": form, "account": user})
