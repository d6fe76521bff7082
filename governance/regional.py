"""The regional aggregate: each council area's figures side by side, and the region's total,
for a regional lead (issue 18: "sees suppressed aggregates across areas and nothing
personal").

Rules, decided once here:
- the region is the council areas the regional lead's agency serves; the period a whole
  financial year (the only period offered: years do not overlap, so no two pages of this
  kind can be set side by side to work out a hidden count, security finding F3);
- referral figures count referrals received in the year, by the area that holds them: how
  many; how many of young people (under 18 when referred), reached the Channel Panel, were
  adopted as a Channel case; and by each type of concern (a referral may have several);
- Channel Panel meetings held in the year (held or minutes approved) are meetings, not
  people, and are never hidden;
- every other cell is a count of people, hidden by ``prevent_portal.core.suppression`` with
  the managers' threshold: below it, and then more, until no hidden count follows from the
  others. The sums the helper is given are each row's (the areas add up to the region's
  total) and each flag's with its unpublished complement (young people and the others add
  up to the referrals), so the region total, and a flag beside the referrals, never give a
  hidden area's count away;
- no figure links to anything: there is no drill-down to records.

A fixed number of grouped queries (four), however many areas.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Q
from django.utils import timezone

from channel_panel.models import PanelMeeting
from channel_panel.reports import HELD
from prevent_portal.core.suppression import Sum
from prevent_portal.core.suppression import suppress as suppress_cells
from referrals.models import ADULT_AGE, ConcernType, Referral
from referrals.statistics import lookup_in_force

TOTAL = "total"  # the region's column
COMPLEMENT = "not"
# (key, label, the referral filter): flags whose complement in the referrals is unpublished.
FLAGS = [
    ("young", "Of young people (under 18)", Q(age_at_referral__lt=ADULT_AGE)),
    ("reached_panel", "Reached the Channel Panel", Q(reached_panel=True)),
    ("adopted", "Adopted as a Channel case", Q(adopted=True)),
]


@dataclass(frozen=True)
class Cell:
    count: int | None  # None: hidden

    @property
    def words(self) -> str:
        return "hidden" if self.count is None else str(self.count)


@dataclass
class FigureRow:
    """One figure across the region: a cell per area (in ``RegionalFigures.areas`` order),
    then the region's total."""

    key: str
    label: str
    cells: list[Cell]
    total: Cell


@dataclass
class RegionalFigures:
    date_from: date
    date_to: date
    suppress: int
    areas: list[tuple[int, str]]  # (id, name), by name
    rows: list[FigureRow]  # referrals, the flags, then meetings held
    concern_rows: list[FigureRow]  # one per type of concern
    computed_at: datetime


def regional_figures_count(
    *, areas: list[tuple[int, str]], date_from: date, date_to: date, suppress: int
) -> RegionalFigures:
    """Count the region's figures (the rules at the top of this module) for ``areas``,
    (id, name) pairs, each hidden per cell with ``suppress``."""
    ids = [pk for pk, _ in areas]
    received = Referral.objects.filter(area_id__in=ids, received_on__range=(date_from, date_to))
    per_area = {
        row.pop("area_id"): row
        for row in received.values("area_id")
        .annotate(
            referrals=Count("pk"),
            **{key: Count("pk", filter=q) for key, _, q in FLAGS},
        )
        .order_by()
    }
    through = Referral.concern_types.through
    concerns: dict[tuple[int, int], int] = {
        (area_id, type_id): n
        for area_id, type_id, n in through.objects.filter(
            referral__area_id__in=ids, referral__received_on__range=(date_from, date_to)
        )
        .values_list("referral__area_id", "concerntype_id")
        .annotate(n=Count("referral_id", distinct=True))
        .order_by()
    }
    meetings = dict(
        PanelMeeting.objects.filter(
            area_id__in=ids, status__in=HELD, meets_on__range=(date_from, date_to)
        )
        .values_list("area_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    types = [
        t
        for t in ConcernType.objects.order_by("order", "name")
        if any(concerns.get((a, t.pk)) for a in ids) or lookup_in_force(t, date_from, date_to)
    ]

    # Every count of people, keyed (figure, area or TOTAL), and the sums that tie them.
    values: dict[tuple[str, object], int] = {}
    sums: list[Sum] = []
    unpublished: set[tuple[str, object]] = set()
    figure_keys = ["referrals", *(key for key, _, _ in FLAGS), *(f"concern:{t.pk}" for t in types)]
    for key in figure_keys:
        for area_id in ids:
            if key.startswith("concern:"):
                values[(key, area_id)] = concerns.get((area_id, int(key.split(":")[1])), 0)
            else:
                values[(key, area_id)] = (per_area.get(area_id) or {}).get(key, 0)
        values[(key, TOTAL)] = sum(values[(key, a)] for a in ids)
        sums.append(Sum((key, TOTAL), tuple((key, a) for a in ids)))
    for key, _, _ in FLAGS:
        for column in [*ids, TOTAL]:
            rest = (f"{key}:{COMPLEMENT}", column)
            values[rest] = values[("referrals", column)] - values[(key, column)]
            unpublished.add(rest)
            sums.append(Sum(("referrals", column), ((key, column), rest)))
        complement = f"{key}:{COMPLEMENT}"
        sums.append(Sum((complement, TOTAL), tuple((complement, a) for a in ids)))
    hidden = suppress_cells(values, sums, below=suppress, unpublished=unpublished)

    def row(key: str, label: str) -> FigureRow:
        def cell(column):
            return Cell(None if (key, column) in hidden else values[(key, column)])

        return FigureRow(key, label, [cell(a) for a in ids], cell(TOTAL))

    rows = [row("referrals", "Referrals received")]
    rows += [row(key, label) for key, label, _ in FLAGS]
    held = [meetings.get(a, 0) for a in ids]
    rows.append(
        FigureRow(
            "meetings_held",
            "Channel Panel meetings held",
            [Cell(n) for n in held],
            Cell(sum(held)),
        )
    )
    return RegionalFigures(
        date_from=date_from,
        date_to=date_to,
        suppress=suppress,
        areas=list(areas),
        rows=rows,
        concern_rows=[row(f"concern:{t.pk}", t.name) for t in types],
        computed_at=timezone.now(),
    )
