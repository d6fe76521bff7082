"""Counts of Channel cases by vulnerability-assessment dimension, at adoption and at exit:
aggregates for managers (and the Coordinator and chair), on the Channel Panel report page.

Rules, decided once here (the period is ``date_from`` to ``date_to``, both days included):
- at adoption: the cases adopted in the period; each is read on its assessment at adoption,
  the latest completed one assessed on or before the day of adoption, or else the first
  completed after it (the adoption rule accepts one assessed at the meeting itself);
- at exit: the cases that exited in the period, read on the latest completed assessment
  assessed on or before the day of exit;
- a case counts under a dimension when at least one of that dimension's factors was rated
  present; a case may count under several. "Cases" is every case of the stage (for the
  sums: the page shows the report's own count of cases adopted, never a second copy
  suppressed differently), "no assessment" those with none to read;
- ``suppress=N`` hides small counts with the one helper every aggregate uses
  (``prevent_portal.core.suppression``): below N, and then more until no hidden count, nor
  the unpublished "cases without the dimension", follows from the others; for a whole
  financial quarter or year, across the four quarters and the year at once (security
  finding F3).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from channel_panel.assessments import Assessment, AssessmentRating, VafDimension
from channel_panel.models import ChannelCase
from prevent_portal.core.periods import Period, reporting_block
from prevent_portal.core.suppression import Sum
from prevent_portal.core.suppression import suppress as suppress_cells

ADOPTION, EXIT = "adoption", "exit"
STAGES = ((ADOPTION, "adopted_on"), (EXIT, "exited_on"))
CASES, NONE = "cases", "no-assessment"
COMPLEMENT = "not"


def _present_dimensions(referral_ids) -> dict[int, list[tuple[date, set[str]]]]:
    """For each referral, its completed assessments oldest first, each as (day assessed,
    codes of the dimensions with a factor present). Two queries."""
    assessments = list(
        Assessment.objects.completed()
        .filter(referral_id__in=referral_ids)
        .in_order()
        .values_list("pk", "referral_id", "assessed_on")
    )
    present = defaultdict(set)
    for assessment_id, code in AssessmentRating.objects.filter(
        assessment_id__in=[a[0] for a in assessments],
        rating=AssessmentRating.Rating.PRESENT,
    ).values_list("assessment_id", "factor__dimension__code"):
        present[assessment_id].add(code)
    out: dict[int, list] = defaultdict(list)
    for pk, referral_id, assessed_on in assessments:
        out[referral_id].append((assessed_on, present[pk]))
    return out


def _read_on(history: list, day: date, *, stage: str) -> set[str] | None:
    """The dimensions present on the assessment a case is read on at ``stage`` (None: no
    assessment to read)."""
    before = [dims for assessed_on, dims in history if assessed_on <= day]
    if before:
        return before[-1]
    if stage == ADOPTION and history:
        return history[0][1]
    return None


def _counts(periods: list[Period], codes: list[str], areas=None) -> list[dict]:
    """For each period: {(stage, key): count}, key a dimension's code, CASES, NONE, and the
    complement (stage, code, COMPLEMENT)."""
    span = (periods[0].start, periods[-1].end)
    in_scope = ChannelCase.objects.all()
    if areas is not None:
        in_scope = in_scope.filter(area__in=sorted(areas))
    cases = list(
        in_scope.filter(adopted_on__range=span).values_list(
            "referral_id", "adopted_on", "exited_on"
        )
    ) + list(
        in_scope.filter(exited_on__range=span)
        .exclude(adopted_on__range=span)
        .values_list("referral_id", "adopted_on", "exited_on")
    )
    history = _present_dimensions({referral_id for referral_id, *_ in cases})
    out = []
    for period in periods:
        counts: dict = defaultdict(int)
        for stage, _field in STAGES:
            counts[(stage, CASES)] += 0
            counts[(stage, NONE)] += 0
            for code in codes:
                counts[(stage, code)] += 0
        for referral_id, adopted_on, exited_on in cases:
            for stage, day in ((ADOPTION, adopted_on), (EXIT, exited_on)):
                if day is None or not period.contains(day):
                    continue
                counts[(stage, CASES)] += 1
                dims = _read_on(history.get(referral_id, []), day, stage=stage)
                if dims is None:
                    counts[(stage, NONE)] += 1
                    continue
                for code in codes:
                    counts[(stage, code)] += code in dims
        for stage, _field in STAGES:
            for code in codes:
                counts[(stage, code, COMPLEMENT)] = counts[(stage, CASES)] - counts[(stage, code)]
        out.append(dict(counts))
    return out


def vaf_counts(*, date_from: date, date_to: date, suppress: int = 0, areas=None) -> dict:
    """Cases by dimension at adoption and at exit from ``date_from`` to ``date_to`` (the
    rules at the top of this module), of the council ``areas`` (ids; None: every area).
    Returns {"dimensions": [(code, name)], "adoption": {key: count or None}, "exit":
    {...}}; None is a hidden count."""
    dimensions = list(
        VafDimension.objects.current(date_to).order_by("order", "name").values_list("code", "name")
    )
    codes = [code for code, _ in dimensions]
    block = reporting_block(date_from, date_to) if suppress else None
    periods = block.quarters if block else [Period(date_from, date_to)]
    per_period = _counts(periods, codes, areas)
    if block:
        per_period.append({key: sum(p[key] for p in per_period) for key in per_period[0]})
    asked = block.asked if block else 0
    hidden: set = set()
    if suppress:
        values = {(p, *key): n for p, counts in enumerate(per_period) for key, n in counts.items()}
        unpublished = {cell for cell in values if cell[-1] == COMPLEMENT}
        sums = []
        for p, _counts_of in enumerate(per_period):
            for stage, _field in STAGES:
                for code in codes:
                    sums.append(
                        Sum((p, stage, CASES), ((p, stage, code), (p, stage, code, COMPLEMENT)))
                    )
        if len(per_period) > 1:
            year = len(per_period) - 1
            for key in per_period[0]:
                sums.append(Sum((year, *key), tuple((q, *key) for q in range(year))))
        hidden = suppress_cells(values, sums, below=suppress, unpublished=unpublished)
    counts = per_period[asked]
    result: dict = {"dimensions": dimensions}
    for stage, _field in STAGES:
        result[stage] = {
            key: (None if (asked, stage, key) in hidden else counts[(stage, key)])
            for key in [CASES, *codes, NONE]
        }
    return result


def vaf_table_rows(counts: dict) -> list[tuple[str, int | None, int | None]]:
    """(label, at adoption, at exit) rows of the cases-by-dimension table, as the Channel
    Panel report page and the board report print it. Not the stage's total: each shows its
    own count of cases adopted, suppressed with its other figures; two differently
    suppressed copies of one count could give away what one of them hides."""
    labels = [
        *((code, f"With a factor present: {name}") for code, name in counts["dimensions"]),
        (NONE, "No assessment to read"),
    ]
    return [(label, counts[ADOPTION][key], counts[EXIT][key]) for key, label in labels]
