"""The Home Office-style profile of referrals received in a period: the figures of the
statistics page and of ``manage.py prevent_statistics``.

Rules, decided once here:
- a referral counts when it was received in the period, both ends included;
- age is the age at the date received (stored on the referral); under 18 is a young person;
  referrals without a date of birth count as "Not known", a key present only when non-zero;
- by_gender always has the four Gender labels; lookups (types of concern, sectors,
  outcomes) are keyed by display name: every entry in force at some time in the period,
  and any other that was used; referrals without an outcome count as "No outcome yet";
- the needs-flag measures (mental-health concern, known to mental health services, autism
  spectrum condition, ADHD, learning difficulty, other neurodiversity) are those of
  ``referrals.measures``, counted as referrals carrying any of the measure's flags;
- every count is also a percentage in a sibling "percent" object with the same keys, as a
  whole number rounded half up (12.5 -> 13), like the board papers: of ``referrals``, or of
  the measure named by the measure's ``share_of`` (null when that whole is 0 or hidden);
- ``suppress=N`` hides counts (null) by ``prevent_portal.core.suppression``: every count
  below N, and then more, until no hidden count follows from the totals and the other
  cells. For a whole financial quarter or year (the only periods an aggregate-only reader
  may ask for) the cells are hidden across the whole financial year at once, its four
  quarters and the year, so that no two of those outputs put side by side give a hidden
  count away either.

Figures come from database aggregation: seven queries, however many referrals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db.models import BooleanField, Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import TruncQuarter

from prevent_portal.accounts.models import Sector
from prevent_portal.core.exports import csv_text
from prevent_portal.core.numbers import percent_half_up as _percent
from prevent_portal.core.periods import Period, reporting_block
from prevent_portal.core.suppression import Sum
from prevent_portal.core.suppression import suppress as suppress_cells
from referrals.measures import BY_KEY, MEASURES
from referrals.models import (
    ADULT_AGE,
    AGE_BANDS,
    ConcernType,
    Gender,
    Outcome,
    Referral,
    TransferTrace,
)

NOT_KNOWN = "Not known"
NO_OUTCOME = "No outcome yet"
GROUPS = [
    "by_gender",
    "by_age_group",
    "by_age_band",
    "by_type_of_concern",
    "by_sector",
    "by_outcome",
]
# Tables whose rows add up to the referrals (a referral may have several types of concern).
PARTITIONS = ["by_gender", "by_age_group", "by_age_band", "by_sector", "by_outcome"]
FLAGS = [*(m.key for m in MEASURES), "reached_panel", "adopted"]
COMPLEMENT = "not"  # the unpublished cell "referrals without the flag"


def lookup_in_force(lookup, date_from: date, date_to: date) -> bool:
    """In force at some time in the period."""
    starts_in_time = lookup.effective_from is None or lookup.effective_from <= date_to
    ends_in_time = lookup.effective_to is None or lookup.effective_to >= date_from
    return starts_in_time and ends_in_time


def _has_measure(measure, source: _Source | None = None) -> Q:
    """Whether the referral (or trace) carries any of ``measure``'s flags, as a count's
    filter: a scalar subquery (true, or null when none), not ``EXISTS``. Inside an
    aggregate's FILTER the planner may run an ``EXISTS`` as a hashed subplan that reads every
    referral's flags once per measure (six times 48,000 rows at scale 1, 20 of the
    statistics page's 31 ms of SQL for one area's 345 referrals); a scalar subquery is
    always looked up per counted row through the through table's referral index (6 ms), and
    costs the same as the hashed form when every area's referrals are counted."""
    source = source or REFERRALS
    through = source.needs_through()
    flagged = through.objects.filter(
        **{f"{source.fk}_id": OuterRef("pk"), "needsflag__code__in": measure.codes}
    )
    return Q(Subquery(flagged.values(flagged=Value(True))[:1], output_field=BooleanField()))


def counts_by_name(lookups, in_force_ids: set[int], counts: dict) -> dict[str, int]:
    out: dict[str, int] = {}
    for lookup in lookups:
        if lookup.pk in in_force_ids or counts.get(lookup.pk):
            out[lookup.name] = out.get(lookup.name, 0) + counts.get(lookup.pk, 0)
    return out


def in_areas(queryset, areas, path: str = "area"):
    """``queryset`` limited to the council areas ``areas`` (area ids) through ``path``, or
    left whole when ``areas`` is None (every area: a command, or a single-council
    deployment's reader). An aggregate is counted for the areas its reader holds a role in,
    explicitly, and not only by the row-level security wall, which SQLite does not have."""
    if areas is None:
        return queryset
    return queryset.filter(**{f"{path}__in": sorted(set(areas))})


@dataclass(frozen=True)
class _Source:
    """What is counted as a referral received: the referrals themselves, or the traces of
    those that left the area by transfer (``TransferTrace``, the same statistical columns)."""

    model: Callable[[], type]
    gender: str
    fk: str  # the foreign key's name on the many-to-many through tables

    def needs_through(self):
        return self.model().needs_flags.through

    def concerns_through(self):
        return self.model().concern_types.through


REFERRALS = _Source(lambda: Referral, "person__gender", "referral")
TRACES = _Source(lambda: TransferTrace, "gender", "transfertrace")


def _received(source: _Source, date_from: date, date_to: date, areas=None):
    """What ``source`` counts as received in the period: in the council ``areas`` (ids;
    None, every area), and for a trace, only one that left for an area not among them."""
    received = source.model().objects.filter(received_on__range=(date_from, date_to))
    if areas is not None:
        received = received.filter(area__in=areas)
        if source is TRACES:
            received = received.exclude(transfer__to_area__in=areas)
    return received


def _counts(
    date_from: date, date_to: date, *, by_quarter: bool, areas=None, source: _Source = REFERRALS
) -> dict:
    """Raw counts, keyed by the first day of each quarter (``by_quarter``) or by None. With
    ``areas`` (area ids), those council areas': their referrals, and the traces of those
    they transferred out to an area not among them (received here, counted once); with
    None, every referral once, wherever it is now, and no trace."""
    if areas is not None and source is REFERRALS:
        areas = sorted(set(areas))
        own = _counts(date_from, date_to, by_quarter=by_quarter, areas=areas, source=REFERRALS_ONLY)
        if not _received(TRACES, date_from, date_to, areas).exists():
            # No referral received here in the period has left by transfer (the usual
            # case): one short query instead of four that would count nothing (7 of the
            # statistics page's 24 ms of counting at scale 1 were the traces' queries).
            return _added(own, {part: {} for part in own})
        return _added(
            own, _counts(date_from, date_to, by_quarter=by_quarter, areas=areas, source=TRACES)
        )
    source = REFERRALS if source is REFERRALS_ONLY else source
    referrals = _received(source, date_from, date_to, areas)
    age = "age_at_referral"
    aggregates = {
        "total": Count("pk"),
        "adult": Count("pk", filter=Q(**{f"{age}__gte": ADULT_AGE})),
        "young": Count("pk", filter=Q(**{f"{age}__lt": ADULT_AGE})),
        "age_unknown": Count("pk", filter=Q(**{f"{age}__isnull": True})),
        "reached_panel": Count("pk", filter=Q(reached_panel=True)),
        "adopted": Count("pk", filter=Q(adopted=True)),
    }
    for measure in MEASURES:
        aggregates[measure.key] = Count("pk", filter=_has_measure(measure, source))
    for value, _label in Gender.choices:
        aggregates[f"gender_{value}"] = Count("pk", filter=Q(**{source.gender: value}))
    for index, (_label, low, high) in enumerate(AGE_BANDS):
        aggregates[f"band_{index}"] = Count("pk", filter=Q(**{f"{age}__range": (low, high)}))
    through = source.concerns_through()
    fk = source.fk
    concerns = through.objects.filter(**{f"{fk}__received_on__range": (date_from, date_to)})
    if areas is not None:
        concerns = concerns.filter(**{f"{fk}__in": referrals.values("pk")})
    group: tuple[str, ...] = ()
    if by_quarter:
        referrals = referrals.annotate(quarter=TruncQuarter("received_on"))
        concerns = concerns.annotate(quarter=TruncQuarter(f"{fk}__received_on"))
        group = ("quarter",)
    # One query counts every cell for each referring sector and outcome, and the totals,
    # sectors and outcomes are their sums: a referral has one sector and one outcome, so
    # each is counted in exactly one row (at most sectors x outcomes rows a quarter,
    # however many referrals). A query each for the sectors and the outcomes compiled and
    # ran the whole period's filter twice more.
    totals: dict = {} if by_quarter else {None: dict.fromkeys(aggregates, 0)}
    sector: dict = {}
    outcome: dict = {}
    by_pair = referrals.values(*group, "referring_sector_id", "outcome_id")
    for row in by_pair.annotate(**aggregates).order_by():
        key = row.pop("quarter") if by_quarter else None
        sector_id, outcome_id = row.pop("referring_sector_id"), row.pop("outcome_id")
        cells = totals.setdefault(key, dict.fromkeys(aggregates, 0))
        for name, n in row.items():
            cells[name] += n
        by_sector = sector.setdefault(key, {})
        by_sector[sector_id] = by_sector.get(sector_id, 0) + row["total"]
        by_outcome = outcome.setdefault(key, {})
        by_outcome[outcome_id] = by_outcome.get(outcome_id, 0) + row["total"]
    concern: dict = {}
    rows = concerns.values_list(*group, "concerntype_id").annotate(
        n=Count(f"{fk}_id", distinct=True)
    )
    for row in rows.order_by():
        key = row[0] if by_quarter else None
        concern.setdefault(key, {})[row[-2]] = row[-1]
    return {"totals": totals, "sector": sector, "outcome": outcome, "concern": concern}


# The referrals alone, when an area's count adds its traces separately.
REFERRALS_ONLY = _Source(lambda: Referral, "person__gender", "referral")


def _added(one: dict, other: dict) -> dict:
    """Two sets of raw counts added, cell by cell."""
    out: dict = {}
    for part in one:
        merged: dict = {}
        for table in (one[part], other[part]):
            for key, cells in table.items():
                target = merged.setdefault(key, {})
                for cell, value in cells.items():
                    target[cell] = target.get(cell, 0) + (value or 0)
        out[part] = merged
    return out


def _profile(counts: dict, key, lookups: dict, shape: dict) -> dict:
    """The figures (counts only) of one period from its raw counts."""
    totals = counts["totals"].get(key) or {}

    def get(name):
        return totals.get(name) or 0

    by_age_group = {"Adult": get("adult"), "Young person": get("young")}
    by_age_band = {label: get(f"band_{i}") for i, (label, _, _) in enumerate(AGE_BANDS)}
    if shape["age_unknown"]:
        by_age_group[NOT_KNOWN] = get("age_unknown")
        by_age_band[NOT_KNOWN] = get("age_unknown")

    def lookup_group(name, raw):
        models, in_force = lookups[name]
        return counts_by_name(models, in_force, counts[raw].get(key, {}))

    by_outcome = lookup_group("outcome", "outcome")
    if shape["no_outcome"]:
        by_outcome[NO_OUTCOME] = counts["outcome"].get(key, {}).get(None, 0)
    return {
        "referrals": get("total"),
        "by_gender": {label: get(f"gender_{value}") for value, label in Gender.choices},
        "by_age_group": by_age_group,
        "by_age_band": by_age_band,
        "by_type_of_concern": lookup_group("concern", "concern"),
        "by_sector": lookup_group("sector", "sector"),
        "by_outcome": by_outcome,
        **{flag: get(flag) for flag in FLAGS},
    }


def _lookups(counts: dict, date_from: date, date_to: date) -> dict:
    """Each lookup's entries and the ids to list: in force in the period, or used in it."""
    out = {}
    for name, model in (("outcome", Outcome), ("concern", ConcernType), ("sector", Sector)):
        entries = list(model.objects.order_by("order", "name"))
        used = {pk for by_id in counts[name].values() for pk, n in by_id.items() if n}
        in_force = {x.pk for x in entries if lookup_in_force(x, date_from, date_to)}
        out[name] = (entries, in_force | used)
    return out


def _base(key: str) -> str:
    """The count a flag's percentage is of."""
    measure = BY_KEY.get(key)
    return measure.share_of if measure and measure.share_of else "referrals"


def _cells(profiles: list[dict]) -> tuple[dict, list[Sum], set]:
    """Every count of every period as a cell (period index, measure, category), with the
    sums that tie them: tables to the referrals, age bands to age groups, flags and their
    unpublished complements to their whole and, with several periods, the quarters (all
    but the last profile) to the year (the last)."""
    values: dict = {}
    sums: list[Sum] = []
    unpublished: set = set()
    for p, profile in enumerate(profiles):
        values[(p, "referrals", "")] = profile["referrals"]
        for table in GROUPS:
            for category, count in profile[table].items():
                values[(p, table, category)] = count
        for table in PARTITIONS:
            parts = tuple((p, table, c) for c in profile[table])
            sums.append(Sum((p, "referrals", ""), parts))
        young = tuple((p, "by_age_band", label) for label, _, high in AGE_BANDS if high < ADULT_AGE)
        adult = tuple((p, "by_age_band", label) for label, low, _ in AGE_BANDS if low >= ADULT_AGE)
        sums.append(Sum((p, "by_age_group", "Young person"), young))
        sums.append(Sum((p, "by_age_group", "Adult"), adult))
        for flag in FLAGS:
            base = profile[_base(flag)]
            values[(p, flag, "")] = profile[flag]
            values[(p, flag, COMPLEMENT)] = base - profile[flag]
            unpublished.add((p, flag, COMPLEMENT))
            sums.append(Sum((p, _base(flag), ""), ((p, flag, ""), (p, flag, COMPLEMENT))))
    if len(profiles) > 1:
        year = len(profiles) - 1
        for _, measure, category in [k for k in values if k[0] == year]:
            quarters = tuple((q, measure, category) for q in range(year))
            sums.append(Sum((year, measure, category), quarters))
    return values, sums, unpublished


def _published(profile: dict, p: int, hidden: set) -> tuple[dict, dict]:
    """The profile of period ``p`` with hidden counts as None, and its percentages."""

    def shown(measure, category=""):
        return None if (p, measure, category) in hidden else True

    figures: dict = {}
    percent: dict = {}
    total_shown = shown("referrals")
    for key, value in profile.items():
        if isinstance(value, dict):
            figures[key] = {c: v if shown(key, c) else None for c, v in value.items()}
            percent[key] = {
                c: _percent(v, profile["referrals"]) if shown(key, c) and total_shown else None
                for c, v in value.items()
            }
        else:
            base = "referrals" if key == "referrals" else _base(key)
            visible = shown(key) and shown(base)
            figures[key] = value if shown(key) else None
            percent[key] = _percent(value, profile[base]) if visible else None
    return figures, percent


def referral_statistics(
    *,
    date_from: date,
    date_to: date,
    suppress: int = 0,
    with_quarters: bool = False,
    areas=None,
) -> dict:
    """The profile of referrals received from ``date_from`` to ``date_to`` inclusive (the
    rules are at the top of this module). ``with_quarters``, for a whole financial quarter
    or year with ``suppress``: also "quarters", the referrals of each quarter of that year
    and then of the year, as (first day, count or None if hidden), hidden with the rest.
    ``areas``: the council areas (ids) whose referrals count, with those they transferred
    out (``TransferTrace``); None, every referral once."""
    block = reporting_block(date_from, date_to) if suppress else None
    periods = block.periods if block else [Period(date_from, date_to)]
    span = periods[-1]
    counts = _counts(span.start, span.end, by_quarter=block is not None, areas=areas)
    lookups = _lookups(counts, span.start, span.end)
    all_totals = counts["totals"].values()
    shape = {
        "age_unknown": any(t["age_unknown"] for t in all_totals),
        "no_outcome": any(by_id.get(None) for by_id in counts["outcome"].values()),
    }
    if block:
        profiles = [_profile(counts, q.start, lookups, shape) for q in block.quarters]
        profiles.append(_sum_profiles(profiles))
        asked = block.asked
    else:
        profiles = [_profile(counts, None, lookups, shape)]
        asked = 0
    hidden: set = set()
    if suppress:
        values, sums, unpublished = _cells(profiles)
        hidden = suppress_cells(values, sums, below=suppress, unpublished=unpublished)
    figures, percent = _published(profiles[asked], asked, hidden)
    out = {
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        **figures,
        "percent": percent,
    }
    if with_quarters and block:
        out["quarters"] = [
            (period.start, None if (p, "referrals", "") in hidden else profiles[p]["referrals"])
            for p, period in enumerate(block.periods)
        ]
    return out


def _sum_profiles(profiles: list[dict]) -> dict:
    """The year's profile: the quarters' counts added (every count is of referrals received
    in the period, so a year's count is the sum of its quarters')."""
    out: dict = {}
    for key, value in profiles[0].items():
        if isinstance(value, dict):
            out[key] = {c: sum(p[key][c] for p in profiles) for c in value}
        else:
            out[key] = sum(p[key] for p in profiles)
    return out


def statistics_rows(figures: dict) -> list[tuple[str, str, object, object]]:
    """(measure, category, count, percent) rows, in the order of the JSON."""
    rows = []
    percent = figures["percent"]
    for key, value in figures.items():
        if key in {"from", "to", "percent"}:
            continue
        if isinstance(value, dict):
            rows += [(key, k, v, percent[key][k]) for k, v in value.items()]
        else:
            rows.append((key, "", value, percent[key]))
    return rows


def statistics_csv(figures: dict) -> str:
    """CSV with columns measure, category, count, percent; suppressed cells are empty."""
    rows = [["from", figures["from"], "", ""], ["to", figures["to"], "", ""]]
    rows += [list(row) for row in statistics_rows(figures)]
    return csv_text(["measure", "category", "count", "percent"], rows)
