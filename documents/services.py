"""Every change to documents: upload (checked, quarantined, scanned), deletion, erasure."""

from __future__ import annotations

import hashlib
import logging
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from documents import filetypes, scanning
from documents.models import Document, document_storage, new_storage_name
from prevent_portal.accounts.access import has_role
from prevent_portal.accounts.models import Role, User

logger = logging.getLogger(__name__)

PARENT_BY_MODEL = {
    "referral": "referral",
    "channelcase": "case",
    "panelmeeting": "meeting",
    "informationrequest": "information_request",
}


class DocumentRefused(ValueError):
    """The upload is not accepted; the message is for the person uploading."""


class DocumentInfected(DocumentRefused):
    def __init__(self, document: Document):
        self.document = document
        super().__init__(
            "The file contains a virus and was not uploaded. Do not open it on your "
            "computer: tell your IT service desk."
        )


def _sha256(handle: BinaryIO) -> str:
    digest = hashlib.sha256()
    handle.seek(0)
    for chunk in iter(lambda: handle.read(1024 * 1024), b""):
        digest.update(chunk)
    handle.seek(0)
    return digest.hexdigest()


def _remove_file(name: str) -> None:
    if name:
        document_storage().delete(name)


def remove_file_after_commit(name: str) -> None:
    """Remove stored bytes once the transaction that stopped using them has committed (a
    rollback keeps both the row and its file)."""
    transaction.on_commit(lambda: _remove_file(name))


def document_upload(
    *, record, upload: File, title: str, reason: str, acting_user: User
) -> Document:
    """Attach an uploaded file to ``record`` (a referral, Channel case, panel meeting or
    information request), recording who, when, why and a title.

    Rules: at most DOCUMENT_MAX_MB. The file is stored under a random name in quarantine
    (nobody can list or download it) and streamed to clamd. An infected file's bytes are
    removed at once and the row stays, refused, with the virus's name: the attempt is in the
    audit log (who, when, which record, which virus), and DocumentInfected is raised. If
    clamd gives no verdict the file is removed and refused too. Then its kind, judged by its
    content, must be on DOCUMENT_ALLOWED_TYPES with an extension that agrees. Only then is
    it released (clean). The steps commit one by one on purpose: the record of a refused
    attempt must survive the refusal.

    The caller has checked that ``acting_user`` may add documents to ``record``."""
    limit = settings.DOCUMENT_MAX_MB
    if upload.size > limit * 1024 * 1024:
        raise DocumentRefused(f"The file must be smaller than {limit} MB")
    if upload.size == 0:
        raise DocumentRefused("The chosen file is empty")
    parent_field = PARENT_BY_MODEL[record._meta.model_name]
    storage = document_storage()
    upload.seek(0)
    stored_as = storage.save(new_storage_name(), upload)
    with transaction.atomic():
        document = Document.objects.create(
            **{parent_field: record},
            title=title,
            reason=reason,
            original_name=upload.name[:255],
            size=upload.size,
            sha256=_sha256(upload),
            status=Document.Status.QUARANTINED,
            storage_name=stored_as,
            uploaded_by=acting_user,
        )
    # Scanned before anything else reads the file: every file that arrives is scanned, and
    # a virus is recorded as such whatever the file claims to be.
    try:
        with storage.open(stored_as, "rb") as handle:
            verdict = scanning.scan(handle)
    except scanning.ScannerUnavailable as error:
        logger.error("clamd gave no verdict on document %s: %s", document.pk, error)
        _refuse(document, Document.Status.SCAN_FAILED)
        raise DocumentRefused(
            "The file could not be checked for viruses, so it was not uploaded. "
            "Try again in a few minutes."
        ) from None
    if not verdict.clean:
        _refuse(document, Document.Status.INFECTED, verdict.signature)
        logger.warning("Upload refused: document %s contains %s", document.pk, verdict.signature)
        raise DocumentInfected(document)
    try:
        with storage.open(stored_as, "rb") as handle:
            kind = filetypes.check(handle, upload.name, settings.DOCUMENT_ALLOWED_TYPES)
    except filetypes.FileTypeRefused as refused:
        _refuse(document, Document.Status.WRONG_TYPE)
        raise DocumentRefused(str(refused)) from None
    with transaction.atomic():
        document.status = Document.Status.CLEAN
        document.kind = kind.code
        document.content_type = kind.content_type
        document.scanned_at = timezone.now()
        document.save(update_fields=["status", "kind", "content_type", "scanned_at"])
    return document


def _refuse(document: Document, status: str, signature: str = "") -> None:
    """Keep the row of a refused upload as its record; its bytes go at once."""
    name = document.storage_name
    with transaction.atomic():
        document.status = status
        document.signature = signature
        document.scanned_at = timezone.now()
        document.storage_name = ""
        document.save(update_fields=["status", "signature", "scanned_at", "storage_name"])
    _remove_file(name)


@transaction.atomic
def document_delete(*, document: Document, reason: str, acting_user: User) -> Document:
    """Delete one document: the Prevent Coordinator only, with a reason. The row stays as
    the record of the deletion (who, when, why, in the audit log); the bytes are removed
    from storage once the deletion commits, and nobody can list or download it again."""
    if not has_role(acting_user, Role.COORDINATOR):
        raise PermissionDenied
    reason = reason.strip()
    if not reason:
        raise ValueError("Enter why the document is being deleted")
    locked = Document.objects.select_for_update().get(pk=document.pk)
    if locked.status != Document.Status.CLEAN:
        raise ValueError("This document has already been deleted")
    name = locked.storage_name
    locked.status = Document.Status.DELETED
    locked.deleted_by = acting_user
    locked.deleted_at = timezone.now()
    locked.deletion_reason = reason
    locked.storage_name = ""
    locked.save(
        update_fields=["status", "deleted_by", "deleted_at", "deletion_reason", "storage_name"]
    )
    remove_file_after_commit(name)
    return locked


__all__ = ["DocumentInfected", "DocumentRefused", "document_delete", "document_upload"]
