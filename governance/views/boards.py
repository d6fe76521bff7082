"""The board schedule: boards, their update history and papers. Thin: access -> form ->
service -> redirect. Readers (Coordinator, managers) see it; the Coordinator changes it."""

from __future__ import annotations

from django.db.models import F
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from governance import services
from governance.forms.boards import BoardForm, BoardUpdateForm
from governance.models import (
    Board,
    BoardUpdate,
    get_board_for_user,
    get_board_paper_for_user,
)
from governance.models.access import EDITOR_ROLES, READER_ROLES, can_edit
from governance.services.boards import BOARD_FIELDS
from governance.views.common import form_page, posted
from prevent_portal.accounts.access import acting_area, require_role
from prevent_portal.accounts.models import User
from prevent_portal.audit.access_log import log_access


@require_GET
def board_list(request):
    """Every board with its area of focus, frequency, last and next update and status."""
    require_role(request.user, *READER_ROLES)
    today = timezone.localdate()
    visible = Board.objects.visible_to(request.user)
    # ``?waiting=due``: the boards the reminders and the home page count as due or overdue.
    waiting = request.GET.get("waiting") == "due"
    boards = list(
        (visible.updates_due(today) if waiting else visible)
        .with_last_update()
        .schedule_status(today)
        .select_related("lead_officer")
        .order_by("-is_active", F("next_due").asc(nulls_last=True), "name")
    )
    return render(
        request,
        "governance/board_list.html",
        {
            "boards": [b for b in boards if b.is_active],
            "retired": [b for b in boards if not b.is_active],
            "summary": Board.objects.visible_to(request.user).active().schedule_summary(today),
            "can_edit": can_edit(request.user),
            "today": today,
            "waiting": waiting,
        },
    )


@require_GET
def board_detail(request, pk):
    """One board: its details, schedule and the updates presented to it."""
    board = get_board_for_user(request.user, pk)
    today = timezone.localdate()
    status = (
        Board.objects.filter(pk=board.pk)
        .schedule_status(today)
        .values_list("schedule_status", flat=True)[0]
    )
    return render(
        request,
        "governance/board_detail.html",
        {
            "board": board,
            "status": status,
            "recipients": list(board.reminder_recipients.order_by("first_name", "last_name")),
            "updates": list(board.updates.select_related("recorded_by")),
            # A presented report's paper only for those who may see the report (F3).
            "papers": set(
                BoardUpdate.objects.paper_visible_to(request.user)
                .filter(board=board)
                .values_list("pk", flat=True)
            ),
            "can_edit": can_edit(request.user),
        },
    )


def _recipients(data: dict) -> list[User]:
    return list(data.get("reminder_recipients") or [])


def _board_fields(data: dict) -> dict:
    """The board's own fields from a valid form (recipients and version travel apart)."""
    return {k: v for k, v in data.items() if k in BOARD_FIELDS}


@require_http_methods(["GET", "POST"])
def board_add(request):
    require_role(request.user, *EDITOR_ROLES)
    # A board belongs to the council area of the Coordinator who adds it (issue 18).
    area = acting_area(request.user, EDITOR_ROLES)
    form = BoardForm(posted(request), area=area)

    def save(data):
        return services.board_create(
            **_board_fields(data),
            reminder_recipients=_recipients(data),
            acting_user=request.user,
            area=area,
        )

    return form_page(
        request,
        form,
        template="governance/board_form.html",
        save=save,
        success="Board added",
        next_url=lambda board: reverse("governance:board_detail", args=[board.pk]),
        context={"board": None},
    )


@require_http_methods(["GET", "POST"])
def board_edit(request, pk):
    board = get_board_for_user(request.user, pk, perm="change")
    initial = {
        **{field: getattr(board, field) for field in BOARD_FIELDS},
        "reminder_recipients": list(board.reminder_recipients.all()),
        "version": board.version,
    }
    form = BoardForm(posted(request), initial=initial, board=board)

    def save(data):
        return services.board_edit(
            board=board,
            data=_board_fields(data),
            reminder_recipients=_recipients(data),
            expected_version=data["version"],
            acting_user=request.user,
        )

    return form_page(
        request,
        form,
        template="governance/board_form.html",
        save=save,
        success="Board changed",
        next_url=lambda b: reverse("governance:board_detail", args=[b.pk]),
        context={"board": board},
    )


@require_http_methods(["GET", "POST"])
def board_update_add(request, pk):
    """Record an update presented to a board, with its paper if there is one."""
    board = get_board_for_user(request.user, pk, perm="change")
    form = BoardUpdateForm(posted(request), posted(request, "FILES"))

    def save(data):
        return services.board_update_record(
            board=board,
            presented_on=data["presented_on"],
            title=data["title"],
            attachment=data.get("attachment"),
            acting_user=request.user,
        )

    return form_page(
        request,
        form,
        template="governance/board_update_add.html",
        save=save,
        success="Update recorded",
        next_url=lambda update: reverse("governance:board_detail", args=[board.pk]),
        context={"board": board},
    )


@require_GET
def board_update_attachment(request, pk):
    """The paper of a board update, downloaded, never shown inline; readers only."""
    update = get_board_paper_for_user(request.user, pk)
    try:
        handle = update.attachment.open("rb")
    except FileNotFoundError:
        raise Http404("The paper is missing") from None
    log_access(request, [update], view="governance:board_update_attachment")
    return FileResponse(handle, as_attachment=True, filename=update.attachment_name)


urlpatterns = [
    path("boards/", board_list, name="board_list"),
    path("boards/add/", board_add, name="board_add"),
    path("boards/<int:pk>/", board_detail, name="board_detail"),
    path("boards/<int:pk>/edit/", board_edit, name="board_edit"),
    path("boards/<int:pk>/updates/add/", board_update_add, name="board_update_add"),
    path(
        "boards/updates/<int:pk>/paper/",
        board_update_attachment,
        name="board_update_attachment",
    ),
]
