"""Sign-in: password (Argon2, lockout by django-axes), then a TOTP second factor that is set
up at first sign-in. Sign-out ends the session on the server."""

import base64
import time

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_portal.accounts import enrolment, selfservice, services, sso
from prevent_portal.accounts.access import has_role
from prevent_portal.accounts.forms import (
    ConfirmIdentityForm,
    SignInCodeForm,
    SignInForm,
    TokenForm,
)
from prevent_portal.accounts.models import ExternalIdentity, Role
from prevent_portal.accounts.reauth import (
    authentication_is_recent,
    authentication_recorded,
    confirm_url,
    recent_authentication_required,
    safe_local_url,
)
from prevent_portal.accounts.review import (
    accounts_for_review,
    get_account_for_review,
    may_deactivate,
)
from prevent_portal.accounts.two_factor import second_factor_verified
from prevent_portal.accounts.waiting import device_wait, device_wait_message
from prevent_portal.audit.access_log import log_access
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
PASSWORD_MESSAGES = {
    "changed": "Your password has been changed. Sign in with your new password.",
    "reset": "Your password has been reset. Sign in with your new password.",
}
NEXT_KEY = "pp_next"
# The usable one-time set-up link this session arrived with (its id).
ENROL_LINK_KEY = "pp_enrol_link"
# Backup codes just made, shown once on the next page and then dropped from the session.
BACKUP_CODES_KEY = "pp_backup_codes"


def _safe_next(request, candidate: str | None) -> str:
    return safe_local_url(request, candidate) or reverse("core:home")


@sign_in_not_required
@require_http_methods(["GET", "POST"])
def sign_in(request):
    if second_factor_verified(request.user):
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
            "password_message": PASSWORD_MESSAGES.get(request.GET.get("password")),
            "sso_enabled": sso.enabled(),
            "sso_failed": request.GET.get("sso") == "failed",
            "next": safe_local_url(request, request.GET.get("next")),
        },
    )


def _confirmed_device(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def _verified(request, device) -> None:
    """Mark the session verified by ``device``, under a new session key: a key seen before
    the second factor (on a shared computer, say) must not be the one that is now trusted."""
    otp_login(request, device)
    request.session.cycle_key()
    authentication_recorded(request)
    selfservice.sign_in_recorded(request, method="Password and security code")


@second_factor_not_required
@require_http_methods(["GET", "POST"])
def second_factor(request):
    """Ask for the TOTP code (or a single-use backup code), or send a user without an
    authenticator to set one up."""
    if second_factor_verified(request.user):
        return redirect("core:home")
    device = _confirmed_device(request.user)
    if device is None:
        return redirect("accounts:set_up_authenticator")
    form = SignInCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.is_backup_code:
            device = enrolment.backup_device(request.user) or device
        # verify_token refuses a code at or before the last one used (no replay); a backup
        # code is deleted once used.
        wait = device_wait(device)
        if wait is not None:
            form.add_error("token", device_wait_message(wait))
        elif device.verify_token(form.cleaned_data["token"]):
            _verified(request, device)
            if form.is_backup_code:
                left = enrolment.backup_codes_left(request.user)
                messages.warning(
                    request,
                    f"You used a backup code. You have {left} left: get new ones on "
                    "the backup codes page if you are running out.",
                )
            return redirect(request.session.pop(NEXT_KEY, reverse("core:home")))
        else:
            form.add_error("token", "The security code is wrong or has already been used")
    return render(request, "accounts/second_factor.html", {"form": form})


@sign_in_not_required
@second_factor_not_required
@require_GET
def enrol(request, token):
    """The one-time link to set up an authenticator: remembered in the session, then sign in
    (or carry on) to the set-up page. The token is in the address, so the page that shows
    the link's outcome is a redirect, never a page with the token in it."""
    link = enrolment.enrolment_link_find(token)
    if link is None:
        return render(request, "accounts/enrolment_link_invalid.html", status=404)
    request.session[ENROL_LINK_KEY] = link.pk
    if (
        not link.user.has_usable_password()
        and not request.user.is_authenticated
        and not ExternalIdentity.objects.filter(user=link.user).exists()
    ):
        # An invitation: the new account has no password yet; choose one first.
        return redirect("accounts:choose_password")
    if request.user.is_authenticated and request.user.pk == link.user_id:
        return redirect("accounts:set_up_authenticator")
    return redirect(f"{reverse('accounts:sign_in')}?next={reverse('core:home')}")


@second_factor_not_required
@require_http_methods(["GET", "POST"])
def set_up_authenticator(request):
    """First sign-in: with a valid one-time link, show a new TOTP secret and confirm it with
    a code from the app; without one, tell the person to ask their administrator."""
    if second_factor_verified(request.user):
        return redirect("core:home")
    if _confirmed_device(request.user) is not None:
        return redirect("accounts:second_factor")
    link = enrolment.usable_link_for(request.user, request.session.get(ENROL_LINK_KEY))
    if link is None:
        return render(request, "accounts/enrolment_needs_link.html")
    with transaction.atomic():
        device = TOTPDevice.objects.filter(
            user=request.user, confirmed=False
        ).first() or TOTPDevice.objects.create(
            user=request.user, name="Authenticator app", confirmed=False
        )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = device_wait(device)
        if wait is not None:
            form.add_error("token", device_wait_message(wait))
        elif device.verify_token(form.cleaned_data["token"]):
            codes = enrolment.enrolment_complete(device=device, link=link)
            request.session.pop(ENROL_LINK_KEY, None)
            _verified(request, device)
            request.session[BACKUP_CODES_KEY] = codes
            return redirect("accounts:backup_codes")
        else:
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


@require_http_methods(["GET", "POST"])
def backup_codes(request):
    """The person's own single-use backup codes: shown once when made (at set-up, or when
    they ask for a new set, which cancels the old one)."""
    if request.method == "POST":
        if not authentication_is_recent(request):
            return redirect(confirm_url(request))
        request.session[BACKUP_CODES_KEY] = enrolment.backup_codes_generate(user=request.user)
        return redirect("accounts:backup_codes")
    codes = request.session.pop(BACKUP_CODES_KEY, None)
    return render(
        request,
        "accounts/backup_codes.html",
        {
            "codes": codes,
            "left": enrolment.backup_codes_left(request.user),
            "next_url": request.session.pop(NEXT_KEY, None) or reverse("core:home"),
        },
    )


@sign_in_not_required
@require_POST
def sign_out(request):
    logout(request)  # deletes the server-side session
    return redirect(f"{reverse('accounts:sign_in')}?signed_out=1")


@require_http_methods(["GET", "POST"])
def confirm_identity(request):
    """The "Confirm it's you" page: password and security code again (the sign-in lockout
    applies), or the council sign-in for a linked account; then back to the page that asked."""
    next_url = _safe_next(request, request.GET.get("next"))
    user = request.user
    device = _confirmed_device(user)
    form = ConfirmIdentityForm(request.POST or None)
    if request.method == "POST" and device is not None and form.is_valid():
        # The username is the signed-in user's, never the form's: axes counts failures and
        # locks out this account from this address as at sign-in.
        again = authenticate(
            request, username=user.get_username(), password=form.cleaned_data["password"]
        )
        wait = device_wait(device)
        if again is None or again.pk != user.pk:
            form.add_error("password", "The password is wrong")
        elif wait is not None:
            form.add_error("token", device_wait_message(wait))
        elif not device.verify_token(form.cleaned_data["token"]):
            form.add_error("token", "The security code is wrong or has already been used")
        else:
            authentication_recorded(request)
            return redirect(next_url)
    return render(
        request,
        "accounts/confirm_identity.html",
        {
            "form": form,
            "has_authenticator": device is not None,
            "sso_url": sso.reauthentication_url(user, next_url),
        },
    )


@require_GET
def account_list(request):
    """Account review: the accounts of the reviewer's agencies (every account for the
    Coordinator and the system administrator), their roles, last sign-in and status."""
    accounts = list(accounts_for_review(request.user))
    log_access(request, accounts, view="accounts:account_list")
    rows = [
        {
            "account": account,
            "memberships": [m for m in account.memberships.all() if m.is_active],
            "may_deactivate": account.is_active and may_deactivate(request.user, account),
        }
        for account in accounts
    ]
    return render(
        request,
        "accounts/account_list.html",
        {
            "rows": rows,
            "inactivity_days": settings.ACCOUNT_INACTIVITY_DISABLE_DAYS,
            "may_create": has_role(request.user, Role.SYSADMIN),
        },
    )


@require_http_methods(["GET", "POST"])
@recent_authentication_required
def account_deactivate(request, pk):
    """Switch an account off and end its sessions, after a confirmation page."""
    account = get_account_for_review(request.user, pk, perm="deactivate")
    if request.method == "POST":
        services.user_deactivate(user=account, acting_user=request.user)
        messages.success(
            request, f"{account.get_full_name() or account.username} can no longer sign in."
        )
        return redirect("accounts:account_list")
    log_access(request, [account], view="accounts:account_deactivate")
    return render(request, "accounts/account_deactivate.html", {"account": account})
