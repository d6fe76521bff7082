"""Compliance figures: the table and charts of the compliance page, and the rows of every
export (the CSV and XLSX downloads and ``manage.py training_compliance``).

Rules, decided once here:
- percent is compliant / eligible x 100 rounded half up to a whole number (ComplianceReturn
  .percent); with nobody eligible there is no percentage and no verdict;
- a return meets its target when that whole-number percentage reaches the target it was
  made against;
- a cell with no return is "missing" once the quarter's deadline has passed and "awaited"
  before, if the agency owes that return (training.expected); otherwise it is blank.

Figures come from a fixed number of queries, however many returns there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    When,
)
from django.db.models.functions import Lower
from django.db.models.lookups import LessThan
from django.utils import timezone

from prevent_portal.accounts.models import Agency
from prevent_portal.core.exports import csv_text, xlsx_bytes
from training.expected import owed_pairs, owing_agency_ids
from training.models import ComplianceReturn, ReportingPeriod, TrainingType

EXPORT_FIELDS = [
    "agency",
    "training_type",
    "period_end",
    "eligible",
    "compliant",
    "percent",
    "target",
    "meets_target",
]

MEETS, BELOW, NO_ELIGIBLE, MISSING, AWAITED, NOT_OWED = (
    "meets",
    "below",
    "no_eligible",
    "missing",
    "awaited",
    "not_owed",
)
STATUS_WORDS = {
    MEETS: "Meets target",
    BELOW: "Below target",
    NO_ELIGIBLE: "No eligible staff",
    MISSING: "Missing",
    AWAITED: "Not yet returned",
    NOT_OWED: "Not asked for",
}


def export_returns(queryset: QuerySet) -> QuerySet:
    """The returns of a queryset, ready for export_rows: one query, in report order."""
    return queryset.select_related("agency", "training_type", "period").order_by(
        "period__end", "agency__name", "training_type__order", "training_type__name"
    )


def export_rows(returns) -> list[dict]:
    """One dict per return with EXPORT_FIELDS, in that order; period_end as a date."""
    return [
        {
            "agency": r.agency.name,
            "training_type": r.training_type.name,
            "period_end": r.period.end,
            "eligible": r.eligible,
            "compliant": r.compliant,
            "percent": r.percent,
            "target": r.target_percent,
            "meets_target": r.meets_target,
        }
        for r in returns
    ]


def rows_as_json(rows: list[dict]) -> list[dict]:
    return [{**row, "period_end": row["period_end"].isoformat()} for row in rows]


def rows_as_csv(rows: list[dict]) -> str:
    """CSV with a header of EXPORT_FIELDS; meets_target as true/false, blank when there
    is no verdict (nobody eligible), like percent."""

    def text(value):
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, date):
            return value.isoformat()
        return value

    return csv_text(EXPORT_FIELDS, ([text(row[name]) for name in EXPORT_FIELDS] for row in rows))


def rows_as_xlsx(rows: list[dict], *, title: str = "Training compliance") -> bytes:
    """An XLSX workbook with one sheet: the header of EXPORT_FIELDS, then one row per
    return; numbers as numbers, period_end as a date, meets_target as TRUE/FALSE."""
    return xlsx_bytes(
        EXPORT_FIELDS,
        ([row[name] for name in EXPORT_FIELDS] for row in rows),
        title=title,
        widths=[44, 26, 12, 10, 11, 9, 8, 13],
    )


# --- The compliance table and its charts ---------------------------------------------------------
@dataclass
class Cell:
    period: ReportingPeriod
    status: str
    compliance_return: ComplianceReturn | None = None

    @property
    def words(self) -> str:
        return STATUS_WORDS[self.status]

    @property
    def percent(self) -> int | None:
        return self.compliance_return.percent if self.compliance_return else None


@dataclass
class AgencyRow:
    agency: Agency
    cells: list[Cell]

    @property
    def change(self) -> int | None:
        """Percentage points from the first to the last quarter shown that have figures."""
        known = [c.percent for c in self.cells if c.percent is not None]
        return known[-1] - known[0] if len(known) >= 2 else None


@dataclass
class TypeTable:
    training_type: TrainingType
    periods: list[ReportingPeriod]
    rows: list[AgencyRow] = field(default_factory=list)
    # Missing returns of every agency when the rows are one page of them (ComplianceIndex).
    missing_everywhere: int | None = None

    @property
    def missing(self) -> int:
        if self.missing_everywhere is not None:
            return self.missing_everywhere
        return sum(1 for row in self.rows for cell in row.cells if cell.status == MISSING)

    @property
    def has_figures(self) -> bool:
        return any(cell.percent is not None for row in self.rows for cell in row.cells)

    @property
    def chart(self) -> Chart:
        return Chart.for_table(self)


def compliance_tables(
    *,
    returns: QuerySet,
    periods: list[ReportingPeriod],
    types: list[TrainingType],
    agency_ids: set[int] | None,
    today: date | None = None,
    owed: set[tuple[int, int]] | None = None,
    area_id: int | None = None,
    owing: dict[int, QuerySet] | None = None,
) -> list[TypeTable]:
    """One table per training type: a row per agency that owes the type or returned it in
    one of ``periods``, a cell per period. ``returns`` is already limited to what the user
    may see, ``agency_ids`` to the agencies they may see (None: all). ``owed`` is
    owed_pairs(types, ...) when the caller has it already (it is limited to ``agency_ids``
    here). With ``area_id``, the agencies owing are those serving that council area
    (``returns`` should then be that area's). For a few agencies (``agency_ids``: a page of
    the table, the dashboard's agencies below target), who owes what is read with the
    agencies themselves, from ``owing`` (owing_agency_ids(types, area_id=area_id), as
    ComplianceIndex.owing has it; read here when not given): one query, not owed_pairs'
    three and the agencies' one."""
    today = today or timezone.localdate()
    if agency_ids is not None:
        returns = returns.filter(agency_id__in=sorted(agency_ids))
    found = list(returns.filter(period__in=periods, training_type__in=types).order_by())
    by_key = {(r.agency_id, r.training_type_id, r.period_id): r for r in found}
    returned = {r.agency_id for r in found}
    if owed is None and agency_ids is not None:
        owed, candidates = _owed_with_agencies(
            types, agency_ids, owing if owing is not None else owing_agency_ids(types, area_id)
        )
        agencies = [a for a in candidates if a.pk in returned or any(a.owes)]
    else:
        if owed is None:
            owed = owed_pairs(types, agency_ids, area_id=area_id)
        elif agency_ids is not None:
            owed = {pair for pair in owed if pair[0] in agency_ids}
        agency_pks = {a for a, _ in owed} | returned
        agencies = Agency.objects.filter(pk__in=sorted(agency_pks)).select_related("replaced_by")
    agencies = sorted(agencies, key=lambda a: a.name.lower())
    # Each return's agency, type and quarter are objects already in hand: shared, rather
    # than a copy of each per return from a join (thousands of objects on the dashboard).
    agency_by_pk = {a.pk: a for a in agencies}
    type_by_pk = {t.pk: t for t in types}
    period_by_pk = {p.pk: p for p in periods}
    for found_return in found:
        found_return.agency = agency_by_pk[found_return.agency_id]
        found_return.training_type = type_by_pk[found_return.training_type_id]
        found_return.period = period_by_pk[found_return.period_id]
    tables = []
    for training_type in types:
        table = TypeTable(training_type=training_type, periods=periods)
        for agency in agencies:
            is_owed = (agency.pk, training_type.pk) in owed
            cells = []
            for period in periods:
                found_return = by_key.get((agency.pk, training_type.pk, period.pk))
                status = cell_status(found_return, is_owed, period, today)
                cells.append(Cell(period, status, found_return))
            if is_owed or any(c.compliance_return for c in cells):
                table.rows.append(AgencyRow(agency=agency, cells=cells))
        tables.append(table)
    return tables


def _owed_with_agencies(
    types: list[TrainingType], agency_ids: set[int], owing: dict[int, QuerySet]
) -> tuple[set[tuple[int, int]], list[Agency]]:
    """The agencies of ``agency_ids`` (each with ``owes``: the ids of the types of ``types``
    it owes) and the (agency id, type id) pairs owed, in one query: each rule of ``owing``
    (the types asked of every agency with a SPOC share one) is a column of the agencies
    read, so owed_pairs' rule is written once, in owing_agency_ids."""
    rules: dict[int, tuple[QuerySet, list[int]]] = {}
    for training_type in types:
        owers = owing.get(training_type.pk)
        if owers is not None:
            rules.setdefault(id(owers), (owers, []))[1].append(training_type.pk)
    columns = {
        f"owes_{n}": ExpressionWrapper(Q(pk__in=owers), output_field=BooleanField())
        for n, (owers, _) in enumerate(rules.values())
    }
    agencies = list(
        Agency.objects.filter(pk__in=sorted(agency_ids))
        .select_related("replaced_by")
        .annotate(**columns)
    )
    owed = set()
    for agency in agencies:
        agency.owes = [
            type_id
            for n, (_, type_ids) in enumerate(rules.values())
            if getattr(agency, f"owes_{n}")
            for type_id in type_ids
        ]
        owed.update((agency.pk, type_id) for type_id in agency.owes)
    return owed, agencies


@dataclass
class ComplianceIndex:
    """Every agency with a row in at least one type's table, as a query of (id, name) in
    name order, and each type's count of missing returns over all of them: what the
    compliance page needs to paginate agencies in the database (LIMIT/OFFSET on the ordered
    query) and still say how many returns are missing in all. No agency's id or return is
    read into Python, so it costs the same with 10 agencies or 4,000."""

    agencies: QuerySet
    missing: dict[int, int]
    below: dict[int, int]  # each type's agencies with a return below target (type_choices)
    owing: dict[int, QuerySet]  # owing_agency_ids of the types and area (compliance_tables)


def compliance_index(
    *,
    returns: QuerySet,
    periods: list[ReportingPeriod],
    types: list[TrainingType],
    agency_ids: set[int] | None,
    today: date | None = None,
    area_id: int | None = None,
    paged: list[TrainingType] | None = None,
) -> ComplianceIndex:
    """The agencies and missing counts of compliance_tables(...) with the same arguments:
    three queries, however many agencies and types (the agencies are a query, evaluated by
    whoever pages it). Missing returns are counted for every type of ``types``; the
    agencies are those with a row in the table of a type of ``paged`` (default: ``types``),
    so a page showing one type in full can still say what is missing of every type."""
    today = today or timezone.localdate()
    if agency_ids is not None:
        returns = returns.filter(agency_id__in=sorted(agency_ids))
    made = returns.filter(period__in=periods, training_type__in=types)
    owing = owing_agency_ids(types, area_id=area_id)
    paged_ids = {t.pk for t in (types if paged is None else paged)}
    with_row = Q(pk__in=made.filter(training_type__in=sorted(paged_ids)).values("agency_id"))
    for type_id, owers in owing.items():
        if type_id in paged_ids:
            with_row |= Q(pk__in=owers)
    agencies = Agency.objects.filter(with_row)
    if agency_ids is not None:
        agencies = agencies.filter(pk__in=sorted(agency_ids))
    due = [p for p in periods if p.deadline_passed(today)]
    missing = {t.pk: 0 for t in types}
    below = {t.pk: 0 for t in types}
    counted = {type_id: owers for type_id, owers in owing.items() if type_id in missing}
    # Two queries for every type at once, of a size that does not grow with the types: the
    # agencies owing each; and, grouped by type, the agencies with a return below target
    # (for the chooser) and the returns made by the agencies owing it in the quarters due
    # (one per agency, type and quarter: a unique constraint, so a count is exact). The
    # types asked of every agency with a SPOC share one subquery (owing_agency_ids), so each
    # rule is written once, and a return's type is tested before its rule (every type's rule
    # was tested on every return, and the below-target count read the returns again).
    shared: dict[int, tuple[QuerySet, list[int]]] = {}
    for type_id, owers in counted.items() if due else ():
        shared.setdefault(id(owers), (owers, []))[1].append(type_id)
    rules = list(shared.values())
    per_type = {"below": Count("agency_id", distinct=True, filter=BELOW_TARGET)}
    if rules:
        made_by_owers = Q()
        for owers, type_ids in rules:
            made_by_owers |= Q(training_type_id__in=sorted(type_ids)) & Q(agency_id__in=owers)
        per_type["returned"] = Count("pk", filter=Q(period__in=due) & made_by_owers)
    returned: dict[int, int] = {}
    for row in made.values("training_type_id").annotate(**per_type).order_by():
        below[row["training_type_id"]] = row["below"]
        returned[row["training_type_id"]] = row.get("returned", 0)
    if rules:
        owing_here = Agency.objects.all()
        if agency_ids is not None:
            owing_here = owing_here.filter(pk__in=sorted(agency_ids))
        owers_count = owing_here.aggregate(
            **{f"r{n}": Count("pk", filter=Q(pk__in=owers)) for n, (owers, _) in enumerate(rules)}
        )
        for n, (_, type_ids) in enumerate(rules):
            for type_id in type_ids:
                missing[type_id] = owers_count[f"r{n}"] * len(due) - returned.get(type_id, 0)
    return ComplianceIndex(
        agencies=agencies.order_by(Lower("name"), "pk").values_list("pk", "name"),
        missing=missing,
        below=below,
        owing=owing,
    )


# --- The type chooser: one type in full, every type's headline counts ----------------------------
@dataclass
class TypeChoice:
    """A training type in a type chooser (the dashboard's and the compliance page's): what
    is counted for every type (the agencies below target, the returns missing), whether it
    is the one shown in full."""

    training_type: TrainingType
    below_count: int
    missing: int
    chosen: bool


# The whole-number percentage of a return, half up (as ComplianceReturn.percent), in the
# database; None with nobody eligible (no verdict, and no division by zero).
_PERCENT = Case(
    When(
        eligible__gt=0,
        then=ExpressionWrapper(
            (F("compliant") * 200 + F("eligible")) / (F("eligible") * 2),
            output_field=IntegerField(),
        ),
    ),
    default=None,
    output_field=IntegerField(),
)
# A return below the target it was made against (none with nobody eligible).
BELOW_TARGET = Q(LessThan(_PERCENT, F("target_percent")))


def below_target(returns: QuerySet) -> QuerySet:
    """The returns of ``returns`` below the target they were made against: the whole-number
    percentage (half up, as ComplianceReturn.percent) under ``target_percent``, worked out in
    the database and annotated as ``rounded``; with nobody eligible there is no verdict."""
    return (
        returns.filter(eligible__gt=0)
        .annotate(rounded=_PERCENT)
        .filter(rounded__lt=F("target_percent"))
    )


def type_choices(
    *, index: ComplianceIndex, types: list[TrainingType], chosen: TrainingType | None
) -> list[TypeChoice]:
    """Every type of ``types`` for a chooser: how many agencies have a return below target
    and how many returns are missing (``index``: compliance_index of the same returns,
    quarters and types, which counts both for every type at once); whether it is
    ``chosen``."""
    return [
        TypeChoice(t, index.below.get(t.pk, 0), index.missing.get(t.pk, 0), t == chosen)
        for t in types
    ]


def cell_status(found: ComplianceReturn | None, is_owed: bool, period, today: date) -> str:
    if found is not None:
        verdict = found.meets_target
        return NO_ELIGIBLE if verdict is None else (MEETS if verdict else BELOW)
    if not is_owed:
        return NOT_OWED
    return MISSING if period.deadline_passed(today) else AWAITED


# --- Charts: inline SVG drawn from numbers, no script, no inline style (strict CSP) -------------
LABEL_WIDTH = 200
BAR_WIDTH = 300  # 100%
VALUE_X = LABEL_WIDTH + BAR_WIDTH + 12
CHART_WIDTH = 720
BAR_HEIGHT = 18
ROW_GAP = 6
GROUP_HEADER = 26
GROUP_GAP = 12
TOP = 30


@dataclass
class Bar:
    y: int
    text_y: int
    label: str
    width: int
    status: str
    value: str


@dataclass
class Group:
    y: int
    name: str
    bars: list[Bar]


@dataclass
class Chart:
    """A horizontal bar per agency and quarter, with the target drawn as a line; every bar
    says its percentage and verdict in words, so colour is never the only cue."""

    height: int
    target_x: int
    target: int
    groups: list[Group]
    width: int = CHART_WIDTH
    label_width: int = LABEL_WIDTH
    bar_width: int = BAR_WIDTH
    value_x: int = VALUE_X

    @classmethod
    def for_table(cls, table: TypeTable) -> Chart:
        y = TOP
        groups = []
        for row in table.rows:
            group = Group(y=y + 18, name=row.agency.label, bars=[])
            y += GROUP_HEADER
            for cell in row.cells:
                percent = cell.percent
                value = cell.words if percent is None else f"{percent}%, {cell.words.lower()}"
                group.bars.append(
                    Bar(
                        y=y,
                        text_y=y + BAR_HEIGHT - 4,
                        label=cell.period.label,
                        width=round((percent or 0) * BAR_WIDTH / 100),
                        status=cell.status,
                        value=value,
                    )
                )
                y += BAR_HEIGHT + ROW_GAP
            y += GROUP_GAP
            groups.append(group)
        target = table.training_type.target_percent
        return cls(
            height=y + 4,
            target_x=LABEL_WIDTH + round(target * BAR_WIDTH / 100),
            target=target,
            groups=groups,
        )
