"""The management dashboard's figures: aggregates only, never a person or a referral.

Rules, decided once here:
- the period is ``date_from`` to ``date_to``, both days included (a financial year, or dates);
- referral figures are ``referrals.statistics.referral_statistics`` and Channel Panel figures
  ``channel_panel.reports.channel_report``, asked for with ``suppress``: hidden by their
  rules (``prevent_portal.core.suppression``: a count of referrals or cases below it, any
  other from which a hidden one could be worked out, and the percentages made from them;
  shown as "hidden"). Referrals by quarter are hidden with the statistics' own figures for a
  whole financial quarter or year, by the same helper otherwise. Meetings, attendance,
  boards and action items are not people and are never hidden; the needs-flag figures are
  the measures of ``referrals.measures``;
- training compliance is, for the quarters that end in the period and each type, the totals
  of each referring sector (eligible and compliant staff summed, percentage against the
  type's current target), then the agencies with a return below target in one of those
  quarters as ``training.figures.compliance_tables`` makes them: the first
  BELOW_TARGET_SHOWN by lowest percentage, the rest counted (the full table is the
  training page's download). Figures of an organisation, never of a person;
- the board schedule is counted on the day the page is shown, the action plan's RAG is that
  of the strategy period in force at the end of the period (or the last one before it).

Every figure comes from database aggregation: a fixed number of queries (about 25), however
many referrals, cases, meetings or returns there are, and none returns a row per referral.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Min, Sum, Window
from django.db.models.functions import Lower, RowNumber, TruncQuarter
from django.template.loader import render_to_string
from django.utils import timezone

from channel_panel.reports import channel_report
from governance.models import ActionItem, Board, Rag, ScheduleStatus, StrategyPeriod
from prevent_portal.core.numbers import percent_half_up
from prevent_portal.core.periods import reporting_block
from prevent_portal.core.suppression import Sum as Adds
from prevent_portal.core.suppression import suppress as suppress_cells
from referrals.measures import MEASURES
from referrals.models import Referral
from referrals.statistics import in_areas, referral_statistics
from referrals.views.statistics import GROUP_CAPTIONS
from training.figures import (
    TypeChoice,
    TypeTable,
    below_target,
    compliance_index,
    compliance_tables,
    type_choices,
)
from training.models import ComplianceReturn, ReportingPeriod, TrainingType, return_agency_scope
from training.quarters import quarter_containing

# --- Charts: inline SVG drawn from numbers (no script, no inline style: strict CSP) ---------
CHART_WIDTH = 560
BAR_MAX = 300  # the longest bar; its figure is written after it
VALUE_X = BAR_MAX + 10
LABEL_HEIGHT = 24
BAR_HEIGHT = 20
ROW_GAP = 12
ROW_HEIGHT = LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP


@dataclass(frozen=True)
class Row:
    """One category of a figure: its count (None when suppressed) and, where it has one, a
    percentage and a few words of detail ("of 4 meetings")."""

    label: str
    count: int | None
    percent: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class Bar:
    label: str
    label_y: int
    bar_y: int
    text_y: int
    width: int
    value: str


@dataclass
class Figure:
    """A chart and the table beside it, from the same rows. ``measure`` says what a bar's
    length shows: the count, or the percentage (out of 100)."""

    key: str
    title: str
    column: str
    rows: list[Row]
    suppress: int = 0
    count_heading: str = "Referrals"
    percent_heading: str = "Per cent"
    measure: str = "count"
    description: str = ""
    show_percent: bool = True
    note: str = ""
    # Drawing constants for the template (class attributes, not fields).
    width = CHART_WIDTH
    value_x = VALUE_X
    bar_max = BAR_MAX
    bar_height = BAR_HEIGHT

    @property
    def hidden_words(self) -> str:
        # Not "fewer than N": some larger counts are hidden too, so that no hidden count
        # can be worked out from the others (prevent_portal.core.suppression).
        return "hidden"

    def value_words(self, row: Row) -> str:
        if row.count is None:
            return self.hidden_words
        words = f"{row.count}{f' {row.detail}' if row.detail else ''}"
        if self.show_percent and row.percent is not None:
            words += f" ({row.percent}%)"
        return words

    @property
    def bars(self) -> list[Bar]:
        largest = (
            100
            if self.measure == "percent"
            else max((row.count or 0 for row in self.rows), default=0)
        )
        bars = []
        for index, row in enumerate(self.rows):
            top = index * ROW_HEIGHT
            amount = row.percent if self.measure == "percent" else row.count
            width = round((amount or 0) * BAR_MAX / largest) if largest else 0
            bars.append(
                Bar(
                    label=row.label,
                    label_y=top + LABEL_HEIGHT - 4,
                    bar_y=top + LABEL_HEIGHT,
                    text_y=top + LABEL_HEIGHT + BAR_HEIGHT - 4,
                    width=width,
                    value=self.value_words(row),
                )
            )
        return bars

    @property
    def height(self) -> int:
        return max(len(self.rows), 1) * ROW_HEIGHT

    @property
    def has_figures(self) -> bool:
        return any(row.count for row in self.rows)


@dataclass
class Dashboard:
    date_from: date
    date_to: date
    suppress: int
    period_counted: bool  # False: the worker has not counted the period's figures yet
    referrals: int | None
    referral_figures: list[Figure]
    mental_health: Figure | None
    meetings_held: int | None
    attendance: Figure | None
    training_quarters: list[ReportingPeriod]
    training: list[TrainingSummary]  # the type shown in full (one: the chooser names the rest)
    training_types: list[TypeChoice]
    boards: Figure
    plan: StrategyPeriod | None
    rag: Figure
    period_computed_at: datetime | None  # when the referral and Channel Panel figures were counted
    # The period's figures as the worker rendered them (PeriodFigures.html); empty: rendered
    # in the request.
    period_html: str = ""
    # False: the worker has not counted the training figures yet (none are shown).
    training_counted: bool = True
    # When the worker counted the training figures; None: counted in this request.
    training_computed_at: datetime | None = None


# --- Referrals ------------------------------------------------------------------------------
REFERRAL_GROUPS = [
    ("by_type_of_concern", "Referrals by type of concern"),
    ("by_sector", "Referrals by referring sector"),
    ("by_outcome", "Referrals by outcome"),
]


def referrals_by_quarter(
    date_from: date, date_to: date, suppress: int, statistics: dict | None = None, areas=None
) -> list[Row]:
    """Referrals received in each financial-year quarter the period touches (every quarter,
    none left out for having no referrals). For a whole financial quarter or year with
    ``suppress``, the quarters are those of ``referral_statistics`` (asked for here when
    not given), hidden exactly as the statistics hide them across the year; otherwise one
    grouped query, hidden over the quarters and their total."""
    block = reporting_block(date_from, date_to) if suppress else None
    if block:
        statistics = statistics or referral_statistics(
            date_from=date_from,
            date_to=date_to,
            suppress=suppress,
            with_quarters=True,
            areas=areas,
        )
        return _rows_of_block(statistics["quarters"], block.asked)
    counts = dict(
        in_areas(Referral.objects.filter(received_on__range=(date_from, date_to)), areas)
        .annotate(quarter=TruncQuarter("received_on"))
        .values_list("quarter")
        .annotate(n=Count("pk"))
        .order_by()
    )
    quarters = []
    quarter = quarter_containing(date_from)
    while quarter.start <= date_to:
        quarters.append(quarter)
        quarter = quarter_containing(quarter.end + timedelta(days=1))
    raw = {q.label: counts.get(q.start, 0) for q in quarters}
    total = sum(raw.values())
    hidden: set = set()
    if suppress:
        values = {**raw, "total": total}
        hidden = suppress_cells(values, [Adds("total", tuple(raw))], below=suppress)
    return [
        Row(label, None, None)
        if label in hidden
        else Row(label, n, None if "total" in hidden else percent_half_up(n, total))
        for label, n in raw.items()
    ]


def _rows_of_block(quarters: list[tuple[date, int | None]], asked: int) -> list[Row]:
    """The statistics' quarters (first day, count or None) and the year's total (last):
    every quarter for the year (index 4), else the one asked for."""
    *by_quarter, (_, year_total) = quarters
    chosen = by_quarter if asked == len(by_quarter) else [by_quarter[asked]]
    total = year_total if len(chosen) > 1 else chosen[0][1]
    rows = []
    for start, count in chosen:
        label = quarter_containing(start).label
        percent = None if count is None or total is None else percent_half_up(count, total)
        rows.append(Row(label, count, percent))
    return rows


def _group_rows(statistics: dict, key: str) -> list[Row]:
    percent = statistics["percent"][key]
    return [Row(label, count, percent[label]) for label, count in statistics[key].items()]


def _referral_figures(statistics: dict, by_quarter: list[Row], suppress: int) -> list[Figure]:
    figures = [
        Figure(
            key="by-quarter",
            title="Referrals received by quarter",
            column="Quarter",
            rows=by_quarter,
            suppress=suppress,
            note="Percentages are of all referrals received in the period.",
        )
    ]
    for key, title in REFERRAL_GROUPS:
        figures.append(
            Figure(
                key=key.replace("_", "-"),
                title=title,
                column=GROUP_CAPTIONS[key],
                rows=_group_rows(statistics, key),
                suppress=suppress,
                note=(
                    "A referral may have more than one type of concern."
                    if key == "by_type_of_concern"
                    else ""
                ),
            )
        )
    return figures


def _mental_health(statistics: dict, suppress: int) -> Figure:
    """Every needs-flag measure of ``referrals.measures``, as the statistics count it."""
    percent = statistics["percent"]
    return Figure(
        key="mental-health",
        title="Share of referrals with mental-health and neurodiversity flags",
        column="Needs flag",
        rows=[Row(m.label, statistics[m.key], percent[m.key]) for m in MEASURES],
        suppress=suppress,
        measure="percent",
        note=(
            "Percentages are of all referrals received in the period; those already known "
            "to mental health services, of the referrals with a mental health concern."
        ),
    )


# --- Channel Panel --------------------------------------------------------------------------
def _attendance(channel: dict) -> Figure:
    rates = channel["percent"]["core_agency_present"]
    rows = [
        Row(name, channel["core_agency_present"][name], rates[name], f"of {of} meetings")
        for name, of in channel["core_agency_meetings"].items()
    ]
    return Figure(
        key="attendance",
        title="Attendance of core agencies at the panel meetings held",
        column="Core agency",
        rows=rows,
        count_heading="Meetings attended",
        percent_heading="Attendance rate",
        measure="percent",
    )


# --- Training -------------------------------------------------------------------------------
def training_quarters(date_from: date, date_to: date) -> list[ReportingPeriod]:
    """The reporting quarters that end in the period, oldest first."""
    return list(ReportingPeriod.objects.filter(end__range=(date_from, date_to)).order_by("end"))


BELOW_TARGET_SHOWN = 25
TRAINING_TYPE_TEMPLATE = "governance/dashboard_training_type.html"


@dataclass
class SectorCell:
    period: ReportingPeriod
    eligible: int
    compliant: int
    percent: int | None
    meets: bool | None


@dataclass
class SectorRow:
    sector: str
    cells: list[SectorCell]


@dataclass
class TrainingSummary:
    """One training type on the dashboard: totals per sector, and the agencies below target
    (the first BELOW_TARGET_SHOWN of ``below_count`` as ``table``, a compliance table)."""

    training_type: TrainingType
    quarters: list[ReportingPeriod]
    sectors: list[SectorRow]
    table: TypeTable
    below_count: int
    # The summary as the page shows it (TRAINING_TYPE_TEMPLATE), when the worker rendered it
    # with the figures it counted; empty: rendered in the request.
    html: str = ""

    @property
    def more(self) -> int:
        return self.below_count - len(self.table.rows)


def training_tables(
    user,
    quarters: list[ReportingPeriod],
    today: date,
    *,
    area_id: int | None = None,
    chosen_type: int | None = None,
) -> tuple[list[TrainingSummary], list[TypeChoice]]:
    """Compliance against target for ``quarters``, limited to what ``user`` may see and,
    given ``area_id``, to that council area's returns and the agencies serving it: the
    sector totals and agencies below target of one type (``chosen_type``, else the first),
    and for every type what the chooser says of it. A fixed number of queries and a
    bounded page however many agencies and types there are."""
    if not quarters:
        return [], []
    returns = ComplianceReturn.objects.visible_to(user)
    if area_id is not None:
        returns = returns.filter(area_id=area_id)
    types = list(TrainingType.objects.active().with_naming())
    shown = next((t for t in types if t.pk == chosen_type), types[0] if types else None)
    return training_summaries(
        returns=returns,
        scope=return_agency_scope(user),
        quarters=quarters,
        today=today,
        area_id=area_id,
        types=types,
        detailed=[shown] if shown else [],
    )


def training_summaries(
    *,
    returns,
    scope: set[int] | None,
    quarters: list[ReportingPeriod],
    today: date,
    area_id: int | None = None,
    types: list[TrainingType] | None = None,
    detailed: list[TrainingType] | None = None,
) -> tuple[list[TrainingSummary], list[TypeChoice]]:
    """training_tables for ``returns`` (already limited to what may be seen) and the
    agencies ``scope`` (None: all), serving ``area_id`` when given; the board report's long
    form uses it too. Summaries of the ``detailed`` types only (default: every active type),
    and beside them every type's counts for a chooser (training.figures.type_choices)."""
    types = list(TrainingType.objects.active().with_naming()) if types is None else types
    detailed = types if detailed is None else detailed
    # Unordered: the returns' default ordering joins the quarters and types to every read.
    chosen = returns.filter(period__in=quarters, training_type__in=types).order_by()
    totals = {}
    for row in (
        chosen.filter(training_type__in=detailed)
        .values("training_type_id", "period_id", "agency__sector__name")
        .annotate(eligible=Sum("eligible"), compliant=Sum("compliant"))
    ):
        key = (row["training_type_id"], row["agency__sector__name"])
        totals.setdefault(key, {})[row["period_id"]] = (row["eligible"], row["compliant"])
    # Each agency's lowest percentage below target, and their order, in the database: the
    # first BELOW_TARGET_SHOWN by lowest percentage, then name; not every agency's returns.
    # One query ranks the first BELOW_TARGET_SHOWN of each type (a window over the type).
    # ``chosen`` is unordered: the returns' default ordering (their quarter first) would
    # join the GROUP BY of a windowed query, and rank returns, not agencies.
    per_agency = (
        below_target(chosen).values("training_type_id", "agency_id").annotate(lowest=Min("rounded"))
    )
    ranked = (
        per_agency.filter(training_type__in=detailed)
        .annotate(
            place=Window(
                RowNumber(),
                partition_by=[F("training_type_id")],
                order_by=[F("lowest").asc(), Lower("agency__name").asc(), F("agency_id").asc()],
            )
        )
        .filter(place__lte=BELOW_TARGET_SHOWN)
    )
    shown: dict[int, list[int]] = {t.pk: [] for t in detailed}
    for type_id, agency_id, _ in sorted(
        ranked.values_list("training_type_id", "agency_id", "place"), key=lambda r: r[2]
    ):
        shown[type_id].append(agency_id)
    index = compliance_index(
        returns=returns,
        periods=quarters,
        types=types,
        agency_ids=scope,
        today=today,
        area_id=area_id,
    )
    choices = type_choices(
        index=index, types=types, chosen=detailed[0] if len(detailed) == 1 else None
    )
    below_count = {choice.training_type.pk: choice.below_count for choice in choices}
    tables = compliance_tables(
        returns=returns,
        periods=quarters,
        types=detailed,
        agency_ids={a for ids in shown.values() for a in ids},
        today=today,
        area_id=area_id,
        owing=index.owing,
    )
    summaries = []
    for training_type, table in zip(detailed, tables, strict=True):
        keep = shown[training_type.pk]
        table.rows = sorted(
            (r for r in table.rows if r.agency.pk in keep),
            key=lambda r, keep=keep: keep.index(r.agency.pk),
        )
        table.missing_everywhere = index.missing[training_type.pk]
        sectors = []
        for (type_id, sector), by_period in sorted(totals.items(), key=lambda i: i[0][1]):
            if type_id != training_type.pk:
                continue
            cells = []
            for quarter in quarters:
                eligible, compliant = by_period.get(quarter.pk, (0, 0))
                percent = percent_half_up(compliant, eligible)
                meets = None if percent is None else percent >= training_type.target_percent
                cells.append(SectorCell(quarter, eligible, compliant, percent, meets))
            sectors.append(SectorRow(sector, cells))
        summaries.append(
            TrainingSummary(
                training_type=training_type,
                quarters=quarters,
                sectors=sectors,
                table=table,
                below_count=below_count[training_type.pk],
            )
        )
    return summaries, choices


@dataclass
class TrainingFigures:
    """The dashboard's training figures of every return of one council area, for the quarters
    that end in a period, on one day (what is owed and overdue depends on it): the same for
    every reader who sees all that area's returns (``governance.services.dashboard``
    decides who), so counted by the worker into the shared cache. ``choices`` are every
    active type's, none of them chosen; ``summaries`` each type's in full, by type id (the
    cache keeps the first type's with the rest, the others one key each)."""

    quarters: list[ReportingPeriod]
    choices: list[TypeChoice]
    summaries: dict[int, TrainingSummary]
    started_at: datetime  # what the marks of training.freshness are compared with
    computed_at: datetime

    def shown(self, training_type: int | None) -> TrainingType | None:
        """The type shown in full: ``training_type`` if it is one of the choices, else the
        first (as ``training_tables`` chooses)."""
        types = [choice.training_type for choice in self.choices]
        return next((t for t in types if t.pk == training_type), types[0] if types else None)


def training_figures_count(
    *, area_id: int, date_from: date, date_to: date, today: date
) -> TrainingFigures:
    """``training_tables`` of every return of the council area ``area_id`` (the sight of a
    reader with the model-wide view permission there), for the quarters ending in the period,
    with every active type in full, each rendered as the page shows it. The worker calls it
    acting for that area alone."""
    started_at = timezone.now()
    quarters = training_quarters(date_from, date_to)
    summaries: list[TrainingSummary] = []
    choices: list[TypeChoice] = []
    if quarters:
        types = list(TrainingType.objects.active().with_naming())
        summaries, choices = training_summaries(
            returns=ComplianceReturn.objects.filter(area_id=area_id),
            scope=None,
            quarters=quarters,
            today=today,
            area_id=area_id,
            types=types,
            detailed=types,
        )
        choices = [replace(choice, chosen=False) for choice in choices]
        for summary in summaries:  # nothing rendered while a reader waits, either
            summary.html = render_to_string(TRAINING_TYPE_TEMPLATE, {"summary": summary})
    return TrainingFigures(
        quarters=quarters,
        choices=choices,
        summaries={s.training_type.pk: s for s in summaries},
        started_at=started_at,
        computed_at=timezone.now(),
    )


def _training_of(
    counted: TrainingFigures, training_type: int | None
) -> tuple[list[TrainingSummary], list[TypeChoice]] | None:
    """The summary of the type shown and the chooser, from figures the worker counted; None
    when the shown type's summary is not among them."""
    shown = counted.shown(training_type)
    if shown is None:
        return [], []
    summary = counted.summaries.get(shown.pk)
    if summary is None:
        return None
    choices = [replace(c, chosen=c.training_type.pk == shown.pk) for c in counted.choices]
    return [summary], choices


# --- Boards and the action plan -------------------------------------------------------------
def _boards(user, today: date) -> Figure:
    counts = Board.objects.visible_to(user).active().schedule_summary(today)
    return Figure(
        key="boards",
        title="Board updates: where each board's schedule stands today",
        column="Schedule",
        rows=[Row(label, counts[value]) for value, label in ScheduleStatus.choices],
        count_heading="Boards",
        show_percent=False,
    )


def plan_in_force(on: date, periods=None) -> StrategyPeriod | None:
    """The strategy period in force on ``on``, else the latest that started before it, of
    ``periods`` (a council area's plan: each area has its own, issue 18)."""
    periods = StrategyPeriod.objects.all() if periods is None else periods
    return periods.filter(starts_on__lte=on).order_by("-starts_on", "-pk").first()


def _rag(user, period: StrategyPeriod | None) -> Figure:
    counts = {value: 0 for value in Rag.values}
    if period is not None:
        items = ActionItem.objects.visible_to(user).filter(action__period=period)
        counts = items.rag_summary()
    total = sum(counts.values())
    return Figure(
        key="rag",
        title="Action plan items by RAG status",
        column="RAG status",
        rows=[
            Row(label, counts[value], percent_half_up(counts[value], total))
            for value, label in Rag.choices
        ],
        count_heading="Items",
    )


@dataclass
class PeriodFigures:
    """The referral and Channel Panel figures of a period in one council area: the same
    for every reader of that area (they are not limited by agency) and the costliest part
    of the page, so counted by the worker into the shared cache
    (``governance.services.dashboard``), never while a reader waits."""

    statistics: dict
    by_quarter: list[Row]
    channel: dict
    computed_at: datetime
    # The figures as the page shows them (PERIOD_TEMPLATE), rendered with them: nothing is
    # rendered while a reader waits either. Empty in figures kept before it was added.
    html: str = ""


PERIOD_TEMPLATE = "governance/dashboard_period.html"


def period_figures_count(
    *, date_from: date, date_to: date, suppress: int, areas=None
) -> PeriodFigures:
    """Count ``referral_statistics``, referrals by quarter and ``channel_report`` for the
    period in the council ``areas`` (ids; None: every area), each hidden by its own
    suppression rules with ``suppress``."""
    statistics = referral_statistics(
        date_from=date_from, date_to=date_to, suppress=suppress, with_quarters=True, areas=areas
    )
    by_quarter = referrals_by_quarter(date_from, date_to, suppress, statistics, areas)
    channel = channel_report(date_from=date_from, date_to=date_to, suppress=suppress, areas=areas)
    shown = _period_shown(statistics, by_quarter, channel, suppress)
    return PeriodFigures(
        statistics=statistics,
        by_quarter=by_quarter,
        channel=channel,
        computed_at=timezone.now(),
        html=render_to_string(PERIOD_TEMPLATE, {"period": shown}),
    )


def _period_shown(statistics: dict, by_quarter: list[Row], channel: dict, suppress: int) -> dict:
    """What the page shows of a period's figures (the names of ``Dashboard``'s fields)."""
    return {
        "referrals": statistics["referrals"],
        "referral_figures": _referral_figures(statistics, by_quarter, suppress),
        "mental_health": _mental_health(statistics, suppress),
        "meetings_held": channel["meetings_held"],
        "attendance": _attendance(channel),
    }


# Ask for the figures being counted: the sentinel default of dashboard_figures' ``period``.
COUNT_NOW = object()


def dashboard_figures(
    *,
    user,
    date_from: date,
    date_to: date,
    today: date,
    suppress: int,
    period=COUNT_NOW,
    areas=None,
    training_type: int | None = None,
    training=COUNT_NOW,
) -> Dashboard:
    """Every figure of the dashboard for ``date_from`` to ``date_to`` (the rules at the top
    of this module); ``user`` limits what the governance and training figures count.
    ``period``: the period's referral and Channel Panel figures as the worker counted them
    (None: not counted yet, and the dashboard has none); by default they are counted here,
    for the council ``areas`` (None: every area). With one area, the training figures are
    that area's too; ``training_type``: the type whose training figures are shown in full.
    ``training``: the area's training figures as the worker counted them
    (``TrainingFigures``; None: not counted yet, and the dashboard has none); by default
    they are counted here, from what ``user`` may see."""
    if period is COUNT_NOW:
        period = period_figures_count(
            date_from=date_from, date_to=date_to, suppress=suppress, areas=areas
        )
    counted = None if training is COUNT_NOW or training is None else training
    shown = _training_of(counted, training_type) if counted is not None else None
    if training is COUNT_NOW:
        quarters = training_quarters(date_from, date_to)
        summaries, training_types = training_tables(
            user,
            quarters,
            today,
            area_id=areas[0] if areas is not None and len(areas) == 1 else None,
            chosen_type=training_type,
        )
    elif shown is not None:
        quarters, (summaries, training_types) = counted.quarters, shown
    else:
        quarters, summaries, training_types = [], [], []
    plan = plan_in_force(date_to, StrategyPeriod.objects.visible_to(user))
    shown_period = (
        _period_shown(period.statistics, period.by_quarter, period.channel, suppress)
        if period
        else {}
    )
    return Dashboard(
        date_from=date_from,
        date_to=date_to,
        suppress=suppress,
        period_counted=period is not None,
        referrals=shown_period.get("referrals"),
        referral_figures=shown_period.get("referral_figures", []),
        mental_health=shown_period.get("mental_health"),
        meetings_held=shown_period.get("meetings_held"),
        attendance=shown_period.get("attendance"),
        training_quarters=quarters,
        training=summaries,
        training_types=training_types,
        boards=_boards(user, today),
        plan=plan,
        rag=_rag(user, plan),
        period_computed_at=period.computed_at if period else None,
        period_html=period.html if period else "",
        training_counted=training is COUNT_NOW or shown is not None,
        training_computed_at=counted.computed_at if shown is not None else None,
    )
