"""The daily reminder sweep."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date

from django.db.models import IntegerField, Value

from prevent_portal.accounts import access
from prevent_portal.outbox.models import Notification
from prevent_portal.outbox.services import notification_queue_many
from prevent_portal.reminders.registry import Reminder, providers

logger = logging.getLogger(__name__)


# Recipients whose visibility one statement checks: a UNION ALL of their ``visible_to``
# queries (a statement of a few hundred kilobytes at most).
VISIBILITY_BATCH = 50


def _visible_only(reminders: dict[str, Reminder]) -> dict[str, Reminder]:
    """The reminders whose recipient may see the record they are about, today.

    A reminder about a protected record goes only to someone ``visible_to`` lets see it: each
    recipient's own ``visible_to``, limited to the records of their reminders. The recipients'
    access caches are loaded together (``access.prime``), and the checks of up to
    ``VISIBILITY_BATCH`` recipients of one kind of record go to the database as one statement:
    a few queries per kind of record, not two or three per recipient.
    """
    wanted: dict[type, dict[int, set]] = defaultdict(lambda: defaultdict(set))
    for reminder in reminders.values():
        if reminder.record is not None:
            wanted[type(reminder.record)][reminder.recipient.pk].add(reminder.record.pk)
    recipients = {r.recipient.pk: r.recipient for r in reminders.values()}
    access.prime(recipients.values())
    visible: set[tuple] = set()
    for model, by_recipient in wanted.items():
        checks = [
            model._default_manager.visible_to(recipients[user_pk])
            .filter(pk__in=sorted(pks))
            .order_by()
            .annotate(recipient=Value(user_pk, output_field=IntegerField()))
            .values_list("pk", "recipient")
            for user_pk, pks in sorted(by_recipient.items())
        ]
        for start in range(0, len(checks), VISIBILITY_BATCH):
            first, *rest = checks[start : start + VISIBILITY_BATCH]
            batch = first.union(*rest, all=True) if rest else first
            visible |= {(model, user_pk, pk) for pk, user_pk in batch}
    kept = {
        key: r
        for key, r in reminders.items()
        if r.record is None or (type(r.record), r.recipient.pk, r.record.pk) in visible
    }
    if len(kept) < len(reminders):
        logger.info(
            "Reminders: %s not sent to people who cannot see the record", len(reminders) - len(kept)
        )
    return kept


def reminders_queue_due(*, today: date) -> list[Reminder]:
    """Queue every registered reminder due on ``today`` that is not queued already.

    Returns the reminders newly queued. A second run for the same day queues nothing: each
    reminder's key is the outbox row's unique deduplication key. A reminder about a record
    goes only to a recipient who may see the record now (``_visible_only``).
    """
    due: dict[str, Reminder] = {}
    for provider in providers().values():
        for reminder in provider(today):
            due.setdefault(reminder.dedup_key, reminder)  # the key is built once
    already = set(
        Notification.objects.filter(dedup_key__in=list(due)).values_list("dedup_key", flat=True)
    )
    new = _visible_only({key: r for key, r in due.items() if key not in already})
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
