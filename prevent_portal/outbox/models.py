"""The outbox: notifications written in the same transaction as the change that causes them."""

import re

from django.conf import settings
from django.db import models

FIRST_LINK = re.compile(r"https?://[^\s<>\"]+")


class Notification(models.Model):
    """One e-mail to one user, queued with the change that causes it and sent once."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    # Unique: queuing the same reminder twice inserts nothing the second time.
    dedup_key = models.CharField(max_length=255, unique=True)
    kind = models.CharField(max_length=60, db_index=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications"
    )
    subject = models.CharField(max_length=255)
    body = models.TextField()
    # Files sent with the e-mail: [{"filename", "mimetype", "content"}], text content only
    # (a calendar invitation). Stored with the row so a later send carries exactly what was
    # queued, and each version of a file is its own row (its own dedup_key).
    attachments = models.JSONField(default=list, blank=True)
    due = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            # "Your notifications": one user's rows, newest first.
            models.Index(fields=["recipient", "-created_at"], name="outbox_recipient_newest"),
        ]

    def __str__(self):
        return f"{self.kind} notification #{self.pk}"

    @property
    def link(self) -> str | None:
        """The first link in the body (every link is absolute: outbox/links.py), or None;
        None for a kind whose link is a one-time secret (kinds.Kind.secret_link): a page
        must never show it to whoever holds the session."""
        from prevent_portal.outbox.kinds import KINDS

        kind = KINDS.get(self.kind)
        if kind is not None and kind.secret_link:
            return None
        match = FIRST_LINK.search(self.body)
        return match.group(0) if match else None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.get_status_display())


STATUS_LABELS = {
    Notification.Status.PENDING: "Waiting to send",
    Notification.Status.SENDING: "Sending",
    Notification.Status.SENT: "Sent",
    Notification.Status.FAILED: "Not sent",
}
