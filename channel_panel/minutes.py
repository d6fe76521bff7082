"""The minutes of a meeting as one reader may see them, and the minutes document (PDF and
DOCX) built from the same read.

The minutes are the attendance, each item's decision, its discussion notes and its
actions, this meeting's other actions and the actions carried forward from earlier
meetings. Personal data follows the agenda's rule (``views/agenda.py``): an item's notes
and actions are read only where the reader may see its case or referral, and every action
comes through ``MeetingAction.objects.visible_to``. In the document an item the reader may
not see is a bare "Item N: restricted" line: the numbering stays whole, so the reader can
tell an item was left out, and nothing of it (kind, decision, notes) is printed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils import timezone

from channel_panel.models import AgendaItem, ItemNote, MeetingAction, MinuteTaker, PanelMeeting
from channel_panel.views.agenda import AgendaRow, access_records, agenda_rows


@dataclass
class Minutes:
    meeting: PanelMeeting
    rows: list[AgendaRow]
    attendance: list
    quorate: bool
    missing: list
    minute_taker: MinuteTaker | None
    meeting_actions: list[MeetingAction] = field(default_factory=list)  # on no item
    carried: list[MeetingAction] = field(default_factory=list)

    def records(self) -> list:
        """What showing these minutes shows, for the access log: the visible items' records
        and the records of the items the actions are about."""
        records = access_records(self.rows)
        for action in self.carried:
            if action.item_id is not None:
                item = action.item
                records += [r for r in (item.case, item.referral) if r is not None]
        return records


def _actions():
    return MeetingAction.objects.select_related(
        "owner_user", "owner_agency", "item__case", "item__referral", "meeting", "closed_by"
    ).order_by("due_on", "pk")


def minutes_for(meeting: PanelMeeting, reader) -> Minutes:
    rows = agenda_rows(meeting, reader)
    # The discussion of an item is read by who may read it for case work: never by a
    # referrer who only referred the item's person (they see the item's status).
    readable = set(
        AgendaItem.objects.case_work_for(reader)
        .filter(meeting=meeting)
        .values_list("pk", flat=True)
    )
    visible = [row.item.pk for row in rows if row.visible and row.item.pk in readable]
    notes = ItemNote.objects.filter(item_id__in=visible).select_related("written_by")
    by_item: dict[int, list] = {}
    for note in notes.order_by("written_at", "pk"):
        by_item.setdefault(note.item_id, []).append(note)
    actions = list(_actions().visible_to(reader).filter(meeting=meeting))
    for row in rows:
        row.notes = by_item.get(row.item.pk, [])
        row.actions = [a for a in actions if a.item_id == row.item.pk] if row.visible else []
        row.note = note_in_force(row)
    attendance = list(meeting.attendance.select_related("user", "agency", "for_item"))
    quorate, missing = meeting.quorum() if attendance else (False, [])
    return Minutes(
        meeting=meeting,
        rows=rows,
        attendance=attendance,
        quorate=quorate,
        missing=missing,
        minute_taker=MinuteTaker.objects.filter(meeting=meeting).select_related("user").first(),
        meeting_actions=[a for a in actions if a.item_id is None],
        carried=list(_actions().visible_to(reader).carried_to(meeting)),
    )


def note_in_force(row: AgendaRow):
    corrected = {note.corrects_id for note in row.notes}
    current = [note for note in row.notes if note.pk not in corrected]
    return current[-1] if current else None


# --- The document ---------------------------------------------------------------------------
def _context(minutes: Minutes, reader) -> dict:
    return {
        "minutes": minutes,
        "meeting": minutes.meeting,
        "reader": reader,
        "generated_at": timezone.localtime(),
        "today": timezone.localdate(),
    }


def minutes_pdf(minutes: Minutes, reader, request=None) -> bytes:
    """The minutes as an A4 PDF (WeasyPrint, as the panel pack)."""
    from weasyprint import HTML  # a heavy import, needed only here

    html = render_to_string(
        "channel_panel/minutes_pdf.html", _context(minutes, reader), request=request
    )
    return HTML(string=html).write_pdf()


def _person(user) -> str:
    return user.get_full_name() or user.username


def _decision_line(entry) -> str:
    text = entry.get_outcome_display()
    if entry.signposted_to_id:
        text += f": {entry.signposted_to.name}"
    if entry.referred_to:
        text += f": {entry.referred_to}"
    return f"{text}. {entry.rationale}"


def _action_line(action: MeetingAction, today) -> str:
    status = action.get_status_display()
    if action.status == MeetingAction.Status.CANCELLED:
        status += f" ({action.cancelled_reason})"
    elif action.is_overdue(today):
        status += ", overdue"
    return (
        f"{action.description} Owner: {action.owner_name}. Due {action.due_on:%-d %B %Y}. {status}."
    )


def _item_heading(row: AgendaRow) -> str:
    heading = f"Item {row.item.position}: {row.item.get_kind_display()}"
    if row.item.title:
        heading += f": {row.item.title}"
    elif row.referral is not None:
        heading += f": {row.reference}, {row.person.full_name}"
    return heading


def minutes_docx(minutes: Minutes, reader) -> bytes:
    """The same minutes as a Word document (python-docx), for councils that file them so."""
    from docx import Document

    meeting, today = minutes.meeting, timezone.localdate()
    document = Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "OFFICIAL-SENSITIVE"
    title = "Minutes" if meeting.minutes_approved else "Draft minutes"
    document.add_heading(f"{title}: Channel Panel meeting on {meeting.meets_on:%-d %B %Y}", 0)
    document.add_paragraph(f"Chair: {_person(meeting.chair)}. {meeting.get_mode_display()}.")
    if minutes.minute_taker:
        document.add_paragraph(f"Minute-taker: {_person(minutes.minute_taker.user)}.")
    if meeting.minutes_approved:
        document.add_paragraph(f"Approved on {meeting.minutes_approved_at:%-d %B %Y}.")
    document.add_paragraph(
        f"Prepared for {_person(reader)} on {timezone.localtime():%-d %B %Y, %H:%M}. Items "
        "you may not see are listed as restricted. Do not share outside those who need to know."
    )
    document.add_heading("Attendance", 1)
    if minutes.attendance:
        table = document.add_table(rows=1, cols=3)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, ["Name", "Agency", "Attendance"], strict=True):
            cell.text = text
        for row in minutes.attendance:
            cells = table.add_row().cells
            cells[0].text = row.display_name
            cells[1].text = row.agency.name
            cells[2].text = row.get_status_display()
    else:
        document.add_paragraph("Attendance not recorded.")
    document.add_heading("Actions carried forward", 1)
    if minutes.carried:
        for action in minutes.carried:
            document.add_paragraph(
                f"From {action.meeting.meets_on:%-d %B %Y}: {_action_line(action, today)}",
                style="List Bullet",
            )
    else:
        document.add_paragraph("None.")
    document.add_heading("Items", 1)
    for row in minutes.rows:
        if not row.visible:
            document.add_paragraph(f"Item {row.item.position}: restricted")
            continue
        document.add_heading(_item_heading(row), 2)
        decision = row.decision
        if decision is not None:
            document.add_paragraph(f"Decision: {_decision_line(decision)}")
            for entry in row.corrected_entries:
                document.add_paragraph(
                    f"Corrected entry (no longer in force): {_decision_line(entry)}",
                    style="List Bullet",
                )
        current = row.note
        if current is not None:
            document.add_paragraph(f"Discussion: {current.text}")
            for note in row.notes:
                if note is not current:
                    document.add_paragraph(
                        f"Earlier notes, corrected on "
                        f"{_correction_of(row, note).written_at:%-d %B %Y}: {note.text}",
                        style="List Bullet",
                    )
            if current.corrects_id:
                document.add_paragraph(
                    f"Correction recorded {current.written_at:%-d %B %Y} by "
                    f"{_person(current.written_by)}."
                )
        for action in row.actions:
            document.add_paragraph(f"Action: {_action_line(action, today)}", style="List Bullet")
    if minutes.meeting_actions:
        document.add_heading("Other actions", 1)
        for action in minutes.meeting_actions:
            document.add_paragraph(_action_line(action, today), style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _correction_of(row: AgendaRow, note):
    return next((n for n in row.notes if n.corrects_id == note.pk), note)
