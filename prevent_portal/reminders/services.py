"""The daily reminder sweep."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from prevent_portal.outbox.models import Notification
from prevent_portal.outbox.services import notification_queue
from prevent_portal.reminders.registry import Reminder, providers


def reminders_queue_due(*, today: date) -> list[Reminder]:
    """Queue every registered reminder due on ``today`` that is not queued already.

    Returns the reminders newly queued. A second run for the same day queues nothing: each
    reminder's key is the outbox row's unique deduplication key.
    """
    due = [r for provider in providers().values() for r in provider(today)]
    if not due:
        return []
    already = set(
        Notification.objects.filter(dedup_key__in=[r.dedup_key for r in due]).values_list(
            "dedup_key", flat=True
        )
    )
    queued = []
    with transaction.atomic():
        for reminder in due:
            if reminder.dedup_key in already:
                continue
            already.add(reminder.dedup_key)
            _, created = notification_queue(
                dedup_key=reminder.dedup_key,
                kind=reminder.kind,
                recipient=reminder.recipient,
                subject=reminder.title,
                body=reminder.body,
                due=reminder.due,
            )
            if created:
                queued.append(reminder)
    return queued
