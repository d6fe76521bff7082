"""The outbox: notifications written in the same transaction as the change that causes them."""

from django.conf import settings
from django.db import models


class Notification(models.Model):
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
