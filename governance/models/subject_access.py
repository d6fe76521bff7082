"""Subject access exports (UK GDPR Article 15): everything the portal holds on one person,
built in the background as one zip file (the export as HTML and as an A4 PDF), downloaded
once by the Coordinator who asked for it, then deleted.

The row is its own queue entry (``BackgroundJob``, ADR 0007) and holds no personal data:
the person is a key, the contents are counts. The file is under ``MEDIA_ROOT`` with a
random name, never served by URL, and removed as it is downloaded. Rules:

1. Only the Prevent Coordinator asks for an export and sees the list of exports
   (``SUBJECT_ACCESS_ROLES``); anyone else gets 403 on the pages and 404 on an export.
2. Only the Coordinator who asked for an export downloads it ("download" action), and only
   once: a second attempt says when and by whom it was downloaded.
3. An export not downloaded within SUBJECT_ACCESS_EXPORT_EXPIRY_DAYS of being built
   expires: its file is deleted and the row says when (a daily beat sweep).
4. The download is an AES-encrypted zip under a password shown once to the downloader
   (``prevent_portal.core.encrypted_download``).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from governance.models.access import EDITOR_ROLES, ReadableQuerySet, fetch_for_user
from governance.models.jobs import BackgroundJob
from prevent_portal.accounts.access import has_role
from prevent_portal.areas.models import area_field

SUBJECT_ACCESS_ROLES = EDITOR_ROLES


# A subject access request is answered within one month of receipt (UK GDPR Art. 12(3)):
# the home page and the list's ``waiting=deadline`` raise it this many days before then.
DEADLINE_WARNING_DAYS = 7


def answer_due_on(received_on):
    """The one-month deadline of a request received on ``received_on`` (month ends clamped)."""
    from governance.models.boards import add_months

    return add_months(received_on, 1)


class SubjectAccessExportQuerySet(ReadableQuerySet):
    reader_roles = SUBJECT_ACCESS_ROLES

    def near_deadline(self, today):
        """Exports not yet handed over (not downloaded, not expired) whose request's
        one-month deadline is at most DEADLINE_WARNING_DAYS away, or past. A request
        received on day D is due on D plus one month (``answer_due_on``), so the latest D
        counted is the warning day less one month, or the previous month's last day when the
        warning day ends its month (a request of 31 January is due on 28 February)."""
        import calendar

        from governance.models.boards import add_months

        warn_on = today + timedelta(days=DEADLINE_WARNING_DAYS)
        if warn_on.day == calendar.monthrange(warn_on.year, warn_on.month)[1]:
            latest_received = warn_on.replace(day=1) - timedelta(days=1)
        else:
            latest_received = add_months(warn_on, -1)
        built_since = timezone.now() - timedelta(days=settings.SUBJECT_ACCESS_EXPORT_EXPIRY_DAYS)
        return self.filter(
            downloaded_at__isnull=True,
            expired_at__isnull=True,
            received_on__lte=latest_received,
        ).filter(models.Q(finished_at__isnull=True) | models.Q(finished_at__gt=built_since))


def export_path(instance: SubjectAccessExport, filename: str) -> str:
    """A random name under MEDIA_ROOT, never served by URL."""
    return f"governance/subject-access/{uuid.uuid4().hex}.zip"


class SubjectAccessExport(BackgroundJob):
    """One subject access request's export of everything held on ``person``."""

    # SET_NULL: if the person's records are erased (retention), the request's history stays.
    person = models.ForeignKey(
        "referrals.Person", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # The person's council area when the request was made: kept if the person is erased.
    area = area_field()
    received_on = models.DateField("Date the request was received")
    request_reference = models.CharField("Your reference for the request", max_length=100)
    archive = models.FileField(upload_to=export_path, max_length=255, blank=True)
    archive_size = models.PositiveIntegerField(null=True, blank=True)
    # What the export holds, as counts per section: no personal data.
    contents = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)
    downloaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Set when the file was deleted undownloaded, SUBJECT_ACCESS_EXPORT_EXPIRY_DAYS after it
    # was built.
    expired_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = SubjectAccessExportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "started_at"])]

    def __str__(self):
        # Never a name: str() is the audit log's object_repr.
        return f"Subject access export {self.pk}"

    @property
    def is_downloaded(self) -> bool:
        return self.downloaded_at is not None

    @property
    def is_expired(self) -> bool:
        """Expired by the daily sweep, or due to be: an export not downloaded within
        SUBJECT_ACCESS_EXPORT_EXPIRY_DAYS of being built is no longer handed over, whether or
        not the sweep (which deletes the file) has run yet."""
        if self.expired_at is not None:
            return True
        due = self.expires_at
        return not self.is_downloaded and due is not None and timezone.now() >= due

    @property
    def expires_at(self):
        """When an export not downloaded stops being available (None until it is built)."""
        if self.finished_at is None:
            return None
        return self.finished_at + timedelta(days=settings.SUBJECT_ACCESS_EXPORT_EXPIRY_DAYS)

    @property
    def expired_on(self):
        """The day it expired: as the sweep recorded it, or as it fell due."""
        return self.expired_at or self.expires_at

    @property
    def can_be_downloaded(self) -> bool:
        return self.status == self.Status.DONE and not self.is_downloaded and bool(self.archive)

    @property
    def file_name(self) -> str:
        return f"subject-access-export-{self.pk}.zip"


def export_actions(user, export: SubjectAccessExport) -> set[str]:
    """Coordinators view every export; only the one who asked for it downloads it."""
    if not has_role(user, *SUBJECT_ACCESS_ROLES):
        return set()
    actions = {"view"}
    if export.created_by_id == user.pk:
        actions.add("download")
    return actions


def get_export_for_user(user, pk, *, perm: str = "view") -> SubjectAccessExport:
    """The only single-export fetch: 404 unless the user is the Coordinator, 403 unless
    ``perm`` ("view", "download") is theirs."""
    return fetch_for_user(
        SubjectAccessExport.objects.select_related("created_by", "downloaded_by"),
        user,
        pk,
        perm=perm,
        actions=export_actions,
    )
