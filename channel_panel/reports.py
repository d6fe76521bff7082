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
- among the cases discussed, each needs-flag measure of ``referrals.measures`` (mental-health
  concern, known to mental health services, autism spectrum condition, ADHD, learning
  difficulty, other neurodiversity) counts those whose referral's needs flags, or whose
  case's current needs flags, include one of the measure's flags. Percentages are of the
  cases discussed, or of the measure's ``share_of`` (known to services: of those with a
  concern, the seed papers' "83% ... of these 53% were already known");
- a sibling "percent" object has the same keys; a share is a whole number rounded half up
  (``prevent_portal.core.numbers``), null where the figure is not a share or its whole is 0;
- the CSV is the referral statistics' (``referrals.statistics.statistics_csv``: measure,
  category, count, percent);
- ``suppress=N`` hides counts of cases or referrals, and their percentages, as the referral
  statistics do (``prevent_portal.core.suppression``: below N, and then more until no hidden
  count follows from the others; for a whole financial quarter or year, across the four
  quarters and the year at once). Meetings and attendance count meetings, not people, and
  are never hidden.

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
from prevent_portal.core.periods import Period, reporting_block
from prevent_portal.core.suppression import Sum
from prevent_portal.core.suppression import suppress as suppress_cells
from referrals.measures import MEASURES
from referrals.models import Referral
from referrals.statistics import counts_by_name, in_areas, lookup_in_force

HELD = (PanelMeeting.Status.HELD, PanelMeeting.Status.MINUTES_APPROVED)
NOT_RECORDED = "Not recorded"
COMPLEMENT = "not"  # the unpublished cell "cases discussed without the flag"
# Counts of people that add up over time: a year's count is the sum of its quarters'.
ADDITIVE_KEYS = [
    "cases_adopted",
    "exits_by_reason",
    "ownership_returned_by_agency",
    "re_referrals",
]
# Counts of people (cases and referrals): hidden when small.
CASE_KEYS = [
    "cases_discussed",
    "cases_adopted",
    "cases_open_at_end",
    "exits_by_reason",
    "ownership_returned_by_agency",
    "re_referrals",
    *(m.key for m in MEASURES),
]


def _held_meetings(date_from: date, date_to: date, areas=None):
    meetings = PanelMeeting.objects.filter(status__in=HELD, meets_on__range=(date_from, date_to))
    return in_areas(meetings, areas)


def _attendance(date_from: date, date_to: date, areas=None) -> list[tuple[str, int, int]]:
    """(agency name, held meetings where it was core, of which it was present), by name."""
    through = PanelMeeting.core_agencies.through
    present = Attendance.objects.filter(
        meeting_id=OuterRef("panelmeeting_id"),
        agency_id=OuterRef("agency_id"),
        status=Attendance.Status.PRESENT,
    )
    rows = (
        in_areas(
            through.objects.filter(
                panelmeeting__status__in=HELD,
                panelmeeting__meets_on__range=(date_from, date_to),
            ),
            areas,
            "panelmeeting__area",
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


def _discussed(date_from: date, date_to: date, areas=None) -> dict:
    items = AgendaItem.objects.filter(
        meeting__in=_held_meetings(date_from, date_to, areas), referral__isnull=False
    )
    discussed = in_areas(Referral.objects.filter(pk__in=items.values("referral_id")), areas)
    return discussed.aggregate(
        discussed=Count("pk"),
        **{m.key: Count("pk", filter=_has_flag(m.codes)) for m in MEASURES},
    )


def _in(field: str, period: Period) -> Q:
    return Q(**{f"{field}__range": (period.start, period.end)})


def _cases(periods: list[Period], date_to: date, areas=None) -> dict:
    """Cases adopted in each period, and open at ``date_to``."""
    not_left_by_end = (Q(exited_on__isnull=True) | Q(exited_on__gt=date_to)) & (
        Q(closed_on__isnull=True) | Q(closed_on__gt=date_to)
    )
    return in_areas(ChannelCase.objects.all(), areas).aggregate(
        open_at_end=Count("pk", filter=Q(adopted_on__lte=date_to) & not_left_by_end),
        **{f"adopted_{i}": Count("pk", filter=_in("adopted_on", p)) for i, p in enumerate(periods)},
    )


def _by_period(queryset, field: str, group: str, periods: list[Period]) -> list[dict]:
    """For each period, {group value: count} of rows whose ``field`` falls in it."""
    rows = (
        queryset.filter(**{f"{field}__range": (periods[0].start, periods[-1].end)})
        .values_list(group)
        .annotate(**{f"n{i}": Count("pk", filter=_in(field, p)) for i, p in enumerate(periods)})
        .order_by(group)
    )
    out: list[dict] = [{} for _ in periods]
    for key, *counts in rows:
        for index, n in enumerate(counts):
            out[index][key] = n
    return out


def _exits_by_reason(periods: list[Period], span: Period, areas=None) -> list[dict[str, int]]:
    cases = in_areas(ChannelCase.objects.all(), areas)
    counts = _by_period(cases, "exited_on", "exit_reason_id", periods)
    reasons = list(ExitReason.objects.order_by("order", "name"))
    listed = {r.pk for r in reasons if lookup_in_force(r, span.start, span.end)}
    listed |= {pk for by_id in counts for pk, n in by_id.items() if n}
    any_unrecorded = any(by_id.get(None) for by_id in counts)
    out = []
    for by_id in counts:
        by_reason = counts_by_name(reasons, listed, by_id)
        if any_unrecorded:
            by_reason[NOT_RECORDED] = by_id.get(None, 0)
        out.append(by_reason)
    return out


def _ownership_returned(periods: list[Period], areas=None) -> list[dict[str, int]]:
    returned = in_areas(ChannelCase.objects.filter(ownership_returned_to__isnull=False), areas)
    counts = _by_period(returned, "exited_on", "ownership_returned_to__name", periods)
    names = sorted({name for by_name in counts for name, n in by_name.items() if n})
    return [{name: by_name.get(name, 0) for name in names} for by_name in counts]


def _re_referrals(periods: list[Period], areas=None) -> list[int]:
    received = OuterRef("received_on")
    earlier_case_left = ChannelCase.objects.filter(
        referral__person_id=OuterRef("person_id")
    ).filter(Q(exited_on__lt=received) | Q(closed_on__lt=received))
    received_in_span = Referral.objects.filter(
        received_on__range=(periods[0].start, periods[-1].end)
    )
    counts = (
        in_areas(received_in_span, areas)
        .filter(Exists(earlier_case_left))
        .aggregate(
            **{f"n{i}": Count("pk", filter=_in("received_on", p)) for i, p in enumerate(periods)}
        )
    )
    return [counts[f"n{i}"] for i in range(len(periods))]


def _base(measure) -> str:
    return measure.share_of or "cases_discussed"


def _hidden(additive: list[dict], asked: int, figures: dict, suppress: int) -> set:
    """The cells (period index, key, category) to hide: ``additive`` holds the counts that
    add up over time for each period (the quarters then the year, or the one period asked),
    ``figures`` the others, of period ``asked`` only."""
    values: dict = {}
    sums: list[Sum] = []
    unpublished: set = set()
    for p, counts in enumerate(additive):
        for key, value in counts.items():
            for category, count in value.items() if isinstance(value, dict) else [("", value)]:
                values[(p, key, category)] = count
    if len(additive) > 1:
        year = len(additive) - 1
        for _, key, category in [k for k in values if k[0] == year]:
            sums.append(Sum((year, key, category), tuple((q, key, category) for q in range(year))))
    for key in ("cases_discussed", "cases_open_at_end"):
        values[(asked, key, "")] = figures[key]
    for measure in MEASURES:
        base = (asked, _base(measure), "")
        values[(asked, measure.key, "")] = figures[measure.key]
        values[(asked, measure.key, COMPLEMENT)] = values[base] - figures[measure.key]
        unpublished.add((asked, measure.key, COMPLEMENT))
        sums.append(Sum(base, ((asked, measure.key, ""), (asked, measure.key, COMPLEMENT))))
    hidden = suppress_cells(values, sums, below=suppress, unpublished=unpublished)
    # Cases open at a quarter's end tie each quarter to the next (open at the end of Q3 plus
    # Q4's adoptions is open at the end of Q4 plus Q4's exits and closures), and each year to
    # the one before, so beside consecutive quarters it gives hidden exits away. A suppressed
    # report (what aggregate readers get) does not publish it.
    return hidden | {(asked, "cases_open_at_end", "")}


def channel_report(*, date_from: date, date_to: date, suppress: int = 0, areas=None) -> dict:
    """The Channel Panel's figures from ``date_from`` to ``date_to`` inclusive (the rules
    are at the top of this module). ``areas``: the council areas (ids) whose meetings,
    referrals and cases count; None, every area."""
    block = reporting_block(date_from, date_to) if suppress else None
    periods = block.quarters if block else [Period(date_from, date_to)]
    span = Period(periods[0].start, periods[-1].end)
    attendance = _attendance(date_from, date_to, areas)
    discussed = _discussed(date_from, date_to, areas)
    cases = _cases(periods, date_to, areas)
    additive = [
        {
            "cases_adopted": cases[f"adopted_{i}"],
            "exits_by_reason": exits,
            "ownership_returned_by_agency": returned,
            "re_referrals": re_referrals,
        }
        for i, (exits, returned, re_referrals) in enumerate(
            zip(
                _exits_by_reason(periods, span, areas),
                _ownership_returned(periods, areas),
                _re_referrals(periods, areas),
                strict=True,
            )
        )
    ]
    if block:
        additive.append(
            {
                key: (
                    {c: sum(q[key][c] for q in additive) for c in additive[0][key]}
                    if isinstance(additive[0][key], dict)
                    else sum(q[key] for q in additive)
                )
                for key in ADDITIVE_KEYS
            }
        )
    asked = block.asked if block else 0
    counts = additive[asked]
    figures = {
        "meetings_held": _held_meetings(date_from, date_to, areas).count(),
        "core_agency_meetings": {name: of for name, of, _ in attendance},
        "core_agency_present": {name: present for name, _, present in attendance},
        "cases_discussed": discussed["discussed"],
        "cases_adopted": counts["cases_adopted"],
        "cases_open_at_end": cases["open_at_end"],
        "exits_by_reason": counts["exits_by_reason"],
        "ownership_returned_by_agency": counts["ownership_returned_by_agency"],
        "re_referrals": counts["re_referrals"],
        **{m.key: discussed[m.key] for m in MEASURES},
    }
    hidden = _hidden(additive, asked, figures, suppress) if suppress else set()

    def shown(key, category=""):
        return (asked, key, category) not in hidden

    percent = {
        key: {k: None for k in value} if isinstance(value, dict) else None
        for key, value in figures.items()
    }
    percent["core_agency_present"] = {
        name: percent_half_up(present, of) for name, of, present in attendance
    }
    for measure in MEASURES:
        base = _base(measure)
        if shown(measure.key) and shown(base):
            percent[measure.key] = percent_half_up(figures[measure.key], figures[base])
    for key in CASE_KEYS:
        value = figures[key]
        if isinstance(value, dict):
            figures[key] = {c: n if shown(key, c) else None for c, n in value.items()}
        elif not shown(key):
            figures[key] = None
    return {
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        **figures,
        "percent": percent,
    }
