"""The Channel Panel's figures for a period: the report page and ``manage.py channel_report``.

Rules, decided once here (the period is ``date_from`` to ``date_to``, both days included):
- a meeting is held when its status is held or minutes approved; it counts when it met in
  the period;
- attendance, per core agency: of the held meetings in the period at which the agency was a
  core agency (``PanelMeeting.core_agencies``, fixed when the meeting was set up, so an
  agency made core later is not counted against meetings before), at how many someone from
  it was present. ``core_agency_meetings`` holds the "of M", ``core_agency_present`` the
  "N", its percentage the rate;
- cases discussed: distinct referrals on the agendas of held meetings in the period;
  adopted: cases adopted in the period; open at the period end: adopted on or before the
  last day and not exited (nor closed) by then;
- exits by reason: cases exited in the period, keyed by the reason's name (every reason in
  force at some time in the period, and any other that was used);
- ownership returned, by agency: cases exited in the period whose ownership returned to an
  agency, keyed by the agency's name;
- re-referrals: referrals received in the period whose person already had a Channel case
  that exited or closed before the referral was received;
- among the cases discussed, ``mental_health_concern`` counts those whose referral's needs
  flags, or whose case's current needs flags, include a mental-health concern, a diagnosed
  mental illness or "known to mental health services"; ``known_to_mental_health_services``
  counts those of them with that last flag. Their percentages are of the cases discussed and
  of those with a concern respectively (the seed papers' "83% ... of these 53% were already
  known");
- a sibling "percent" object has the same keys; a share is a whole number rounded half up
  (``prevent_portal.core.numbers``), null where the figure is not a share or its whole is 0;
- the CSV is the referral statistics' (``referrals.statistics.statistics_csv``: measure,
  category, count, percent);
- ``suppress=N`` replaces every count of cases or referrals below N, and its percentage,
  with null (the referral statistics' rule). Meetings and attendance count meetings, not
  people, and are never hidden.

Figures come from database aggregation: eight queries, however many meetings and cases.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Exists, OuterRef, Q

from channel_panel.models import (
    AgendaItem,
    Attendance,
    CaseNeedsFlag,
    ChannelCase,
    ExitReason,
    PanelMeeting,
)
from prevent_portal.core.numbers import percent_half_up
from referrals.models import NeedsFlag, Referral
from referrals.statistics import counts_by_name, lookup_in_force, suppress_small_counts

HELD = (PanelMeeting.Status.HELD, PanelMeeting.Status.MINUTES_APPROVED)
MENTAL_HEALTH_FLAGS = (
    NeedsFlag.MENTAL_HEALTH_CONCERN,
    NeedsFlag.DIAGNOSED_MENTAL_ILLNESS,
    NeedsFlag.KNOWN_TO_MENTAL_HEALTH_SERVICES,
)
KNOWN_FLAGS = (NeedsFlag.KNOWN_TO_MENTAL_HEALTH_SERVICES,)
NOT_RECORDED = "Not recorded"
# Counts of people (cases and referrals): hidden when small.
CASE_KEYS = [
    "cases_discussed",
    "cases_adopted",
    "cases_open_at_end",
    "exits_by_reason",
    "ownership_returned_by_agency",
    "re_referrals",
    "mental_health_concern",
    "known_to_mental_health_services",
]


def _held_meetings(date_from: date, date_to: date):
    return PanelMeeting.objects.filter(status__in=HELD, meets_on__range=(date_from, date_to))


def _attendance(date_from: date, date_to: date) -> list[tuple[str, int, int]]:
    """(agency name, held meetings where it was core, of which it was present), by name."""
    through = PanelMeeting.core_agencies.through
    present = Attendance.objects.filter(
        meeting_id=OuterRef("panelmeeting_id"),
        agency_id=OuterRef("agency_id"),
        status=Attendance.Status.PRESENT,
    )
    rows = (
        through.objects.filter(
            panelmeeting__status__in=HELD,
            panelmeeting__meets_on__range=(date_from, date_to),
        )
        .annotate(was_present=Exists(present))
        .values("agency__name")
        .annotate(meetings=Count("pk"), present=Count("pk", filter=Q(was_present=True)))
        .order_by("agency__name")
    )
    return [(row["agency__name"], row["meetings"], row["present"]) for row in rows]


def _has_flag(codes: tuple[str, ...]) -> Q:
    """The referral (the outer row), or its case now, carries one of the needs flags."""
    on_referral = Referral.needs_flags.through.objects.filter(
        referral_id=OuterRef("pk"), needsflag__code__in=codes
    )
    on_case = CaseNeedsFlag.objects.filter(
        case__referral_id=OuterRef("pk"), removed_on__isnull=True, flag__code__in=codes
    )
    return Q(Exists(on_referral)) | Q(Exists(on_case))


def _discussed(date_from: date, date_to: date) -> dict:
    items = AgendaItem.objects.filter(
        meeting__in=_held_meetings(date_from, date_to), referral__isnull=False
    )
    return Referral.objects.filter(pk__in=items.values("referral_id")).aggregate(
        discussed=Count("pk"),
        mental_health=Count("pk", filter=_has_flag(MENTAL_HEALTH_FLAGS)),
        known=Count("pk", filter=_has_flag(KNOWN_FLAGS)),
    )


def _cases(date_from: date, date_to: date) -> dict:
    not_left_by_end = (Q(exited_on__isnull=True) | Q(exited_on__gt=date_to)) & (
        Q(closed_on__isnull=True) | Q(closed_on__gt=date_to)
    )
    return ChannelCase.objects.aggregate(
        adopted=Count("pk", filter=Q(adopted_on__range=(date_from, date_to))),
        open_at_end=Count("pk", filter=Q(adopted_on__lte=date_to) & not_left_by_end),
    )


def _exits_by_reason(date_from: date, date_to: date) -> dict[str, int]:
    counts = dict(
        ChannelCase.objects.filter(exited_on__range=(date_from, date_to))
        .values_list("exit_reason_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    reasons = list(ExitReason.objects.order_by("order", "name"))
    in_force = {r.pk for r in reasons if lookup_in_force(r, date_from, date_to)}
    by_reason = counts_by_name(reasons, in_force, counts)
    if counts.get(None):
        by_reason[NOT_RECORDED] = counts[None]
    return by_reason


def _ownership_returned(date_from: date, date_to: date) -> dict[str, int]:
    return dict(
        ChannelCase.objects.filter(
            exited_on__range=(date_from, date_to), ownership_returned_to__isnull=False
        )
        .values_list("ownership_returned_to__name")
        .annotate(n=Count("pk"))
        .order_by("ownership_returned_to__name")
    )


def _re_referrals(date_from: date, date_to: date) -> int:
    received = OuterRef("received_on")
    earlier_case_left = ChannelCase.objects.filter(
        referral__person_id=OuterRef("person_id")
    ).filter(Q(exited_on__lt=received) | Q(closed_on__lt=received))
    return (
        Referral.objects.filter(received_on__range=(date_from, date_to))
        .filter(Exists(earlier_case_left))
        .count()
    )


def channel_report(*, date_from: date, date_to: date, suppress: int = 0) -> dict:
    """The Channel Panel's figures from ``date_from`` to ``date_to`` inclusive (the rules
    are at the top of this module)."""
    attendance = _attendance(date_from, date_to)
    discussed = _discussed(date_from, date_to)
    cases = _cases(date_from, date_to)
    exits = _exits_by_reason(date_from, date_to)
    figures = {
        "meetings_held": _held_meetings(date_from, date_to).count(),
        "core_agency_meetings": {name: of for name, of, _ in attendance},
        "core_agency_present": {name: present for name, _, present in attendance},
        "cases_discussed": discussed["discussed"],
        "cases_adopted": cases["adopted"],
        "cases_open_at_end": cases["open_at_end"],
        "exits_by_reason": exits,
        "ownership_returned_by_agency": _ownership_returned(date_from, date_to),
        "re_referrals": _re_referrals(date_from, date_to),
        "mental_health_concern": discussed["mental_health"],
        "known_to_mental_health_services": discussed["known"],
    }
    percent = {
        key: {k: None for k in value} if isinstance(value, dict) else None
        for key, value in figures.items()
    }
    percent["core_agency_present"] = {
        name: percent_half_up(present, of) for name, of, present in attendance
    }
    percent["mental_health_concern"] = percent_half_up(
        discussed["mental_health"], discussed["discussed"]
    )
    percent["known_to_mental_health_services"] = percent_half_up(
        discussed["known"], discussed["mental_health"]
    )
    if suppress:
        hidden, hidden_percent = suppress_small_counts(
            {key: figures[key] for key in CASE_KEYS},
            {key: percent[key] for key in CASE_KEYS},
            suppress,
        )
        figures.update(hidden)
        percent.update(hidden_percent)
    return {
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        **figures,
        "percent": percent,
    }
