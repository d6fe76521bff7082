"""What a reader's panel pack holds: the page, the PDF the worker builds, and the check at
download that the PDF still holds what its reader may see. One definition for all three.

Open to the meeting's invitees, panel chairs and the Coordinator. Each agenda item is shown
in full only if the reader may see its case or referral now (their agency's, or through the
meeting's time-limited pack access); the rest are listed without personal data.
"""

from __future__ import annotations

from django.utils import timezone

from channel_panel.assessments import completed_history, drafts_assessments, history_with_changes
from channel_panel.models import CHAIR_MEETINGS, PANEL_ROLES, PanelMeeting
from channel_panel.services.pack import pack_is_open
from channel_panel.views.agenda import access_records, agenda_rows
from prevent_portal.accounts.access import global_perm_area_ids, has_role


def pack_invitations(meeting: PanelMeeting, reader) -> list[tuple[int | None]] | None:
    """The reader's invitations to the meeting ((item id or None,) each), or None when the
    reader may not open its pack: only its invitees (a case manager invited for one item need
    not be on the panel), panel chairs and the Coordinator may."""
    invitations = list(meeting.invitees.filter(user=reader).values_list("for_item_id"))
    # Chairing rights reach the meetings of the reader's own council areas only (rule 7).
    if not invitations and meeting.area_id not in global_perm_area_ids(reader, CHAIR_MEETINGS):
        return None
    return invitations


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


def pack_context(meeting: PanelMeeting, reader, invitations) -> dict:
    """The pack of ``meeting`` as ``reader`` may see it now; ``records`` are the records it
    shows in full (each opening or download writes an access entry for each)."""
    rows = agenda_rows(meeting, reader, detail=True)
    assessments = pack_assessments(rows, reader)
    opens, closes = meeting.pack_window()
    today = timezone.localdate()
    return {
        "meeting": meeting,
        "reader": reader,
        "rows": rows,
        "records": [*access_records(rows), *assessments],
        "pack_opens": opens,
        "pack_closes": closes,
        "pack_open": pack_is_open(meeting),
        # A whole-meeting invitee before the window opens will see the items from then.
        "pack_pending": today < opens and (None,) in invitations,
        "generated_at": timezone.localtime(),
        "on_the_panel": has_role(reader, *PANEL_ROLES),
        "drafts_assessments": drafts_assessments(reader),
    }


def pack_pdf_bytes(context: dict) -> bytes:
    """The pack as an A4 PDF with page numbers and the protective marking."""
    from django.template.loader import render_to_string
    from weasyprint import HTML  # a heavy import, needed only here

    return HTML(string=render_to_string("channel_panel/pack_pdf.html", context)).write_pdf()
