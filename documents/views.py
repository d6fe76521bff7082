"""Upload, download and delete documents. Thin: access -> form -> service -> redirect.

Downloads: through ``get_document_for_user`` only (404 otherwise), logged as an access entry,
always an attachment (never shown inline) with a plain ASCII filename and its UTF-8 form,
``nosniff`` and ``no-store``. No URL serves the storage itself.
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from channel_panel.models import MANAGE_MEETINGS, get_case_for_user, get_meeting_for_user
from documents import scanning, services
from documents.forms import DocumentDeleteForm, DocumentUploadForm
from documents.models import Document, ascii_filename, document_storage, get_document_for_user
from prevent_portal.accounts.access import has_role, require_role
from prevent_portal.accounts.models import Role
from prevent_portal.audit.access_log import log_access
from referrals.models import get_asked_request_for_user, get_referral_for_user

app_name = "documents"


def _upload(request, *, record, view: str, back_url: str, caption: str, logged: list):
    posted = request.method == "POST"
    form = DocumentUploadForm(request.POST if posted else None, request.FILES if posted else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.document_upload(
                record=record,
                upload=data["file"],
                title=data["title"],
                reason=data["reason"],
                acting_user=request.user,
            )
        except services.DocumentRefused as refused:
            form.add_error("file", str(refused))
        else:
            messages.success(request, "Document uploaded")
            return redirect(back_url)
    log_access(request, logged, view=view)
    return render(
        request,
        "documents/upload.html",
        {
            "form": form,
            "back_url": back_url,
            "caption": caption,
            "scanning": scanning.is_scanning(),
        },
    )


@require_http_methods(["GET", "POST"])
def referral_upload(request, pk):
    """Add a document to a referral: those who may add information to it (the Coordinator,
    the owning agency's SPOC)."""
    referral = get_referral_for_user(request.user, pk, perm="add_information")
    return _upload(
        request,
        record=referral,
        view="documents:referral_upload",
        back_url=reverse("referrals:detail", args=[referral.pk]),
        caption=f"Referral {referral.reference}",
        logged=[referral],
    )


@require_http_methods(["GET", "POST"])
def case_upload(request, pk):
    """Add a document to a Channel case: those who may change it."""
    case = get_case_for_user(request.user, pk, perm="change")
    return _upload(
        request,
        record=case,
        view="documents:case_upload",
        back_url=reverse("channel_panel:case_detail", args=[case.pk]),
        caption=f"Channel case {case.reference}",
        logged=[case],
    )


@require_http_methods(["GET", "POST"])
def meeting_upload(request, pk):
    """Add minutes or papers to a panel meeting: those who manage meetings."""
    meeting = get_meeting_for_user(request.user, pk, perm=MANAGE_MEETINGS)
    return _upload(
        request,
        record=meeting,
        view="documents:meeting_upload",
        back_url=reverse("channel_panel:meeting_detail", args=[meeting.pk]),
        caption=str(meeting),
        logged=[],
    )


@require_http_methods(["GET", "POST"])
def request_upload(request, pk):
    """The SPOC asked adds a document to their answer, while the request is open to them."""
    require_role(request.user, Role.SPOC)
    info = get_asked_request_for_user(request.user, pk)
    return _upload(
        request,
        record=info,
        view="documents:request_upload",
        back_url=reverse("referrals:information_request_answer", args=[info.pk]),
        caption=f"Information request for referral {info.referral.reference}",
        logged=[info.referral],
    )


def _filename(document: Document) -> str:
    extension = {"jpeg": ".jpg"}.get(document.kind, f".{document.kind}")
    stem = document.original_name.rsplit(".", 1)[0] if "." in document.original_name else ""
    return f"{stem or 'document'}{extension}"


@require_GET
def document_download(request, pk):
    """One document, to anyone who sees its record: as an attachment, logged."""
    document = get_document_for_user(request.user, pk)
    try:
        handle = document_storage().open(document.storage_name, "rb")
    except FileNotFoundError:
        raise Http404("The file is missing") from None
    parent = document.parent
    log_access(
        request,
        [document] + ([parent] if not hasattr(parent, "meets_on") else []),
        view="documents:download",
    )
    name = _filename(document)
    response = FileResponse(handle, content_type=document.content_type)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_filename(name)}\"; filename*=UTF-8''{quote(name, safe='')}"
    )
    response["Content-Length"] = str(document.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _back_url(document: Document) -> str:
    if document.referral_id:
        return reverse("referrals:detail", args=[document.referral_id])
    if document.case_id:
        return reverse("channel_panel:case_detail", args=[document.case_id])
    if document.meeting_id:
        return reverse("channel_panel:meeting_detail", args=[document.meeting_id])
    return reverse("referrals:detail", args=[document.information_request.referral_id])


@require_http_methods(["GET", "POST"])
def document_delete(request, pk):
    """The Coordinator deletes a document, saying why; the file leaves storage."""
    document = get_document_for_user(request.user, pk)
    if not has_role(request.user, Role.COORDINATOR):
        raise PermissionDenied
    form = DocumentDeleteForm(request.POST if request.method == "POST" else None)
    back_url = _back_url(document)
    if request.method == "POST" and form.is_valid():
        try:
            services.document_delete(
                document=document, reason=form.cleaned_data["reason"], acting_user=request.user
            )
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Document deleted")
            return redirect(back_url)
    log_access(request, [document], view="documents:delete")
    return render(
        request,
        "documents/delete.html",
        {"form": form, "document": document, "back_url": back_url},
    )


urlpatterns = [
    path("referrals/<int:pk>/documents/add/", referral_upload, name="referral_upload"),
    path("panel/cases/<int:pk>/documents/add/", case_upload, name="case_upload"),
    path("panel/meetings/<int:pk>/documents/add/", meeting_upload, name="meeting_upload"),
    path(
        "referrals/information-requests/<int:pk>/documents/add/",
        request_upload,
        name="request_upload",
    ),
    path("documents/<int:pk>/download/", document_download, name="download"),
    path("documents/<int:pk>/delete/", document_delete, name="delete"),
]
