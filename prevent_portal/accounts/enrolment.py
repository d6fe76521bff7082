"""Setting up a second factor (issue 14, F8).

Rules:
1. A person with no confirmed authenticator sets one up only through a one-time link
   (``EnrolmentLink``) sent to their e-mail address: when their account is made, when their
   authenticator is reset (after approval where needed), or when an administrator sends one.
   The link lasts ENROLMENT_LINK_HOURS and works once; a new link cancels older ones. A
   password alone never enrols a device.
2. Once the authenticator is confirmed the person gets single-use backup codes (django-otp's
   static device), shown once; each works once instead of a security code; they can get a new
   set, which cancels the old one.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_portal.accounts.models import EnrolmentLink, User
from prevent_portal.outbox.links import site_link
from prevent_portal.outbox.services import notification_queue

BACKUP_CODE_COUNT = 10


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def enrolment_link_send(*, user: User, acting_user: User | None) -> EnrolmentLink:
    """Make a new one-time set-up link for ``user`` (cancelling earlier ones) and queue it to
    their e-mail address. Only the token's hash is stored."""
    now = timezone.now()
    for old in EnrolmentLink.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now):
        old.expires_at = now
        old.save(update_fields=["expires_at"])
    token = secrets.token_urlsafe(32)
    link = EnrolmentLink.objects.create(
        user=user,
        token_hash=_hash(token),
        created_by=acting_user,
        expires_at=now + timedelta(hours=settings.ENROLMENT_LINK_HOURS),
    )
    url = site_link("accounts:enrol", token)
    notification_queue(
        dedup_key=f"accounts:enrolment-link:{link.pk}",
        kind="accounts.enrolment_link",
        recipient=user,
        subject=f"{settings.SERVICE_NAME}: set up your authenticator app",
        body=(
            f"Use this link to set up the authenticator app for your {settings.SERVICE_NAME} "
            f"account. It works once, within {settings.ENROLMENT_LINK_HOURS} hours:\n\n{url}\n\n"
            "If you did not expect this, tell your administrator."
        ),
    )
    link.token = token  # for the caller (tests); never stored
    return link


def enrolment_link_find(token: str) -> EnrolmentLink | None:
    """The usable link for ``token``, or None (unknown, used or expired)."""
    link = EnrolmentLink.objects.filter(token_hash=_hash(token)).select_related("user").first()
    return link if link is not None and link.is_usable else None


def usable_link_for(user: User, link_id: int | None) -> EnrolmentLink | None:
    """The link a session carries, if it is still usable and is ``user``'s."""
    if link_id is None:
        return None
    link = EnrolmentLink.objects.filter(pk=link_id, user=user).first()
    return link if link is not None and link.is_usable else None


@transaction.atomic
def authenticator_remove(*, user: User, acting_user: User | None) -> None:
    """Remove every second factor of ``user`` (authenticator and backup codes), sign them out
    everywhere and send them a new set-up link. Called once the reset is allowed
    (prevent_portal/accounts/approvals.py), never directly."""
    from prevent_portal.accounts.services import user_sessions_end

    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    user_sessions_end(user=user)
    enrolment_link_send(user=user, acting_user=acting_user)


@transaction.atomic
def enrolment_complete(*, device: TOTPDevice, link: EnrolmentLink) -> list[str]:
    """Confirm the new authenticator, use up the link and return the first backup codes."""
    link = EnrolmentLink.objects.select_for_update().get(pk=link.pk)
    if not link.is_usable or link.user_id != device.user_id:
        raise ValueError("The set-up link has expired or been used")
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return backup_codes_generate(user=device.user)


@transaction.atomic
def backup_codes_generate(*, user: User) -> list[str]:
    """A new set of BACKUP_CODE_COUNT single-use codes for ``user``; the old set stops
    working. The codes are returned to be shown once."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    for code in codes:
        device.token_set.create(token=code)
    return codes


def backup_device(user: User) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).first()


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
