"""Sign-in: password (Argon2, lockout by django-axes), then a TOTP second factor that is set
up at first sign-in. Sign-out ends the session on the server."""

import base64
import time

import segno
from django.contrib.auth import authenticate, login, logout
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_portal.accounts.forms import SignInForm, TokenForm
from prevent_portal.core.middleware import (
    SESSION_SEEN,
    SESSION_STARTED,
    second_factor_not_required,
    sign_in_not_required,
)

TIMEOUT_MESSAGES = {
    "idle": "You were signed out because you did nothing for 30 minutes.",
    "absolute": "You were signed out because you had been signed in for 12 hours.",
}
NEXT_KEY = "pp_next"


def _safe_next(request, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("core:home")


@sign_in_not_required
@require_http_methods(["GET", "POST"])
def sign_in(request):
    if request.user.is_authenticated and request.user.is_verified():
        return redirect("core:home")
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
        )
        if user is not None:
            next_url = _safe_next(request, request.GET.get("next"))
            login(request, user)  # cycles the session key
            now = time.time()
            request.session[SESSION_STARTED] = request.session[SESSION_SEEN] = now
            request.session[NEXT_KEY] = next_url
            return redirect("accounts:second_factor")
        form.add_error(None, "Enter a correct username and password")
    return render(
        request,
        "accounts/sign_in.html",
        {
            "form": form,
            "timeout_message": TIMEOUT_MESSAGES.get(request.GET.get("timeout")),
            "signed_out": request.GET.get("signed_out") == "1",
        },
    )


def _confirmed_device(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@second_factor_not_required
@require_http_methods(["GET", "POST"])
def second_factor(request):
    """Ask for the TOTP code, or send a user without an authenticator to set one up."""
    if request.user.is_verified():
        return redirect("core:home")
    device = _confirmed_device(request.user)
    if device is None:
        return redirect("accounts:set_up_authenticator")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # verify_token refuses a code at or before the last one used: no replay.
        if device.verify_token(form.cleaned_data["token"]):
            otp_login(request, device)
            return redirect(request.session.pop(NEXT_KEY, reverse("core:home")))
        form.add_error("token", "The security code is wrong or has already been used")
    return render(request, "accounts/second_factor.html", {"form": form})


@second_factor_not_required
@require_http_methods(["GET", "POST"])
def set_up_authenticator(request):
    """First sign-in: show a new TOTP secret and confirm it with a code from the app."""
    if request.user.is_verified():
        return redirect("core:home")
    if _confirmed_device(request.user) is not None:
        return redirect("accounts:second_factor")
    with transaction.atomic():
        device = TOTPDevice.objects.filter(
            user=request.user, confirmed=False
        ).first() or TOTPDevice.objects.create(
            user=request.user, name="Authenticator app", confirmed=False
        )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return redirect(request.session.pop(NEXT_KEY, reverse("core:home")))
        form.add_error("token", "The security code is wrong. Check the time on your phone")
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "accounts/set_up_authenticator.html",
        {
            "form": form,
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "qr_data_uri": qr.png_data_uri(scale=5, border=2),
        },
    )


@sign_in_not_required
@require_POST
def sign_out(request):
    logout(request)  # deletes the server-side session
    return redirect(f"{reverse('accounts:sign_in')}?signed_out=1")
