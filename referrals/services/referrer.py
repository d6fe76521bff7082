"""What the referrer who made a referral is told of it."""

from __future__ import annotations

from django.db import transaction

from prevent_portal.outbox.links import site_link
from prevent_portal.outbox.services import notification_queue
from referrals.models import Referral
from referrals.referrer import finished_q


@transaction.atomic
def referral_closed_notify(*, referral: Referral) -> bool:
    """Tell the referrer who made a referral that it has closed, once: a short message with
    its reference and an absolute link to its status page, and nothing of the person or the
    decision. Nobody is told when there is no referrer, or the referrer has left (they could
    not open the page). Every service that closes a referral, or ends the work on it (a
    Channel case's exit), calls this after it has."""
    if referral.referrer_id is None:
        return False
    finished = Referral.objects.filter(pk=referral.pk).filter(finished_q()).exists()
    if not finished:
        return False
    if not Referral.objects.referred_by(referral.referrer).filter(pk=referral.pk).exists():
        return False
    link = site_link("referrals:status", referral.pk)
    _, created = notification_queue(
        dedup_key=f"referral-closed:{referral.pk}",
        kind="referral_closed",
        recipient=referral.referrer,
        subject=f"Your referral {referral.reference} has been closed",
        body=(
            f"Your referral, reference {referral.reference}, has been closed. "
            "Thank you for making it.\n\n"
            f"Sign in to see its status: {link}\n\n"
            "If you have a new concern about the same person, make a new referral.\n"
        ),
    )
    return created


__all__ = ["referral_closed_notify"]
