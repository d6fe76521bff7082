"""Sharing a referral with another agency or a named person."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from prevent_portal.accounts import grants
from prevent_portal.accounts.models import Agency, GrantFields, Membership, User
from prevent_portal.outbox.links import site_link
from prevent_portal.outbox.services import notification_queue
from referrals.models import ChronologyEntry, Referral
from referrals.services.records import chronology_add


@transaction.atomic
def referral_share(
    *,
    referral: Referral,
    to_user: User | None = None,
    to_agency: Agency | None = None,
    reason: str,
    expires_at: datetime | None = None,
    acting_user: User,
) -> GrantFields:
    """Share a referral with one named user or with an agency, with a reason and an optional
    expiry, and tell whoever receives it (through the outbox, in the same transaction)."""
    grant = grants.object_share(
        obj=referral,
        to_user=to_user,
        to_agency=to_agency,
        reason=reason,
        expires_at=expires_at,
        acting_user=acting_user,
    )
    if to_user is not None:
        recipients = [to_user]
    else:
        recipients = list(
            User.objects.filter(
                is_active=True,
                memberships__in=Membership.objects.active().filter(agency=to_agency, role="spoc"),
            ).distinct()
        )
    target = to_user.get_full_name() or to_user.username if to_user else to_agency.name
    until = f" until {expires_at:%d %B %Y}" if expires_at else ""
    chronology_add(
        referral=referral,
        kind=ChronologyEntry.Kind.SHARED,
        text=f"Shared with {target}{until}. Reason: {reason}",
        acting_user=acting_user,
    )
    link = site_link("referrals:detail", referral.pk)
    for recipient in recipients:
        notification_queue(
            dedup_key=f"share:referral:{referral.pk}:grant:{type(grant).__name__}:{grant.pk}:"
            f"user:{recipient.pk}:{grant.granted_at.isoformat()}",
            kind="referral_shared",
            record=referral,
            recipient=recipient,
            subject=f"Referral {referral.reference} has been shared with you",
            body=(
                f"Referral {referral.reference} has been shared with you.\n\n"
                f"Sign in to read it: {link}\n"
            ),
        )
    return grant


@transaction.atomic
def referral_share_revoke(*, referral: Referral, grant: GrantFields, acting_user: User) -> None:
    """Withdraw a share of this referral."""
    if grant.content_object_id != referral.pk:
        raise ValueError("That share belongs to another referral")
    target = grant.user if getattr(grant, "user_id", None) else grant.group.agency
    grants.grant_revoke(grant=grant, acting_user=acting_user)
    chronology_add(
        referral=referral,
        kind=ChronologyEntry.Kind.SHARE_WITHDRAWN,
        text=f"Share with {target} withdrawn.",
        acting_user=acting_user,
    )


__all__ = ["referral_share", "referral_share_revoke"]
