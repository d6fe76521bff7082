"""The panel pack of a meeting: a page, and the same pack as an A4 PDF.

Open to the meeting's invitees, panel chairs and the Coordinator (``pack_content``). Each
agenda item is shown in full only if the reader may see its case or referral now (their
agency's, or through the meeting's time-limited pack access); the rest are listed without
personal data. Every opening writes an access entry for each record shown.

The PDF is built in the background for its reader (issue 18, ``channel_panel.pack_builds``):
asking for it queues a build and shows it "being prepared" (the page looks again every few
seconds); once ready, the page shows a password once and its link (``?download=1``) takes
the password and downloads the PDF in an AES-encrypted zip (it leaves the system), writing
the access entries, if the PDF still shows exactly what the reader may see now.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST

from channel_panel import services
from channel_panel.models import PackBuild, PanelMeeting
from channel_panel.pack_builds import record_key
from channel_panel.pack_content import pack_context, pack_invitations
from prevent_portal.accounts.reauth import recent_authentication_required
from prevent_portal.audit.access_log import log_access
from prevent_portal.core.encrypted_download import encrypted_zip, password_page, password_take

# How often the "being prepared" page looks again (a Refresh header: no script needed).
REFRESH_SECONDS = 3


def _reader_meeting(request, pk) -> tuple[PanelMeeting, list]:
    """The meeting, for a reader allowed to open its pack; 403 for anyone else in its council
    area. Another area's meeting is not there for them (404, ``heard_of_by``)."""
    meeting = get_object_or_404(
        PanelMeeting.objects.heard_of_by(request.user).select_related("chair"), pk=pk
    )
    invitations = pack_invitations(meeting, request.user)
    if invitations is None:
        raise PermissionDenied
    return meeting, invitations


def _pack(request, pk, *, view: str) -> dict:
    """The pack's context for a reader allowed to open it (``_reader_meeting``), logged."""
    meeting, invitations = _reader_meeting(request, pk)
    context = pack_context(meeting, request.user, invitations)
    log_access(request, context["records"], view=view)
    return context


@require_GET
def pack(request, pk):
    context = _pack(request, pk, view="channel_panel:pack")
    return render(request, "channel_panel/pack.html", context)


def _latest_build(request, meeting) -> PackBuild | None:
    return PackBuild.objects.visible_to(request.user).filter(meeting=meeting).first()


@require_GET
@recent_authentication_required
def pack_pdf(request, pk):
    """The reader's PDF of the pack: "prepare" when there is none, its progress while it is
    built, then a password shown once with the link that downloads it."""
    key = f"panel-pack:{pk}"
    password = password_take(request, key) if request.GET.get("download") else None
    meeting, invitations = _reader_meeting(request, pk)
    build = _latest_build(request, meeting)
    ready = build is not None and build.is_ready
    waiting = build is not None and build.is_waiting
    if password is not None and ready:
        return _download(request, meeting, invitations, build, password)
    if ready:
        return password_page(
            request,
            key=key,
            title="Download the panel pack",
            what=f"The pack for the meeting on {meeting.meets_on:%-d %B %Y}",
            download={
                "method": "get",
                "url": f"{request.path}?download=1",
                "label": "Download the panel pack (PDF in an encrypted zip file)",
            },
            back_url=reverse("channel_panel:pack", args=[meeting.pk]),
        )
    response = render(
        request,
        "channel_panel/pack_pdf_status.html",
        {
            "meeting": meeting,
            "build": build if waiting else None,
            "failed": build if build is not None and build.status == "failed" else None,
            "refresh_seconds": REFRESH_SECONDS,
        },
    )
    if waiting:
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


def _download(request, meeting, invitations, build: PackBuild, password: str):
    """The PDF in an encrypted zip, if it still shows exactly the records the reader may see
    now (ADR 0005: pack access that has closed, ownership returned, an item added or taken
    off); otherwise it is out of date and the reader is asked to prepare it again."""
    context = pack_context(meeting, request.user, invitations)
    if sorted({record_key(r) for r in context["records"]}) != build.records:
        return render(
            request,
            "channel_panel/pack_pdf_status.html",
            {"meeting": meeting, "build": None, "failed": None, "out_of_date": True},
        )
    pdf = services.pack_pdf_downloaded(build=build, acting_user=request.user)
    log_access(request, context["records"], view="channel_panel:pack_pdf")
    name = f"panel-pack-{meeting.meets_on.isoformat()}"
    content = encrypted_zip({f"{name}.pdf": pdf}, password)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}.zip"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@recent_authentication_required
def pack_pdf_prepare(request, pk):
    """Ask for the PDF of the pack as the reader may see it: built in the background."""
    meeting, _ = _reader_meeting(request, pk)
    services.pack_pdf_request(meeting=meeting, acting_user=request.user)
    return redirect("channel_panel:pack_pdf", pk=meeting.pk)


urlpatterns: list = [
    path("meetings/<int:pk>/pack/", pack, name="pack"),
    path("meetings/<int:pk>/pack.pdf", pack_pdf, name="pack_pdf"),
    path("meetings/<int:pk>/pack.pdf/prepare", pack_pdf_prepare, name="pack_pdf_prepare"),
]
