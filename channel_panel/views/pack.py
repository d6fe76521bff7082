"""The panel pack of a meeting: a page, and the same pack as an A4 PDF.

Open to the meeting's invitees, panel chairs and the Coordinator. Each agenda item is shown
in full only if the reader may see its case or referral now (their agency's, or through the
meeting's time-limited pack access); the rest are listed without personal data. Every
opening writes an access entry for each record shown.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from channel_panel.assessments import completed_history, drafts_assessments, history_with_changes
from channel_panel.models import PanelMeeting
from channel_panel.services import pack_is_open
from channel_panel.views.agenda import access_records, agenda_rows
from channel_panel.views.meetings import CHAIR, PANEL_ROLES
from prevent_portal.accounts.access import global_perm_area_ids, has_role
from prevent_portal.accounts.reauth import recent_authentication_required
from prevent_portal.audit.access_log import log_access
from prevent_portal.core.encrypted_download import encrypted_zip, password_page, password_take


def _reader_meeting(request, pk) -> tuple[PanelMeeting, list]:
    """The meeting, for a reader allowed to open its pack: the meeting's invitees (a case
    manager invited for one item need not be on the panel), panel chairs and the
    Coordinator; 403 for anyone else."""
    # Meetings the reader may hear of at all (their area's panel, or an invitation): another
    # area's meeting is not there (404).
    meeting = get_object_or_404(
        PanelMeeting.objects.visible_to(request.user).select_related("chair"), pk=pk
    )
    invitations = list(meeting.invitees.filter(user=request.user).values_list("for_item_id"))
    if not invitations and meeting.area_id not in global_perm_area_ids(request.user, CHAIR):
        raise PermissionDenied
    return meeting, invitations


def _pack(request, pk, *, view: str) -> dict:
    """The pack's context for a reader allowed to open it (``_reader_meeting``), logged."""
    meeting, invitations = _reader_meeting(request, pk)
    rows = agenda_rows(meeting, request.user, detail=True)
    assessments = pack_assessments(rows, request.user)
    log_access(request, [*access_records(rows), *assessments], view=view)
    opens, closes = meeting.pack_window()
    today = timezone.localdate()
    return {
        "meeting": meeting,
        "rows": rows,
        "pack_opens": opens,
        "pack_closes": closes,
        "pack_open": pack_is_open(meeting),
        # A whole-meeting invitee before the window opens will see the items from then.
        "pack_pending": today < opens and (None,) in invitations,
        "generated_at": timezone.localtime(),
        "on_the_panel": has_role(request.user, *PANEL_ROLES),
        "drafts_assessments": drafts_assessments(request.user),
    }


def pack_assessments(rows, reader) -> list:
    """Give each row the reader sees in full its vulnerability assessment as the panel reads
    it (``row.assessment``: the latest completed, the one before, what changed between them;
    None when there is none yet), and return the assessments shown, for the access log. Two
    queries, however many items."""
    referral_ids = {row.referral.pk for row in rows if row.referral is not None}
    history = completed_history(referral_ids, reader)
    shown = []
    for row in rows:
        found = history.get(row.referral.pk, []) if row.referral is not None else []
        row.assessment = history_with_changes(found[-2:])[-1] if found else None
        if row.assessment is not None:
            shown.append(row.assessment[0])
    return shown


@require_GET
def pack(request, pk):
    context = _pack(request, pk, view="channel_panel:pack")
    return render(request, "channel_panel/pack.html", context)


@require_GET
@recent_authentication_required
def pack_pdf(request, pk):
    """The same pack as an A4 PDF with page numbers and the protective marking, handed over
    in an AES-encrypted zip (it leaves the system): the page first shows a password once,
    and its link (``?download=1``) takes the password and downloads the zip."""
    key = f"panel-pack:{pk}"
    password = password_take(request, key) if request.GET.get("download") else None
    if password is None:
        meeting, _ = _reader_meeting(request, pk)
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
    from weasyprint import HTML  # a heavy import, needed only here

    context = _pack(request, pk, view="channel_panel:pack_pdf")
    html = render_to_string("channel_panel/pack_pdf.html", context, request=request)
    name = f"panel-pack-{context['meeting'].meets_on.isoformat()}"
    content = encrypted_zip({f"{name}.pdf": HTML(string=html).write_pdf()}, password)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}.zip"'
    response["Cache-Control"] = "no-store"
    return response


urlpatterns: list = [
    path("meetings/<int:pk>/pack/", pack, name="pack"),
    path("meetings/<int:pk>/pack.pdf", pack_pdf, name="pack_pdf"),
]
