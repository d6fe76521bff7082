"""Subject access exports: asked for by the Coordinator, built in the background, downloaded
once as an encrypted zip, then deleted; deleted undownloaded after
SUBJECT_ACCESS_EXPORT_EXPIRY_DAYS.

The machinery is the board reports' (``governance.services.jobs``, ADR 0007): the request
writes a queued row and contacts nothing else; the beat sweep (or, in the demo, the request
itself after commit) claims and builds it. Every step is in the audit log: the request and
the build's completion are saves of the export row; the download is a save too (who and
when), and the file is removed from storage once that save commits.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from governance import subject_access
from governance.models import SubjectAccessExport
from governance.models.subject_access import SUBJECT_ACCESS_ROLES
from governance.services.jobs import build_after_commit, job_claim, job_progress, jobs_sweep
from prevent_portal.accounts.access import has_role
from prevent_portal.accounts.models import User
from prevent_portal.core.encrypted_download import encrypted_zip, zip_members
from referrals.models import Person, Referral

logger = logging.getLogger(__name__)
FAILED_MESSAGE = "The export could not be built. Ask for it again; if it fails again, tell IT."
NO_LONGER_COORDINATOR = "The person who asked for this export is no longer the Coordinator."


class AlreadyDownloaded(Exception):
    """The export's file was downloaded once, or expired, and has been deleted."""

    def __init__(self, export: SubjectAccessExport):
        super().__init__(f"Subject access export {export.pk} was downloaded or expired")
        self.export = export


@transaction.atomic
def subject_access_request(
    *, person: Person, received_on: date, request_reference: str, acting_user: User
) -> SubjectAccessExport:
    """Queue an export of everything held on ``person``. Only the Coordinator asks (the
    view checks; this refuses anyone else too). Nothing contacts the broker."""
    if not has_role(acting_user, *SUBJECT_ACCESS_ROLES):
        raise PermissionDenied
    from governance.tasks import build_subject_access_export  # the tasks module imports this

    export = SubjectAccessExport(
        person=person,
        area_id=person.area_id,
        received_on=received_on,
        request_reference=request_reference,
        created_by=acting_user,
    )
    export.full_clean()
    export.save()
    build_after_commit(build_subject_access_export, export.pk)
    return export


def subject_access_build(*, export_id: int) -> SubjectAccessExport | None:
    """Build a queued export: claim it, read the person's records and their access log,
    render the HTML and the PDF, zip them and store the zip. Returns None when another
    worker had claimed it. Fails (with a message for the Coordinator, details in the log)
    if the requester is no longer the Coordinator or anything raises."""
    if not job_claim(SubjectAccessExport, export_id):
        return None
    export = SubjectAccessExport.objects.select_related("created_by").get(pk=export_id)
    if not has_role(export.created_by, *SUBJECT_ACCESS_ROLES) or export.person_id is None:
        return _finish(export_id, status=SubjectAccessExport.Status.FAILED, error=FAILED_MESSAGE)
    try:
        archive, counts = subject_access.build(
            export,
            progress=lambda pct, stage: job_progress(SubjectAccessExport, export_id, pct, stage),
        )
    except Exception:
        logger.exception("Subject access export %s could not be built", export_id)
        return _finish(export_id, status=SubjectAccessExport.Status.FAILED, error=FAILED_MESSAGE)
    return _finish(
        export_id, status=SubjectAccessExport.Status.DONE, archive=archive, counts=counts
    )


@transaction.atomic
def _finish(
    export_id: int,
    *,
    status: str,
    archive: bytes | None = None,
    counts: dict | None = None,
    error: str = "",
) -> SubjectAccessExport:
    export = SubjectAccessExport.objects.select_for_update().get(pk=export_id)
    export.status = status
    export.stage = SubjectAccessExport.Status(status).label
    export.error = error
    export.finished_at = timezone.now()
    if archive is not None:
        export.progress = 100
        export.contents = counts or {}
        export.archive_size = len(archive)
        export.archive.save(export.file_name, ContentFile(archive), save=False)
    export.version += 1
    export.save()
    return export


def subject_access_sweep(*, now=None, limit: int = 5) -> int:
    """What beat runs: requeue exports lost with their worker, then build up to ``limit``
    queued exports, oldest first. Returns how many this sweep built."""
    return jobs_sweep(
        SubjectAccessExport,
        lambda pk: subject_access_build(export_id=pk),
        now=now,
        limit=limit,
        failed_message=FAILED_MESSAGE,
    )


@transaction.atomic
def subject_access_download(
    *, export: SubjectAccessExport, acting_user: User, password: str
) -> bytes:
    """The export's files, once, as a zip encrypted with AES-256 under ``password`` (the one
    shown to the downloader; the file leaves the system and must not be readable without
    it): records who downloaded it and when, and deletes the file from storage when that is
    committed. Only the Coordinator who asked for it (PermissionDenied otherwise); a second
    download, or one after the export expired, raises AlreadyDownloaded. The row is locked,
    so two downloads at once give the file to one of them."""
    if not password:
        raise ValueError("A subject access export is only handed over encrypted")
    locked = SubjectAccessExport.objects.select_for_update().get(pk=export.pk)
    if locked.created_by_id != acting_user.pk or not has_role(acting_user, *SUBJECT_ACCESS_ROLES):
        raise PermissionDenied
    if locked.is_downloaded or locked.is_expired:
        raise AlreadyDownloaded(locked)
    if locked.status != SubjectAccessExport.Status.DONE or not locked.archive:
        raise FileNotFoundError(f"Subject access export {locked.pk} has no file")
    with locked.archive.open("rb") as handle:
        content = encrypted_zip(zip_members(handle.read()), password)
    name = locked.archive.name
    storage = locked.archive.storage
    locked.downloaded_at = timezone.now()
    locked.downloaded_by = acting_user
    locked.archive = ""
    locked.version += 1
    locked.save()
    transaction.on_commit(lambda: storage.delete(name))
    return content


@transaction.atomic
def subject_access_exports_expire(*, now=None) -> int:
    """What the daily beat sweep runs: an export built more than
    SUBJECT_ACCESS_EXPORT_EXPIRY_DAYS ago and never downloaded expires. Its row records
    when (a save, so in the audit log) and its file is removed from storage once that
    commits. Returns how many expired."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.SUBJECT_ACCESS_EXPORT_EXPIRY_DAYS)
    stale = (
        SubjectAccessExport.objects.select_for_update()
        .filter(downloaded_at__isnull=True, expired_at__isnull=True, finished_at__lt=cutoff)
        .exclude(archive="")
    )
    expired = 0
    for export in stale:
        name, storage = export.archive.name, export.archive.storage
        export.archive = ""
        export.expired_at = now
        export.version += 1
        export.save()
        transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))
        expired += 1
    if expired:
        logger.info("Subject access: %s undownloaded export(s) expired and deleted", expired)
    return expired


def subject_access_exports_erase(referral_ids: list[int]) -> dict[str, int]:
    """Retention's eraser (registered in ``GovernanceConfig.ready``): when a person's records
    are deleted, an export of them not yet downloaded goes too. Runs inside the deletion's
    transaction; the files are removed from storage once it commits. Returns the count for
    the deletion certificate."""
    person_ids = Referral.objects.filter(pk__in=referral_ids).values("person_id")
    removed = 0
    for export in SubjectAccessExport.objects.filter(person_id__in=person_ids).exclude(archive=""):
        name, storage = export.archive.name, export.archive.storage
        export.archive = ""
        export.version += 1
        export.save()
        transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))
        removed += 1
    return {"subject access export files": removed}
