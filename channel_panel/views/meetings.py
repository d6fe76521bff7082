"""Channel Panel meetings views: the list, scheduling, the meeting page with its agenda,
invitees, attendance, decisions and minutes. Thin: access -> form -> service -> redirect.

Who may do what: the Coordinator everything (``manage_panelmeeting``); a panel chair the
business of the meeting: attendance, decisions, minutes, adding and reordering items and
inviting case managers (``chair_panelmeeting``); panel members read. Everyone else: 403.
Items are shown in full only to those who may see their case (see ``views/agenda.py``).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from channel_panel import services, work_waiting
from channel_panel.assessments import drafts_assessments
from channel_panel.forms.meetings import (
    AgendaItemForm,
    AgendaMoveForm,
    AttendanceForm,
    CorrectionForm,
    DecisionEditForm,
    DecisionForm,
    InviteeForm,
    MeetingActionForm,
    MeetingEditForm,
    MeetingHoldForm,
    MeetingScheduleForm,
    item_label,
)
from channel_panel.lifecycle import (
    MEETING,
    current_assessment,
    held_if_adopting_or_exiting,
    meeting_started,
)
from channel_panel.models import (
    CHAIR_MEETINGS,
    MANAGE_MEETINGS,
    PANEL_ROLES,
    AgendaItem,
    ChannelCase,
    Decision,
    MeetingAction,
    PanelMeeting,
    get_agenda_item_for_user,
    get_meeting_for_user,
)
from channel_panel.services.decisions import ALLOWED
from channel_panel.views.agenda import access_records, agenda_row, agenda_rows
from prevent_portal.accounts.access import area_ids_for, has_global_perm, require_role
from prevent_portal.accounts.models import Role
from prevent_portal.accounts.reauth import recent_authentication_required
from prevent_portal.audit.access_log import log_access
from prevent_portal.core.concurrency import StaleEdit
from referrals.models import Referral

MANAGE = MANAGE_MEETINGS
CHAIR = CHAIR_MEETINGS
PAGE_SIZE = 25


def get_meeting(request, pk, *, perm: str | None = None) -> PanelMeeting:
    return get_meeting_for_user(request.user, pk, perm=perm)


def get_item(request, pk, item_pk, *, perm: str | None = None) -> AgendaItem:
    """Every view that takes an agenda item (or a decision on one) comes through here:
    the meeting, and the item's case or referral, through the access module."""
    return get_agenda_item_for_user(request.user, pk, item_pk, perm=perm)


# Agenda items on a page of the meeting page: more than any real panel's agenda holds, so
# pages appear only for the longest (a synthetic meeting at scale 1 has 337).
AGENDA_PAGE_SIZE = 50


def _back(meeting: PanelMeeting, item: AgendaItem | None = None):
    """The meeting page; given ``item``, the page of the agenda that holds it, at the item."""
    url = reverse("channel_panel:meeting_detail", args=[meeting.pk])
    if item is None:
        return redirect(url)
    position = AgendaItem.objects.filter(pk=item.pk).values_list("position", flat=True).first()
    page = (position - 1) // AGENDA_PAGE_SIZE + 1 if position else 1
    return redirect(f"{url}?page={page}#item-{item.pk}" if page > 1 else f"{url}#item-{item.pk}")


# --- The list and scheduling --------------------------------------------------------------
# ``?waiting=``: the meetings the home page counts (channel_panel/work_waiting.py).
WAITING = {
    "undecided": (
        "Meetings with agenda items still to decide",
        lambda user, today, meetings: meetings.filter(
            pk__in=work_waiting.undecided_items(user, today).values("meeting_id")
        ),
    ),
    "minutes": (
        "Minutes waiting for your approval",
        lambda user, today, meetings: meetings.filter(
            pk__in=work_waiting.minutes_to_approve(user).values("pk")
        ),
    ),
    "packs": (
        "Panel packs open to you",
        lambda user, today, meetings: meetings.filter(
            pk__in=work_waiting.packs_open(user, today).values("pk")
        ),
    ),
}


@require_GET
def meeting_list(request):
    """Upcoming meetings (``PanelMeeting.upcoming_q``: by status and date), soonest first,
    then the rest, latest first."""
    require_role(request.user, *PANEL_ROLES)
    today = timezone.localdate()
    meetings = (
        PanelMeeting.objects.visible_to(request.user)
        .select_related("chair")
        .annotate(item_count=Count("items"))
    )
    waiting = WAITING.get(request.GET.get("waiting", ""))
    if waiting is not None:
        # The home page's links: just the meetings waiting for something (its rules).
        title, chosen = waiting
        return render(
            request,
            "channel_panel/meeting_list.html",
            {
                "waiting_title": title,
                "waiting": chosen(request.user, today, meetings).order_by("meets_on", "pk"),
                "can_schedule": False,
            },
        )
    upcoming = PanelMeeting.upcoming_q(today)
    past = Paginator(meetings.exclude(upcoming).order_by("-meets_on", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "channel_panel/meeting_list.html",
        {
            "upcoming": meetings.filter(upcoming).order_by("meets_on", "pk"),
            "page": past,
            "can_schedule": has_global_perm(request.user, MANAGE),
        },
    )


@require_http_methods(["GET", "POST"])
def meeting_schedule(request):
    require_role(request.user, *PANEL_ROLES)
    if not has_global_perm(request.user, MANAGE):
        raise PermissionDenied
    form = MeetingScheduleForm(
        request.POST or None,
        initial={"mode": PanelMeeting.Mode.IN_PERSON},
        # The chairs of the areas where the user may schedule (meeting_schedule's rule).
        areas=area_ids_for(request.user, [Role.COORDINATOR, Role.PANEL_CHAIR]),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.meeting_schedule(
                meets_on=data["meets_on"],
                chair=data["chair"],
                mode=data["mode"],
                starts_at=data["starts_at"],
                location=data["location"],
                acting_user=request.user,
            )
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Meeting scheduled for {meeting.meets_on:%-d %B %Y}")
            return _back(meeting)
    return render(request, "channel_panel/meeting_schedule.html", {"form": form})


@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk):
    meeting = get_meeting(request, pk, perm=MANAGE)
    form = MeetingEditForm(
        request.POST or None,
        initial={
            "meets_on": meeting.meets_on,
            "starts_at": meeting.starts_at,
            "mode": meeting.mode,
            "location": meeting.location,
            "chair": meeting.chair_id,
            "version": meeting.version,
        },
        areas=meeting.area_id,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.meeting_update(
                meeting=meeting,
                meets_on=data["meets_on"],
                chair=data["chair"],
                mode=data["mode"],
                starts_at=data["starts_at"],
                location=data["location"],
                expected_version=data["version"],
                acting_user=request.user,
            )
        except (StaleEdit, ValueError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Meeting details saved")
            return _back(meeting)
    return render(request, "channel_panel/meeting_edit.html", {"meeting": meeting, "form": form})


# --- The meeting page ---------------------------------------------------------------------
def approval_blockers(meeting: PanelMeeting) -> list[str]:
    """Why the minutes cannot be approved yet (nothing if they can): the lifecycle's
    answer, so the page and the service say the same."""
    if meeting.minutes_approved:
        return []
    if meeting.status == PanelMeeting.Status.PLANNED:
        return ["The meeting has not been marked as held."]
    return MEETING.needed("approve_minutes", meeting)


# What the invitees' table shows of each (and the keys: whose invitation it is, for which
# item, and the meeting, which the related manager checks), not every column of the user, the
# agency and the item.
_INVITEE_SHOWN = (
    "meeting",
    "user__first_name",
    "user__last_name",
    "user__username",
    "agency__name",
    "for_item__position",
)


def render_meeting(request, meeting: PanelMeeting, *, action_form=None, status=200):
    """The meeting page. ``action_form``: a button's form that failed, whose errors head the
    page (the agenda is then shown as it is now)."""
    user = request.user
    # The agenda a page at a time: a page's cost (its rows, and an access entry for each
    # record they show) stays bounded however long the agenda (issue 18: 337 items took
    # the page over a second). The move buttons still carry the whole order.
    order = list(meeting.items.order_by("position", "pk").values_list("pk", flat=True))
    page = Paginator(order, AGENDA_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = (
        agenda_rows(
            meeting, user, brief=True, bounds=slice(page.start_index() - 1, page.end_index())
        )
        if order
        else []
    )
    # The actions carried are chosen first and only they are checked against what the user
    # may see: PostgreSQL otherwise checked every action against every agenda item the
    # user may read before looking at the meeting (30-130 ms at scale 1, issue 18).
    carried_ids = list(MeetingAction.objects.carried_to(meeting).values_list("pk", flat=True))
    # (Nothing carried: the visibility query, itself costly to build, is not built at all.)
    carried = (
        list(
            MeetingAction.objects.visible_to(user)
            .filter(pk__in=carried_ids)
            .select_related("meeting", "owner_user", "owner_agency", "item__case", "item__referral")
            .order_by("due_on", "pk")
        )
        if carried_ids
        else []
    )
    # An action about an item speaks of its case: reading it is reading the case.
    about = [r for a in carried if a.item_id for r in (a.item.case, a.item.referral) if r]
    log_access(request, [*access_records(rows), *about], view="channel_panel:meeting_detail")
    # The attendance, the core agencies and the invitees each read once: the quorum, the
    # invitees' table and the user's own invitations all come from them (they were six
    # queries, each a short transaction of its own behind the area wall).
    attendance = list(meeting.attendance.order_by().values_list("agency_id", "status"))
    core_agencies = list(meeting.core_agencies.all())
    attended = bool(attendance)
    quorate, missing = meeting.quorum(attendance, core_agencies) if attended else (False, [])
    errors = []
    holding = isinstance(action_form, MeetingHoldForm)
    if action_form is not None:
        errors = [
            {"message": message, "href": "#hold" if holding else "#agenda"}
            for messages_ in action_form.errors.values()
            for message in messages_
        ]
    can_manage = has_global_perm(user, MANAGE)
    can_chair = has_global_perm(user, CHAIR)
    holdable = can_chair and meeting.status == PanelMeeting.Status.PLANNED
    pack_opens, pack_closes = meeting.pack_window()
    invitees = list(
        meeting.invitees.select_related("user", "agency", "for_item").only(*_INVITEE_SHOWN)
    )
    invitations = [invitee.for_item_id for invitee in invitees if invitee.user_id == user.pk]
    return render(
        request,
        "channel_panel/meeting_detail.html",
        {
            "meeting": meeting,
            "rows": rows,
            "agenda_page": page,
            "agenda_order": ",".join(str(pk) for pk in order),
            "invitees": invitees,
            "attendance_recorded": attended,
            "quorate": quorate,
            "missing": missing,
            "core_agencies": core_agencies,
            "can_manage": can_manage and not meeting.minutes_approved,
            "can_chair": can_chair and not meeting.minutes_approved,
            "can_approve": can_chair,
            "blockers": approval_blockers(meeting) if can_chair else [],
            # Before "Mark as held": what is still needed, and whether it may be tried.
            "hold_needed": MEETING.needed("hold", meeting) if holdable else [],
            "has_started": meeting.has_started(),
            "quorate_now": quorate if attended else not core_agencies,
            "pack_opens": pack_opens,
            "pack_closes": pack_closes,
            "pack_pending": None in invitations and timezone.localdate() < pack_opens,
            "can_open_pack": bool(invitations) or can_chair,
            "errors": errors,
            "form": action_form,
            # The reason box keeps what was typed when holding fails, with its character count.
            "hold_form": action_form if holding else MeetingHoldForm(),
            # Actions of earlier meetings still open: on this agenda until they are done.
            "carried": carried,
            "today": timezone.localdate(),
        },
        status=status,
    )


@require_GET
def meeting_detail(request, pk):
    """Date, time, mode, chair, status, quorum, invitees and the agenda in order."""
    return render_meeting(request, get_meeting(request, pk))


@require_POST
def agenda_build(request, pk):
    meeting = get_meeting(request, pk, perm=MANAGE)
    try:
        added = services.agenda_build(meeting=meeting, acting_user=request.user)
    except ValueError as exc:
        form = MeetingActionForm({"version": meeting.version})
        form.is_valid()
        form.add_error(None, str(exc))
        return render_meeting(request, meeting, action_form=form)
    messages.success(
        request,
        f"{len(added)} item{'s' if len(added) != 1 else ''} added to the agenda"
        if added
        else "The agenda already holds everything due: nothing added",
    )
    return _back(meeting)


def _addable(meeting: PanelMeeting, user):
    """What ``user`` may put on the agenda: only what they can see, and not there yet."""
    referrals = (
        Referral.objects.visible_to(user)
        .ready_for_panel()  # passed to panel, not a case, gateway allows (referrals)
        .exclude(agenda_items__meeting=meeting)
        .select_related("person")
        .order_by("decided_on", "pk")
    )
    cases = (
        ChannelCase.objects.visible_to(user)
        .open()
        .exclude(agenda_items__meeting=meeting)
        .select_related("referral__person")
        .order_by("reference")
    )
    return referrals, cases


@require_http_methods(["GET", "POST"])
def agenda_item_add(request, pk):
    """The chair or the Coordinator adds other business, a referral passed to panel or an
    open case, chosen from what they can see."""
    meeting = get_meeting(request, pk, perm=CHAIR)
    referrals, cases = _addable(meeting, request.user)
    form = AgendaItemForm(request.POST or None, referrals=referrals, cases=cases)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        source = data["source"]
        try:
            services.agenda_item_add(
                meeting=meeting,
                title=data["title"] if source == "other" else "",
                referral=data["referral"] if source == "referral" else None,
                case=data["case"] if source == "case" else None,
                acting_user=request.user,
            )
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Item added to the agenda")
            return _back(meeting)
    referrals, cases = list(referrals), list(cases)
    log_access(
        request,
        [*referrals, *(r.person for r in referrals), *cases, *(c.referral.person for c in cases)],
        view="channel_panel:meeting_item_add",
    )
    return render(
        request,
        "channel_panel/meeting_item_add.html",
        {"meeting": meeting, "form": form, "has_choices": bool(referrals or cases)},
    )


@require_POST
def agenda_item_move(request, pk, item_pk):
    """Move an item up or down. The form carries the meeting's version: if someone else
    changed the order first, nothing moves and the user is told what they asked for."""
    item = get_item(request, pk, item_pk, perm=CHAIR)
    meeting = item.meeting
    form = AgendaMoveForm(request.POST)
    if form.is_valid():
        up = form.cleaned_data["direction"] == "up"
        try:
            services.agenda_item_move(
                item=item,
                up=up,
                expected_version=form.cleaned_data["version"],
                expected_order=form.cleaned_data["order"],
                acting_user=request.user,
            )
        except StaleEdit as exc:
            form.add_error(
                None,
                f"{exc} You asked to move {item_label(item).lower()} {'up' if up else 'down'}: "
                "the agenda below is as it is now.",
            )
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{item_label(item)} moved {'up' if up else 'down'}")
            return _back(meeting, item)
    meeting.refresh_from_db()
    return render_meeting(request, meeting, action_form=form)


@require_POST
def agenda_item_remove(request, pk, item_pk):
    item = get_item(request, pk, item_pk, perm=MANAGE)
    meeting = item.meeting
    try:
        services.agenda_item_remove(item=item, acting_user=request.user)
    except ValueError as exc:
        form = MeetingActionForm({"version": meeting.version})
        form.is_valid()
        form.add_error(None, str(exc))
        return render_meeting(request, meeting, action_form=form)
    messages.success(request, f"{item_label(item)} taken off the agenda")
    return _back(meeting)


# --- Invitees -----------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@recent_authentication_required
def invitee_add(request, pk):
    """Invite someone, usually a case manager for one item (they then see that item only).
    An invitation opens the pack's personal data to them, a share in all but name: the
    chair confirms it is them when their sign-in is not recent."""
    meeting = get_meeting(request, pk, perm=CHAIR)
    items = list(meeting.items.exclude(kind=AgendaItem.Kind.OTHER).order_by("position"))
    form = InviteeForm(request.POST or None, items=items, area=meeting.area_id)
    if request.method == "POST" and form.is_valid():
        user, agency = form.cleaned_data["person"]
        try:
            services.invitee_add(
                meeting=meeting,
                user=user,
                agency=agency,
                for_item=form.cleaned_data["for_item"],
                acting_user=request.user,
            )
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{user.get_full_name() or user.username} invited")
            return _back(meeting)
    return render(
        request, "channel_panel/meeting_invitee_add.html", {"meeting": meeting, "form": form}
    )


@require_POST
def invitee_remove(request, pk, invitee_pk):
    meeting = get_meeting(request, pk, perm=CHAIR)
    invitee = get_object_or_404(meeting.invitees.select_related("user"), pk=invitee_pk)
    try:
        services.invitee_remove(invitee=invitee, acting_user=request.user)
    except ValueError as exc:
        form = MeetingActionForm({"version": meeting.version})
        form.is_valid()
        form.add_error(None, str(exc))
        return render_meeting(request, meeting, action_form=form)
    name = invitee.user.get_full_name() or invitee.user.username
    messages.success(request, f"Invitation to {name} withdrawn")
    return _back(meeting)


# --- Attendance, held, minutes ------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def attendance(request, pk):
    """One row per invitee, and people without an account; saving replaces the record."""
    meeting = get_meeting(request, pk, perm=CHAIR)
    invitees = list(meeting.invitees.select_related("user", "agency", "for_item"))
    recorded = list(meeting.attendance.select_related("agency"))
    named = [row for row in recorded if row.user_id is None]
    by_user = {(row.user_id, row.for_item_id): row.status for row in recorded if row.user_id}
    initial = {"version": meeting.version}
    for invitee in invitees:
        status = by_user.get((invitee.user_id, invitee.for_item_id))
        if status:
            initial[f"invitee_{invitee.pk}"] = status
    initial.update({f"named_{row.pk}": row.status for row in named})
    form = AttendanceForm(request.POST or None, initial=initial, invitees=invitees, named=named)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        entries = []
        for key, invitee, row in form.rows:
            if invitee is not None:
                entries.append(
                    services.AttendanceEntry(
                        agency=invitee.agency,
                        status=data[key],
                        user=invitee.user,
                        for_item=invitee.for_item,
                    )
                )
            elif data[key] != "remove":
                entries.append(
                    services.AttendanceEntry(agency=row.agency, status=data[key], name=row.name)
                )
        if data.get("extra_name"):
            entries.append(
                services.AttendanceEntry(
                    agency=data["extra_agency"],
                    status=data["extra_status"],
                    name=data["extra_name"],
                )
            )
        try:
            services.attendance_record(
                meeting=meeting,
                entries=entries,
                expected_version=data["version"],
                acting_user=request.user,
            )
        except (StaleEdit, ValueError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Attendance saved")
            return _back(meeting)
    return render(
        request, "channel_panel/meeting_attendance.html", {"meeting": meeting, "form": form}
    )


def _meeting_action(request, pk, service, success: str, form_class=MeetingActionForm, **extra):
    """A button on the meeting page that carries the meeting's version."""
    meeting = get_meeting(request, pk, perm=CHAIR)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            service(
                meeting=meeting,
                expected_version=form.cleaned_data["version"],
                acting_user=request.user,
                **{name: form.cleaned_data[name] for name in extra},
            )
        except (StaleEdit, ValueError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, success)
            return _back(meeting)
    meeting.refresh_from_db()
    return render_meeting(request, meeting, action_form=form)


@require_POST
def meeting_mark_held(request, pk):
    """Mark as held: not before the meeting starts; without quorum only with the chair's
    confirmation and reason (the lifecycle refuses otherwise, and says why)."""
    return _meeting_action(
        request,
        pk,
        services.meeting_mark_held,
        "Meeting marked as held",
        form_class=MeetingHoldForm,
        confirm_inquorate=True,
        inquorate_reason=True,
    )


@require_POST
def minutes_approve(request, pk):
    return _meeting_action(request, pk, services.minutes_approve, "Minutes approved")


@require_GET
def minutes(request, pk):
    """The meeting's record: attendance, quorum, each item with its decision in force, its
    discussion notes and actions (and any corrections), this meeting's other actions and
    those carried forward. Personal data only on items the reader may see
    (``channel_panel.minutes``)."""
    from channel_panel.minutes import minutes_for
    from channel_panel.models import writes_minutes

    meeting = get_meeting(request, pk)
    record = minutes_for(meeting, request.user)
    log_access(request, record.records(), view="channel_panel:meeting_minutes")
    writer = writes_minutes(request.user, meeting)
    return render(
        request,
        "channel_panel/meeting_minutes.html",
        {
            "meeting": meeting,
            "minutes": record,
            "rows": record.rows,
            "attendance": record.attendance,
            "quorate": record.quorate,
            "missing": record.missing,
            "can_correct": has_global_perm(request.user, CHAIR),
            "can_write": writer,
            "can_name_taker": has_global_perm(request.user, CHAIR) and not meeting.minutes_approved,
            "can_download": has_global_perm(request.user, CHAIR)
            or meeting.attendance.filter(user=request.user).exists(),
            "today": timezone.localdate(),
        },
    )


# --- Decisions ----------------------------------------------------------------------------
def _decision_row(request, pk, item_pk):
    """The item's row for a decision page: through ``get_item`` (so 404 unless the reader
    may see the item's case or referral), never other business, and logged, since the
    page shows the case."""
    item = get_item(request, pk, item_pk, perm=CHAIR)
    row = agenda_row(item.meeting, request.user, item.pk)
    if row is None or not row.is_case_item or not row.visible:
        raise Http404("No such agenda item")
    log_access(request, row.records(), view=request.resolver_match.view_name)
    return item.meeting, row


def _outcome_details(data) -> dict:
    """A decision form's values as the decision services take them."""
    return {
        "outcome": data["outcome"],
        "rationale": data["rationale"],
        "signposted_to": data.get("signposted_to"),
        "referred_to": data.get("referred_to") or "",
        "lead_agency": data.get("lead_agency"),
        "case_manager": (data.get("case_manager") or (None,))[0],
        "exit_reason": data.get("exit_reason"),
        "return_ownership_to": data.get("return_ownership_to"),
    }


@require_http_methods(["GET", "POST"])
def decision(request, pk, item_pk):
    """Record the panel's decision on an item, or reword it until the minutes are
    approved (the version guards against two people editing it at once). After approval
    a decision can only be corrected."""
    meeting, row = _decision_row(request, pk, item_pk)
    current = row.decision
    if current is not None and meeting.minutes_approved:
        return redirect(
            "channel_panel:meeting_decision_correct", pk=meeting.pk, decision_pk=current.pk
        )
    if meeting.minutes_approved:
        raise Http404("The minutes are approved: no decision can be added")
    if current is None:
        form = DecisionForm(request.POST or None, item=row.item)
    else:
        form = DecisionEditForm(
            request.POST or None,
            decision=current,
            initial={
                "rationale": current.rationale,
                "signposted_to": current.signposted_to_id,
                "referred_to": current.referred_to,
                "version": current.version,
            },
        )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if current is None:
                services.decision_record(
                    item=row.item, acting_user=request.user, **_outcome_details(data)
                )
            else:
                services.decision_update(
                    decision=current,
                    rationale=data["rationale"],
                    signposted_to=data.get("signposted_to"),
                    referred_to=data.get("referred_to") or "",
                    expected_version=data["version"],
                    acting_user=request.user,
                )
        except (StaleEdit, ValueError) as exc:
            form.add_error(None, str(exc))
            if current is not None:
                current.refresh_from_db()
        else:
            done = "recorded" if current is None else "saved"
            messages.success(request, f"Decision {done}: {item_label(row.item)}")
            return _back(meeting)
    return render(
        request,
        "channel_panel/meeting_decision.html",
        {
            "meeting": meeting,
            "row": row,
            "current": current,
            "form": form,
            # Told before they try: decisions wait for the meeting to start.
            "not_yet": None
            if current is not None or meeting_started.holds(row.item, {})
            else meeting_started.explain(row.item, {}),
            # And adoption or exit waits for the meeting to be marked held.
            "held_first": None
            if current is not None
            or meeting.status != PanelMeeting.Status.PLANNED
            or not {Decision.Outcome.ADOPT, Decision.Outcome.EXIT} & set(ALLOWED[row.item.kind])
            else held_if_adopting_or_exiting.explain(row.item, {}),
            # And adoption needs a current vulnerability assessment (issue 17).
            "assessment_needed": _assessment_needed(row.item) if current is None else None,
            "drafts_assessments": drafts_assessments(request.user),
        },
    )


def _assessment_needed(item: AgendaItem) -> str | None:
    """What the case lifecycle's "adopt" still needs of the assessment, for a new referral
    on the agenda (None when it is there, or the item cannot adopt)."""
    if item.kind != AgendaItem.Kind.NEW or item.referral_id is None:
        return None
    proposed = ChannelCase(referral=item.referral)
    context = {"on": item.meeting.meets_on}
    if current_assessment.holds(proposed, context):
        return None
    return current_assessment.explain(proposed, context)


@require_http_methods(["GET", "POST"])
def decision_correct(request, pk, decision_pk):
    """After the minutes are approved, a correction is a new entry; the original stays."""
    get_meeting(request, pk, perm=CHAIR)
    entry = Decision.objects.filter(pk=decision_pk, item__meeting_id=pk).first()
    if entry is None:
        raise Http404("No such decision on this meeting")
    meeting, row = _decision_row(request, pk, entry.item_id)
    if not meeting.minutes_approved:
        return redirect("channel_panel:meeting_decision", pk=meeting.pk, item_pk=entry.item_id)
    if request.method == "GET" and row.decision is not None and row.decision.pk != entry.pk:
        # Someone corrected it already: correct the entry now in force.
        return redirect(
            "channel_panel:meeting_decision_correct", pk=meeting.pk, decision_pk=row.decision.pk
        )
    form = CorrectionForm(request.POST or None, item=entry.item)
    if request.method == "POST" and form.is_valid():
        try:
            services.decision_correct(
                decision=entry,
                acting_user=request.user,
                **_outcome_details(form.cleaned_data),
            )
        except ValueError as exc:
            form.add_error(None, str(exc))
            row = agenda_row(meeting, request.user, entry.item_id)
        else:
            messages.success(request, f"Correction recorded: {item_label(entry.item)}")
            return redirect("channel_panel:meeting_minutes", pk=meeting.pk)
    return render(
        request,
        "channel_panel/meeting_decision_correct.html",
        {"meeting": meeting, "row": row, "entry": entry, "form": form},
    )


urlpatterns: list = [
    path("meetings/", meeting_list, name="meetings"),
    path("meetings/new/", meeting_schedule, name="meeting_schedule"),
    path("meetings/<int:pk>/", meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/agenda/build/", agenda_build, name="meeting_agenda_build"),
    path("meetings/<int:pk>/agenda/add/", agenda_item_add, name="meeting_item_add"),
    path(
        "meetings/<int:pk>/agenda/<int:item_pk>/move/",
        agenda_item_move,
        name="meeting_item_move",
    ),
    path(
        "meetings/<int:pk>/agenda/<int:item_pk>/remove/",
        agenda_item_remove,
        name="meeting_item_remove",
    ),
    path(
        "meetings/<int:pk>/agenda/<int:item_pk>/decision/",
        decision,
        name="meeting_decision",
    ),
    path(
        "meetings/<int:pk>/decisions/<int:decision_pk>/correct/",
        decision_correct,
        name="meeting_decision_correct",
    ),
    path("meetings/<int:pk>/invitees/add/", invitee_add, name="meeting_invitee_add"),
    path(
        "meetings/<int:pk>/invitees/<int:invitee_pk>/remove/",
        invitee_remove,
        name="meeting_invitee_remove",
    ),
    path("meetings/<int:pk>/attendance/", attendance, name="meeting_attendance"),
    path("meetings/<int:pk>/held/", meeting_mark_held, name="meeting_mark_held"),
    path("meetings/<int:pk>/minutes/", minutes, name="meeting_minutes"),
    path("meetings/<int:pk>/minutes/approve/", minutes_approve, name="meeting_minutes_approve"),
]
