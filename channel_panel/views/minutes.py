"""The minutes beyond the decisions: the minute-taker, each item's discussion notes, the
action log (added at a meeting, closed by its owner), the owner's list of their actions and
the minutes document (PDF and DOCX). Thin: access -> form -> service -> redirect.

Who may do what: the chair's side (CHAIR_MEETINGS: panel chairs and the Coordinator) names
the minute-taker; they and the minute-taker write notes and add actions, on the items they
may see (``get_agenda_item_for_user``: 404 otherwise); an action is closed by its owner (or
a SPOC of the owning agency) or the minutes' writers; the document goes to those recorded in
the attendance, and the chair's side.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from channel_panel import services
from channel_panel.forms.minutes import ActionCloseForm, ActionForm, MinuteTakerForm, NotesForm
from channel_panel.lifecycle import NOTES
from channel_panel.minutes import minutes_docx, minutes_for, minutes_pdf
from channel_panel.models import (
    CHAIR_MEETINGS,
    AgendaItem,
    MeetingAction,
    MinuteTaker,
    get_agenda_item_for_user,
    get_meeting_action_for_user,
    get_meeting_for_user,
    writes_minutes,
)
from channel_panel.views.agenda import agenda_row
from prevent_portal.accounts.access import has_global_perm, roles_of
from prevent_portal.accounts.reauth import recent_authentication_required
from prevent_portal.audit.access_log import log_access
from prevent_portal.core.concurrency import StaleEdit
from prevent_portal.core.encrypted_download import encrypted_zip, password_page, password_take


def _writer_meeting(request, pk):
    """The meeting, for the minutes' writers only (403 for the rest of the panel)."""
    meeting = get_meeting_for_user(request.user, pk)
    if not writes_minutes(request.user, meeting):
        raise PermissionDenied
    return meeting


@require_http_methods(["GET", "POST"])
def minute_taker(request, pk):
    """The chair names a member of the panel to write the minutes with them."""
    meeting = get_meeting_for_user(request.user, pk, perm=CHAIR_MEETINGS)
    current = MinuteTaker.objects.filter(meeting=meeting).first()
    form = MinuteTakerForm(
        request.POST or None,
        initial={"user": current.user_id if current else None},
        area=meeting.area_id,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.minute_taker_name(
                meeting=meeting, user=form.cleaned_data["user"], acting_user=request.user
            )
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Minute-taker saved")
            return redirect("channel_panel:meeting_minutes", pk=meeting.pk)
    return render(request, "channel_panel/minutes_taker.html", {"meeting": meeting, "form": form})


@require_http_methods(["GET", "POST"])
def item_notes(request, pk, item_pk):
    """Write an item's discussion notes; rewrite them until the minutes are approved (the
    version guards against two writers), correct them after (a new entry)."""
    item = get_agenda_item_for_user(request.user, pk, item_pk)
    meeting = item.meeting
    if not writes_minutes(request.user, meeting):
        raise PermissionDenied
    row = agenda_row(meeting, request.user, item.pk)
    log_access(request, row.records(), view="channel_panel:meeting_item_notes")
    current = services.current_note(item)
    step = {"none": "write", "draft": "rewrite", "approved": "correct"}[NOTES.state_of(item)]
    form = NotesForm(
        request.POST or None,
        initial={
            "text": current.text if current and step == "rewrite" else "",
            "version": current.version if current else None,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.item_notes_write(
                item=item,
                text=form.cleaned_data["text"],
                expected_version=form.cleaned_data["version"],
                acting_user=request.user,
            )
        except (StaleEdit, ValueError) as exc:
            form.add_error(None, str(exc))
        else:
            done = "Correction recorded" if step == "correct" else "Notes saved"
            messages.success(request, f"{done}: item {item.position}")
            return redirect("channel_panel:meeting_minutes", pk=meeting.pk)
    return render(
        request,
        "channel_panel/minutes_item_notes.html",
        {
            "meeting": meeting,
            "row": row,
            "current": current,
            "step": step,
            "form": form,
            "needed": NOTES.needed(step, item, text="x"),
        },
    )


@require_http_methods(["GET", "POST"])
def action_add(request, pk):
    """Add an action to the meeting's log: about the meeting, or one item the writer sees."""
    meeting = _writer_meeting(request, pk)
    items = list(
        AgendaItem.objects.visible_to(request.user).filter(meeting=meeting).order_by("position")
    )
    form = ActionForm(request.POST or None, items=items, area=meeting.area_id)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        kind, owner = data["owner"]
        try:
            services.meeting_action_add(
                meeting=meeting,
                item=data["item"],
                description=data["description"],
                due_on=data["due_on"],
                owner_user=owner if kind == "user" else None,
                owner_agency=owner if kind == "agency" else None,
                acting_user=request.user,
            )
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Action added")
            return redirect("channel_panel:meeting_minutes", pk=meeting.pk)
    return render(
        request, "channel_panel/minutes_action_add.html", {"meeting": meeting, "form": form}
    )


@require_http_methods(["GET", "POST"])
def action_close(request, pk, meeting_action_pk):
    """Mark an action done or cancel it (with a reason): its owner, or the minutes' writers."""
    action = get_meeting_action_for_user(request.user, meeting_action_pk, perm="change")
    if action.meeting_id != pk:
        from django.http import Http404

        raise Http404("No such action on this meeting")
    if action.item_id:
        item = action.item
        log_access(
            request,
            [r for r in (item.case, item.referral) if r is not None],
            view="channel_panel:meeting_action_close",
        )
    form = ActionCloseForm(request.POST or None, initial={"version": action.version})
    if action.status != MeetingAction.Status.OPEN:
        form = None
    elif request.method == "POST" and form.is_valid():
        try:
            services.meeting_action_close(
                action=action,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
                acting_user=request.user,
            )
        except (StaleEdit, ValueError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Action marked {action.get_status_display().lower()}")
            return redirect("channel_panel:meeting_actions")
    return render(
        request,
        "channel_panel/minutes_action_close.html",
        {"action": action, "form": form, "today": timezone.localdate()},
    )


@require_GET
def my_actions(request):
    """The actions the signed-in user owns, or their agency owns (as its SPOC), that they
    may see: open first, by due date. The home page links here."""
    if not roles_of(request.user):
        raise PermissionDenied
    actions = list(
        MeetingAction.objects.visible_to(request.user)
        .owned_by(request.user)
        .select_related("meeting", "owner_user", "owner_agency", "item__case", "item__referral")
        .order_by("status", "due_on", "pk")
    )
    records = [
        r
        for action in actions
        if action.item_id
        for r in (action.item.case, action.item.referral)
        if r is not None
    ]
    log_access(request, records, view="channel_panel:meeting_actions")
    return render(
        request,
        "channel_panel/minutes_my_actions.html",
        {
            "open": [a for a in actions if a.status == MeetingAction.Status.OPEN],
            "closed": [a for a in actions if a.status != MeetingAction.Status.OPEN],
            "today": timezone.localdate(),
        },
    )


def _may_download(user, meeting) -> bool:
    """The minutes go to the attendees only (anyone recorded in the attendance, present,
    with apologies or absent: the membership list), and the chair's side."""
    return has_global_perm(user, CHAIR_MEETINGS) or meeting.attendance.filter(user=user).exists()


@require_GET
@recent_authentication_required
def minutes_download(request, pk):
    """The minutes as PDF and DOCX, built for the downloader (only the items they may see),
    handed over in one AES-encrypted zip (they leave the system, security finding F15)."""
    meeting = get_meeting_for_user(request.user, pk)
    if not _may_download(request.user, meeting):
        raise PermissionDenied
    key = f"minutes:{pk}"
    password = password_take(request, key) if request.GET.get("download") else None
    if password is None:
        return password_page(
            request,
            key=key,
            title="Download the minutes",
            what=f"The minutes of the meeting on {meeting.meets_on:%-d %B %Y}, as PDF and Word",
            download={
                "method": "get",
                "url": f"{request.path}?download=1",
                "label": "Download the minutes (PDF and Word in an encrypted zip file)",
            },
            back_url=reverse("channel_panel:meeting_minutes", args=[meeting.pk]),
        )
    minutes = minutes_for(meeting, request.user)
    log_access(request, minutes.records(), view="channel_panel:meeting_minutes_download")
    name = f"minutes-{meeting.meets_on.isoformat()}"
    content = encrypted_zip(
        {
            f"{name}.pdf": minutes_pdf(minutes, request.user, request),
            f"{name}.docx": minutes_docx(minutes, request.user),
        },
        password,
    )
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}.zip"'
    response["Cache-Control"] = "no-store"
    return response


urlpatterns: list = [
    path("meetings/actions/", my_actions, name="meeting_actions"),
    path("meetings/<int:pk>/minute-taker/", minute_taker, name="meeting_minute_taker"),
    path("meetings/<int:pk>/agenda/<int:item_pk>/notes/", item_notes, name="meeting_item_notes"),
    path("meetings/<int:pk>/actions/add/", action_add, name="meeting_action_add"),
    path(
        "meetings/<int:pk>/actions/<int:meeting_action_pk>/",
        action_close,
        name="meeting_action_close",
    ),
    path("meetings/<int:pk>/minutes/download/", minutes_download, name="meeting_minutes_download"),
]
