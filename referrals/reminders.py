"""Reminders the referrals app contributes to the daily sweep."""

from datetime import date, timedelta

from django.conf import settings

from prevent_portal.accounts.models import Membership, Role, User
from prevent_portal.outbox.links import site_link
from prevent_portal.reminders.registry import Reminder
from referrals.models import Referral


def triage_overdue(today: date):
    """Tell every coordinator about each referral still untriaged past the target days: its
    reference and a link, nothing about the person (the sweep checks each can see it)."""
    target = timedelta(days=settings.TRIAGE_TARGET_DAYS)
    overdue = Referral.objects.filter(
        status=Referral.Status.RECEIVED, received_on__lte=today - target
    ).only("pk", "reference", "received_on")
    coordinators = list(
        User.objects.filter(
            is_active=True,
            memberships__in=Membership.objects.active().filter(role=Role.COORDINATOR),
        ).distinct()
    )
    for referral in overdue:
        due = referral.received_on + target
        for coordinator in coordinators:
            yield Reminder(
                kind="triage_overdue",
                key=f"referral:{referral.pk}:{due.isoformat()}",
                subject=f"Referral {referral.reference}",
                due=due,
                recipient=coordinator,
                title=f"Referral {referral.reference} is past its triage target",
                body=(
                    f"Referral {referral.reference} has waited more than "
                    f"{settings.TRIAGE_TARGET_DAYS} days for triage: "
                    f"{site_link('referrals:triage', referral.pk)}"
                ),
                record=referral,
            )
