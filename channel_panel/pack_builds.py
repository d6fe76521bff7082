"""A panel pack's PDF, built in the background for one reader (issue 18).

WeasyPrint takes seconds for a pack of a long agenda, so no reader waits for it in a request:
asking for the PDF writes a queued ``PackBuild`` (ADR 0007, ``prevent_portal.core.jobs``);
the worker renders the pack as that reader may see it, and keeps the PDF in the row, with
the records it shows, until the reader downloads it (then it is emptied) or for
``PACK_PDF_KEPT`` (then the sweep empties it). A build is its reader's alone
(``visible_to``): two readers of one meeting see different packs.

The download (``channel_panel.views.pack``) compares the records the PDF shows with those
the reader may see at that moment: any change (an item added, the pack's time-limited access
closed, ownership returned; ADR 0005) makes the PDF out of date, and it is refused and built
again, so nothing leaves that the reader may no longer see. The access entries are written
at the download, one per record, as before.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from prevent_portal.core.jobs import BackgroundJob

# How long a finished PDF waits for its reader before the sweep empties it.
PACK_PDF_KEPT = timedelta(hours=1)


def record_key(record) -> str:
    """What a PDF records of each record it shows: model and id, nothing personal."""
    return f"{record._meta.label_lower}:{record.pk}"


class PackBuildQuerySet(models.QuerySet):
    def visible_to(self, user) -> PackBuildQuerySet:
        """A reader's own builds and no one else's: each holds what its reader may see."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(reader=user)


class PackBuild(BackgroundJob):
    """The PDF of ``meeting``'s pack as ``reader`` may see it when it was built."""

    Status = BackgroundJob.Status

    meeting = models.ForeignKey(
        "channel_panel.PanelMeeting", on_delete=models.CASCADE, related_name="pack_builds"
    )
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Kept in the database for at most PACK_PDF_KEPT, never as a file on disk: emptied when
    # downloaded, or by the sweep.
    pdf = models.BinaryField(blank=True, default=b"")
    # record_key() of every record the PDF shows (the access entries its download writes).
    records = models.JSONField(default=list, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = PackBuildQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["meeting", "reader", "-created_at"]),
            models.Index(fields=["status", "started_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="pack_build_progress_at_most_100"
            ),
        ]

    def __str__(self):
        return f"Panel pack PDF {self.pk}"

    @property
    def is_waiting(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.RUNNING}

    @property
    def is_ready(self) -> bool:
        """Built, not downloaded yet, and not past PACK_PDF_KEPT."""
        return (
            self.status == self.Status.DONE
            and bool(self.pdf)
            and self.downloaded_at is None
            and self.finished_at is not None
            and timezone.now() < self.finished_at + PACK_PDF_KEPT
        )
