"""The Home Office-style profile of referrals received in a period: the figures of the
statistics page and of ``manage.py prevent_statistics``.

Rules, decided once here:
- a referral counts when it was received in the period, both ends included;
- age is the age at the date received (stored on the referral); under 18 is a young person;
  referrals without a date of birth count as "Not known", a key present only when non-zero;
- by_gender always has the four Gender labels; lookups (types of concern, sectors,
  outcomes) are keyed by display name: every entry in force at some time in the period,
  and any other that was used; referrals without an outcome count as "No outcome yet";
- mental_health_concern and known_to_mental_health_services count referrals with that
  needs flag;
- every count is also a percentage of ``referrals`` in a sibling "percent" object with the
  same keys, as a whole number rounded half up (12.5 -> 13), like the board papers (null
  when there are no referrals);
- ``suppress=N`` replaces every count below N, and its percentage, with null.

Figures come from database aggregation: seven queries, however many referrals.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Exists, OuterRef, Q

from prevent_portal.accounts.models import Sector
from prevent_portal.core.exports import csv_text
from prevent_portal.core.numbers import percent_half_up as _percent
from referrals.models import (
    ADULT_AGE,
    AGE_BANDS,
    ConcernType,
    Gender,
    NeedsFlag,
    Outcome,
    Referral,
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
FLAGS = ["mental_health_concern", "known_to_mental_health_services", "reached_panel", "adopted"]


def lookup_in_force(lookup, date_from: date, date_to: date) -> bool:
    """In force at some time in the period."""
    starts_in_time = lookup.effective_from is None or lookup.effective_from <= date_to
    ends_in_time = lookup.effective_to is None or lookup.effective_to >= date_from
    return starts_in_time and ends_in_time


def _has_flag(code: str):
    through = Referral.needs_flags.through
    return Exists(through.objects.filter(referral_id=OuterRef("pk"), needsflag__code=code))


def counts_by_name(lookups, in_force_ids: set[int], counts: dict) -> dict[str, int]:
    out: dict[str, int] = {}
    for lookup in lookups:
        if lookup.pk in in_force_ids or counts.get(lookup.pk):
            out[lookup.name] = out.get(lookup.name, 0) + counts.get(lookup.pk, 0)
    return out


def _counts(date_from: date, date_to: date) -> dict:
    referrals = Referral.objects.filter(received_on__range=(date_from, date_to))
    age = "age_at_referral"
    aggregates = {
        "total": Count("pk"),
        "adult": Count("pk", filter=Q(**{f"{age}__gte": ADULT_AGE})),
        "young": Count("pk", filter=Q(**{f"{age}__lt": ADULT_AGE})),
        "age_unknown": Count("pk", filter=Q(**{f"{age}__isnull": True})),
        "mhc": Count("pk", filter=Q(has_mhc=True)),
        "kmhs": Count("pk", filter=Q(has_kmhs=True)),
        "reached_panel": Count("pk", filter=Q(reached_panel=True)),
        "adopted": Count("pk", filter=Q(adopted=True)),
    }
    for value, _label in Gender.choices:
        aggregates[f"gender_{value}"] = Count("pk", filter=Q(person__gender=value))
    for index, (_label, low, high) in enumerate(AGE_BANDS):
        aggregates[f"band_{index}"] = Count("pk", filter=Q(**{f"{age}__range": (low, high)}))
    totals = referrals.annotate(
        has_mhc=_has_flag(NeedsFlag.MENTAL_HEALTH_CONCERN),
        has_kmhs=_has_flag(NeedsFlag.KNOWN_TO_MENTAL_HEALTH_SERVICES),
    ).aggregate(**aggregates)
    by_sector = dict(
        referrals.values_list("referring_sector_id").annotate(n=Count("pk")).order_by()
    )
    by_outcome = dict(referrals.values_list("outcome_id").annotate(n=Count("pk")).order_by())
    through = Referral.concern_types.through
    by_concern = dict(
        through.objects.filter(referral__received_on__range=(date_from, date_to))
        .values_list("concerntype_id")
        .annotate(n=Count("referral_id", distinct=True))
        .order_by()
    )
    return {"totals": totals, "sector": by_sector, "outcome": by_outcome, "concern": by_concern}


def referral_statistics(*, date_from: date, date_to: date, suppress: int = 0) -> dict:
    """The profile of referrals received from ``date_from`` to ``date_to`` inclusive."""
    counts = _counts(date_from, date_to)
    totals = counts["totals"]
    total = totals["total"]

    by_age_group = {"Adult": totals["adult"], "Young person": totals["young"]}
    by_age_band = {label: totals[f"band_{i}"] for i, (label, _, _) in enumerate(AGE_BANDS)}
    if totals["age_unknown"]:
        by_age_group[NOT_KNOWN] = totals["age_unknown"]
        by_age_band[NOT_KNOWN] = totals["age_unknown"]

    def lookup_group(model, key_counts):
        lookups = list(model.objects.order_by("order", "name"))
        in_force = {x.pk for x in lookups if lookup_in_force(x, date_from, date_to)}
        return counts_by_name(lookups, in_force, key_counts)

    by_outcome = lookup_group(Outcome, counts["outcome"])
    if counts["outcome"].get(None):
        by_outcome[NO_OUTCOME] = counts["outcome"][None]

    figures = {
        "referrals": total,
        "by_gender": {label: totals[f"gender_{value}"] for value, label in Gender.choices},
        "by_age_group": by_age_group,
        "by_age_band": by_age_band,
        "by_type_of_concern": lookup_group(ConcernType, counts["concern"]),
        "by_sector": lookup_group(Sector, counts["sector"]),
        "by_outcome": by_outcome,
        "mental_health_concern": totals["mhc"],
        "known_to_mental_health_services": totals["kmhs"],
        "reached_panel": totals["reached_panel"],
        "adopted": totals["adopted"],
    }
    percent = {
        key: (
            {k: _percent(v, total) for k, v in value.items()}
            if isinstance(value, dict)
            else _percent(value, total)
        )
        for key, value in figures.items()
    }
    if suppress:
        figures, percent = suppress_small_counts(figures, percent, suppress)
    return {
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        **figures,
        "percent": percent,
    }


def suppress_small_counts(figures: dict, percent: dict, below: int) -> tuple[dict, dict]:
    def small(count):
        return count is not None and count < below

    out_figures, out_percent = {}, {}
    for key, value in figures.items():
        if isinstance(value, dict):
            out_figures[key] = {k: None if small(v) else v for k, v in value.items()}
            out_percent[key] = {k: None if small(value[k]) else p for k, p in percent[key].items()}
        else:
            out_figures[key] = None if small(value) else value
            out_percent[key] = None if small(value) else percent[key]
    return out_figures, out_percent


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
