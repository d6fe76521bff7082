"""The daily reminder sweep."""

from __future__ import annotations

from datetime import date

from prevent_portal.outbox.models import Notification
from prevent_portal.outbox.services import notification_queue_many
from prevent_portal.reminders.registry import Reminder, providers


def reminders_queue_due(*, today: date) -> list[Reminder]:
    """Queue every registered reminder due on ``today`` that is not queued already.

    Returns the reminders newly queued. A second run for the same day queues nothing: each
    reminder's key is the outbox row's unique deduplication key.
    """
    due: dict[str, Reminder] = {}
    for provider in providers().values():
        for reminder in provider(today):
            due.setdefault(reminder.dedup_key, reminder)  # the key is built once
    already = set(
        Notification.objects.filter(dedup_key__in=list(due)).values_list("dedup_key", flat=True)
    )
    new = {key: r for key, r in due.items() if key not in already}
    if not new:
        return []
    # One transaction, an INSERT per batch; the unique key still guards a concurrent sweep.
    written = notification_queue_many(
        notifications=[
            Notification(
                dedup_key=key,
                kind=r.kind,
                recipient=r.recipient,
                subject=r.title,
                body=r.body,
                due=r.due,
            )
            for key, r in new.items()
        ]
    )
    return [new[n.dedup_key] for n in written]
