"""The panel pack's PDF, built in the background for one reader (issue 18; ADR 0007's
machinery, ``prevent_portal.core.jobs``; the rules in ``channel_panel.pack_builds``).

The request that asks for a PDF writes a queued row and contacts nothing else; the beat
sweep (every 10 seconds on the worker) or, in the demo where tasks run inline, the request
itself once its transaction has committed, builds it.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from channel_panel.models import PanelMeeting
from channel_panel.pack_builds import PACK_PDF_KEPT, PackBuild, record_key
from prevent_portal.accounts.models import User
from prevent_portal.core.jobs import build_after_commit, job_claim, job_progress, jobs_sweep

logger = logging.getLogger(__name__)
FAILED_MESSAGE = "The PDF could not be made. Ask for it again; if it fails again, tell IT."
REFUSED_MESSAGE = "You can no longer open this meeting's pack."

__all__ = [
    "pack_pdf_build",
    "pack_pdf_downloaded",
    "pack_pdf_request",
    "pack_pdf_sweep",
]


@transaction.atomic
def pack_pdf_request(*, meeting: PanelMeeting, acting_user: User) -> PackBuild:
    """Queue the PDF of ``meeting``'s pack as ``acting_user`` may see it (the caller has
    checked they may open the pack: ``pack_content.pack_invitations``). A build of theirs
    still waiting or running is the answer to asking again: one build at a time."""
    waiting = (
        PackBuild.objects.select_for_update()
        .filter(
            meeting=meeting,
            reader=acting_user,
            status__in=[PackBuild.Status.QUEUED, PackBuild.Status.RUNNING],
        )
        .first()
    )
    if waiting is not None:
        return waiting
    build = PackBuild.objects.create(meeting=meeting, reader=acting_user)
    from channel_panel.tasks import build_pack_pdf  # the tasks module imports this one

    build_after_commit(build_pack_pdf, build.pk)
    return build


def pack_pdf_build(*, build_id: int) -> PackBuild | None:
    """Build a queued PDF: claim it, check its reader may still open the pack, render the
    pack as they may see it now, and keep the PDF with the records it shows. Returns None
    when another worker claimed it first. Any error fails the build with a message for the
    reader; the details go to the log (never the pack's content)."""
    from channel_panel.pack_content import pack_context, pack_invitations, pack_pdf_bytes

    if not job_claim(PackBuild, build_id):
        return None
    build = PackBuild.objects.select_related("meeting__chair", "reader").get(pk=build_id)
    try:
        invitations = pack_invitations(build.meeting, build.reader)
        if invitations is None:
            return _finish(build_id, status=PackBuild.Status.FAILED, error=REFUSED_MESSAGE)
        job_progress(PackBuild, build_id, 10, "Reading the agenda")
        context = pack_context(build.meeting, build.reader, invitations)
        job_progress(PackBuild, build_id, 40, "Making the PDF")
        pdf = pack_pdf_bytes(context)
    except Exception:
        logger.exception("Panel pack PDF %s could not be built", build_id)
        return _finish(build_id, status=PackBuild.Status.FAILED, error=FAILED_MESSAGE)
    records = sorted({record_key(record) for record in context["records"]})
    return _finish(build_id, status=PackBuild.Status.DONE, pdf=pdf, records=records)


@transaction.atomic
def _finish(
    build_id: int,
    *,
    status: str,
    pdf: bytes = b"",
    records: list[str] | None = None,
    error: str = "",
) -> PackBuild:
    build = PackBuild.objects.select_for_update().get(pk=build_id)
    build.status, build.stage, build.error = status, PackBuild.Status(status).label, error
    build.finished_at = timezone.now()
    build.pdf, build.records = pdf, records or []
    if status == PackBuild.Status.DONE:
        build.progress = 100
    build.version += 1
    build.save()
    return build


@transaction.atomic
def pack_pdf_downloaded(*, build: PackBuild, acting_user: User) -> bytes:
    """Hand a finished PDF to its reader, once: returns it and empties the row, so the PDF
    is kept nowhere once it has gone. Refused (ValueError) for anyone but its reader or a
    build already downloaded."""
    locked = PackBuild.objects.select_for_update().get(pk=build.pk)
    if locked.reader_id != acting_user.pk or not locked.is_ready:
        raise ValueError("This PDF is not ready for this reader")
    pdf = bytes(locked.pdf)
    locked.pdf, locked.downloaded_at = b"", timezone.now()
    locked.version += 1
    locked.save()
    return pdf


def pack_pdf_sweep(*, now=None, limit: int = 10) -> int:
    """What beat runs: give builds lost with their worker another go (or fail them), build
    up to ``limit`` queued PDFs, oldest first, and empty the finished PDFs nobody downloaded
    within PACK_PDF_KEPT. Returns how many this sweep built."""
    now = now or timezone.now()
    built = jobs_sweep(
        PackBuild,
        lambda pk: pack_pdf_build(build_id=pk),
        now=now,
        limit=limit,
        failed_message=FAILED_MESSAGE,
    )
    stale = PackBuild.objects.filter(
        status=PackBuild.Status.DONE, finished_at__lte=now - PACK_PDF_KEPT
    ).exclude(pdf=b"")
    for pk in stale.values_list("pk", flat=True)[:100]:
        _empty(pk)
    return built


@transaction.atomic
def _empty(pk: int) -> None:
    # Saved through the model: the audit log says when the PDF went.
    build = PackBuild.objects.select_for_update().get(pk=pk)
    build.pdf = b""
    build.version += 1
    build.save()
