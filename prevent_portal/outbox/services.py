"""Queue notifications with a change, and send each of them exactly once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, connection, transaction
from django.db.models.constants import OnConflict
from django.utils import timezone

from prevent_portal.outbox.kinds import kind_get
from prevent_portal.outbox.links import check_links
from prevent_portal.outbox.models import Notification

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
QUEUE_BATCH_SIZE = 1000


@dataclass(frozen=True)
class SweepResult:
    sent: int
    failed: int


def notification_queue(
    *,
    dedup_key: str,
    kind: str,
    recipient,
    subject: str,
    body: str,
    due: date | None = None,
    record=None,
    attachments: list[dict] | None = None,
) -> tuple[Notification | None, bool]:
    """Write one outbox row in the caller's transaction. Returns (row, created); a row with
    the same ``dedup_key`` already queued or sent means nothing new is written.

    No broker is contacted: a worker (or, in the demo, the request itself after commit)
    sends pending rows later, so a request keeps working with Redis down. Refused
    (ValueError): a kind not in the registry (prevent_portal/outbox/kinds.py), a body with a
    relative link (e-mails carry absolute links only), and a kind about a protected record
    queued without that record. A recipient who may not see ``record`` (its model's
    ``visible_to``) is sent nothing: the answer is (None, False).
    """
    kind_about = kind_get(kind).about
    check_links(body)
    if kind_about is not None:
        if record is None or record._meta.label != kind_about:
            raise ValueError(f"A {kind} notification is about a {kind_about}: pass it as record")
        if not may_see(recipient, record):
            logger.info("Notification %s not queued: its recipient cannot see the record", kind)
            return None, False
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                dedup_key=dedup_key,
                kind=kind,
                recipient=recipient,
                subject=subject,
                body=body,
                due=due,
                attachments=attachments or [],
            )
    except IntegrityError:
        return Notification.objects.get(dedup_key=dedup_key), False
    if settings.OUTBOX_SEND_INLINE:
        transaction.on_commit(lambda: outbox_send_pending(ids=[notification.pk]))
    return notification, True


def may_see(user, record) -> bool:
    """Whether ``user`` may see ``record`` now, through the access module (its model's
    ``visible_to``): an inactive user sees nothing."""
    if not user.is_active:
        return False
    manager = type(record)._default_manager
    return manager.visible_to(user).filter(pk=record.pk).exists()


def _insert_new(batch: list[Notification], fields: list) -> list[tuple[int, str]]:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id, dedup_key: one statement for the batch,
    answering only the rows this statement wrote. ``bulk_create(ignore_conflicts=True)`` runs
    the same INSERT but returns nothing, and reading the keys back afterwards cannot tell our
    rows from those a concurrent sweep committed while our INSERT waited on their keys, so
    both sweeps would report them. QuerySet._insert is the call bulk_create itself makes.
    """
    returning = [Notification._meta.pk, Notification._meta.get_field("dedup_key")]
    rows = Notification.objects._insert(
        batch, fields=fields, returning_fields=returning, on_conflict=OnConflict.IGNORE
    )
    # A batch of one that hit a conflict comes back as [None].
    return [tuple(row) for row in rows if row is not None]


@transaction.atomic
def notification_queue_many(*, notifications: list[Notification]) -> list[Notification]:
    """Write many unsaved outbox rows in the caller's transaction, in batches of
    QUEUE_BATCH_SIZE, each batch one INSERT. A row whose ``dedup_key`` is already queued or
    sent (or is being queued by a concurrent transaction, which the INSERT waits for) is not
    written. Returns the rows written, with their pk set, in the order given.

    Sending is as for notification_queue: later by a worker, or in the demo after commit.
    Notification is not in the audit log (it is a message queue, not a record anybody
    edits), so a bulk insert bypasses no audit entry.
    """
    for notification in notifications:
        kind_get(notification.kind)
        check_links(notification.body)
    by_key = {n.dedup_key: n for n in notifications}
    items = list(by_key.values())
    fields = [f for f in Notification._meta.concrete_fields if not f.primary_key]
    # SQLite caps the parameters of one statement; PostgreSQL takes the whole batch.
    size = min(QUEUE_BATCH_SIZE, max(1, connection.ops.bulk_batch_size(fields, items)))
    inserted: set[str] = set()
    for start in range(0, len(items), size):
        for pk, key in _insert_new(items[start : start + size], fields):
            by_key[key].pk = pk
            by_key[key]._state.adding = False
            inserted.add(key)
    written = [n for n in items if n.dedup_key in inserted]
    if written and settings.OUTBOX_SEND_INLINE:
        ids = [n.pk for n in written]
        transaction.on_commit(lambda: outbox_send_pending(ids=ids, limit=len(ids)))
    return written


def _claim(pk: int) -> bool:
    """Atomically move one row from pending to sending; only one sweep can win it."""
    return (
        Notification.objects.filter(pk=pk, status=Notification.Status.PENDING).update(
            status=Notification.Status.SENDING, claimed_at=timezone.now()
        )
        == 1
    )


def message_id(notification: Notification) -> str:
    """The same Message-ID every time this notification is sent, so a copy sent again after
    a worker died between the mail server's "accepted" and the sent mark is recognisably the
    same message (mail systems and clients drop duplicates by Message-ID)."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "prevent-portal.invalid"
    return f"<outbox-{notification.pk}.{notification.created_at:%Y%m%d%H%M%S}@{domain}>"


def backend_carries_attachments() -> bool:
    """GOV.UK Notify sends no attachments (django-gov-notify refuses them): with it, the
    e-mail goes without the file, and its body says all the file would (date, time, place)."""
    return not settings.EMAIL_BACKEND.startswith("django_gov_notify.")


def _deliver(notification: Notification) -> None:
    message = EmailMessage(
        subject=notification.subject,
        body=notification.body,
        to=[notification.recipient.email],
        headers={"Message-ID": message_id(notification)},
    )
    if backend_carries_attachments():
        for attachment in notification.attachments:
            message.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
    message.send(fail_silently=False)


def outbox_recover_stale_claims() -> int:
    """Put rows left in "sending" longer than OUTBOX_CLAIM_TIMEOUT_SECONDS back to pending:
    the worker that claimed them died (killed, out of memory, host lost) before marking them
    sent or failed. The timeout is far longer than any send can take (EMAIL_TIMEOUT), so a
    live worker's claim is never taken away. See ADR 0003 on what this means for duplicates.
    """
    cutoff = timezone.now() - timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT_SECONDS)
    recovered = Notification.objects.filter(
        status=Notification.Status.SENDING, claimed_at__lt=cutoff
    ).update(
        status=Notification.Status.PENDING,
        last_error="claim expired: the sending worker stopped before finishing",
    )
    if recovered:
        logger.warning("Outbox: %s notification(s) left in sending returned to pending", recovered)
    return recovered


def outbox_send_pending(*, ids: list[int] | None = None, limit: int = 500) -> SweepResult:
    """Send pending notifications by e-mail and mark them sent.

    Each row is claimed by a conditional UPDATE before it is sent, so two sweeps running at
    once, or one run twice, send it once. A failed send returns the row to pending for a
    later sweep, up to MAX_ATTEMPTS, then marks it failed. Rows whose sending worker died are
    first returned to pending (outbox_recover_stale_claims). The sent mark is committed the
    moment the mail server accepts the message (autocommit, no enclosing transaction), which
    keeps the window in which a killed worker causes a second copy to one UPDATE.
    """
    outbox_recover_stale_claims()
    pending = Notification.objects.filter(status=Notification.Status.PENDING)
    if ids is not None:
        pending = pending.filter(pk__in=ids)
    sent = failed = 0
    for pk in list(pending.values_list("pk", flat=True)[:limit]):
        if not _claim(pk):
            continue
        notification = Notification.objects.select_related("recipient").get(pk=pk)
        try:
            if not notification.recipient.email:
                raise ValueError("recipient has no e-mail address")
            _deliver(notification)
        except Exception as exc:  # noqa: BLE001 - any delivery failure is recorded, not raised
            attempts = notification.attempts + 1
            status = (
                Notification.Status.FAILED
                if attempts >= MAX_ATTEMPTS
                else Notification.Status.PENDING
            )
            Notification.objects.filter(pk=pk).update(
                status=status, attempts=attempts, last_error=str(exc)[:2000]
            )
            logger.warning("Notification %s not sent: %s", pk, exc)
            failed += 1
            continue
        Notification.objects.filter(pk=pk).update(
            status=Notification.Status.SENT,
            sent_at=timezone.now(),
            attempts=notification.attempts + 1,
        )
        sent += 1
    return SweepResult(sent=sent, failed=failed)
