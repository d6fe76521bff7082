"""What waits on the home page from governance (prevent_portal/core/work_waiting.py): board
updates due (the reminders' rule, ``Board.objects.updates_due``), subject access requests
near their one-month deadline, and a manager's latest figures (aggregates only, the
dashboard's own, suppressed as it suppresses them)."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from governance.models import Board, SubjectAccessExport
from governance.models.subject_access import answer_due_on
from prevent_portal.core.periods import financial_year, financial_year_start
from prevent_portal.core.work_waiting import DUE, INFO, OVERDUE, Item, Provider, plural


def board_updates(user, today: date):
    due = list(Board.objects.visible_to(user).updates_due(today).values_list("next_due", flat=True))
    overdue = sum(1 for day in due if day < today)
    url = f"{reverse('governance:board_list')}?waiting=due"
    yield Item(
        key="boards_overdue",
        label=plural(overdue, "board update overdue", "board updates overdue"),
        url=url,
        count=overdue,
        urgency=OVERDUE,
    )
    yield Item(
        key="boards_due",
        label=plural(len(due) - overdue, "board update due soon", "board updates due soon"),
        url=url,
        count=len(due) - overdue,
        urgency=DUE,
    )


def subject_access_deadlines(user, today: date):
    received = list(
        SubjectAccessExport.objects.visible_to(user)
        .near_deadline(today)
        .values_list("received_on", flat=True)
    )
    late = sum(1 for day in received if answer_due_on(day) < today)
    yield Item(
        key="subject_access_deadline",
        label=plural(
            len(received),
            "subject access request near its one-month deadline",
            "subject access requests near their one-month deadline",
        ),
        url=f"{reverse('governance:subject_access_list')}?waiting=deadline",
        count=len(received),
        urgency=OVERDUE if late else DUE,
        detail=f"{late} past the deadline" if late else "",
    )


def latest_figures(user, today: date):
    """This financial year's referral total and meetings held, from the dashboard's own
    figures (counted in the background, suppressed), so the two pages never disagree and
    the home page never counts them while its reader waits."""
    from governance.services.dashboard import dashboard_period_figures, reader_areas
    from referrals.views.statistics import manager_suppress_below

    areas = reader_areas(user)
    if not areas:
        return
    year = financial_year(financial_year_start(today).year)
    suppress = manager_suppress_below()
    # The reader's own area (their first, as the dashboard opens on it).
    figures = dashboard_period_figures(
        area=areas[0], date_from=year.start, date_to=year.end, suppress=suppress
    )
    if figures is None:
        detail = "Being counted: the dashboard will show them in a minute or two."
    else:
        referrals = figures.statistics["referrals"]
        counted = "hidden (a small number)" if referrals is None else str(referrals)
        detail = (
            f"Referrals received: {counted}. Channel Panel meetings held: "
            f"{figures.channel['meetings_held']}."
        )
    yield Item(
        key="latest_figures",
        label=f"Latest figures, April {year.start.year} to March {year.end.year}",
        url=reverse("governance:dashboard"),
        urgency=INFO,
        detail=detail,
    )


PROVIDERS = [
    Provider("governance.board_updates", "coordinator", board_updates, "board updates",
             order=80),
    Provider("governance.subject_access", "coordinator", subject_access_deadlines,
             "subject access requests", order=70),
    Provider("governance.manager_board_updates", "manager", board_updates, "board updates",
             order=10),
    Provider("governance.latest_figures", "manager", latest_figures, "latest figures",
             order=20),
]  # fmt: skip
