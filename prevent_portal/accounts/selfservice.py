"""A person's own account: their recent sign-ins, their open sessions ("sign out
everywhere"), changing their password, and "forgot your password?".

Rules this module enforces:
- A reset link goes only to an active, non-service account with a confirmed authenticator
  (setting a new password still needs its code or a backup code, so the e-mail alone never
  gives the account away). Accounts signed in through the council (single sign-on) reset
  their password at the council, not here.
- The response to a reset request is the same whether or not the account exists, and
  requests are limited per e-mail address and per client address (PASSWORD_RESET_LIMITS),
  across every web process (the attempts are rows, not a per-process cache).
- A reset or changed password ends every session of the account; the change is recorded as
  an account change (audited), never with the password.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_portal.accounts.models import (
    ExternalIdentity,
    PasswordResetAttempt,
    SignInEvent,
    User,
    UserSession,
)
from prevent_portal.core.client_ip import client_ip
from prevent_portal.outbox.links import site_link
from prevent_portal.outbox.services import notification_queue

RECENT_SIGN_INS = 10
reset_tokens = PasswordResetTokenGenerator()


def _hash(value: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{value}".encode()).hexdigest()


def _user_agent(request) -> str:
    return (request.META.get("HTTP_USER_AGENT") or "")[:200]


# --- Sign-ins and sessions ----------------------------------------------------------------
def sign_in_recorded(request, *, method: str) -> None:
    """Record a completed sign-in and the session it opened (call after the session key is
    final, that is after the second factor has cycled it)."""
    user, key = request.user, request.session.session_key
    ip, agent = client_ip(request), _user_agent(request)
    SignInEvent.objects.create(user=user, method=method, ip_address=ip, user_agent=agent)
    if key:
        UserSession.objects.update_or_create(
            session_key=key, defaults={"user": user, "ip_address": ip, "user_agent": agent}
        )


def recent_sign_ins(user: User):
    return SignInEvent.objects.filter(user=user)[:RECENT_SIGN_INS]


def open_sessions(user: User):
    """The person's sessions that are still open (not signed out, not expired)."""
    live = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
    return UserSession.objects.filter(user=user, session_key__in=live)


@transaction.atomic
def sessions_end_others(*, user: User, keep_session_key: str | None) -> int:
    """End every open session of ``user`` but the one they are using ("sign out
    everywhere else"), including any opened before sessions were recorded."""
    from prevent_portal.accounts.services import user_sessions_end

    ended = user_sessions_end(user=user, keep_session_key=keep_session_key)
    UserSession.objects.filter(user=user).exclude(session_key=keep_session_key or "").delete()
    return ended


def session_forgotten(sender, instance, **kwargs) -> None:
    """``post_delete`` of a server session (sign-out, a new session key, "sign out
    everywhere", deactivation, a reset or expiry): its record, with the address and browser,
    goes with it, so nothing about a session outlives it (review 3)."""
    UserSession.objects.filter(session_key=instance.session_key).delete()


# --- Changing and resetting the password ---------------------------------------------------
def has_authenticator(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def own_password_change(*, user: User, raw_password: str) -> None:
    """The person sets their own new password (they proved the old one and their second
    factor in the view): every session ends, and the change is recorded."""
    from prevent_portal.accounts.approvals import user_password_set

    user_password_set(user=user, raw_password=raw_password, acting_user=user)
    UserSession.objects.filter(user=user).delete()


def _may_reset_here(users):
    """``users`` narrowed to the accounts that may reset their password here: active, not a
    service account, not signed in through the council, with a confirmed authenticator.
    Both sending a link and using one go through this."""
    return (
        users.filter(is_active=True, is_service_account=False)
        .exclude(pk__in=ExternalIdentity.objects.values("user"))
        .filter(pk__in=TOTPDevice.objects.filter(confirmed=True).values("user"))
    )


def _over_limit(email_hash: str, ip_hash: str, now) -> bool:
    limits = settings.PASSWORD_RESET_LIMITS
    hour_ago = now - timedelta(hours=1)
    recent = PasswordResetAttempt.objects.filter(at__gte=hour_ago)
    return (
        recent.filter(email_hash=email_hash).count() >= limits["per_email_per_hour"]
        or recent.filter(ip_hash=ip_hash).count() >= limits["per_address_per_hour"]
    )


@transaction.atomic
def password_reset_request(*, email: str, request) -> None:
    """Someone asked for a reset link for ``email``. Queue one to each matching account that
    may reset here, unless the limit for the address or the e-mail is reached. Returns
    nothing: the caller shows the same page whatever happened."""
    now = timezone.now()
    email = email.strip().lower()
    email_hash, ip_hash = _hash(email), _hash(client_ip(request) or "")
    PasswordResetAttempt.objects.filter(at__lt=now - timedelta(days=1)).delete()
    over = _over_limit(email_hash, ip_hash, now)
    attempt = PasswordResetAttempt.objects.create(email_hash=email_hash, ip_hash=ip_hash, at=now)
    if over:
        return
    minutes = settings.PASSWORD_RESET_TIMEOUT // 60
    for user in _may_reset_here(User.objects.filter(email__iexact=email)):
        token = reset_tokens.make_token(user)
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        link = site_link("accounts:password_reset_link", uid, token)
        notification_queue(
            # One e-mail per request: asking again (the first went astray) sends again.
            dedup_key=f"accounts:password-reset:{user.pk}:{attempt.pk}",
            kind="accounts.password_reset",
            recipient=user,
            subject=f"{settings.SERVICE_NAME}: reset your password",
            body=(
                f"Someone asked to reset the password of your {settings.SERVICE_NAME} "
                f"account. Use this link within {minutes} minutes to choose a new one. "
                "You will also need the security code from your authenticator app, or a "
                f"backup code:\n\n{link}\n\n"
                "If it was not you, you need do nothing: your password has not changed. "
                "Tell your agency's single point of contact if this keeps happening."
            ),
        )


def password_reset_user(uidb64: str, token: str) -> User | None:
    """The account a reset link is for, if the link is still good (unused, in time, for an
    active account that may reset here), else None."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    # The same rules as for sending one: an account linked to the council sign-in, switched
    # off, or without an authenticator since, is refused even with a good token.
    user = _may_reset_here(User.objects.filter(pk=pk)).first()
    if user is None or not reset_tokens.check_token(user, token):
        return None
    return user


@transaction.atomic
def password_reset_complete(*, user: User, token: str, raw_password: str) -> None:
    """Set the new password from a reset link (the view has checked the second factor).
    The token stops working: it is tied to the old password."""
    if not reset_tokens.check_token(user, token):
        raise ValueError("This link has expired or has already been used")
    own_password_change(user=user, raw_password=raw_password)


def reset_link_uid(user: User) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))
