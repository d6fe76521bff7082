"""Synthetic training compliance returns (issue 8): agencies' quarterly figures over ten years.

Every agency returns some of the training types each quarter since it started returning;
eligible staff depend on the agency's size, compliance drifts upwards towards the target.
The reporting periods are made by the same service the application uses.
"""

from __future__ import annotations

from datetime import datetime, time

from django.utils import timezone

from prevent_portal.accounts.models import Agency, Role
from prevent_portal.core import synthetic
from prevent_portal.core.synthetic import YEARS
from prevent_portal.core.synthetic.bulk import allocate_ids, copy_rows
from training import services
from training.models import ComplianceReturn, TrainingType
from training.quarters import previous_quarter, quarter_containing

EXTRA_TYPES = [("Home Office Prevent e-learning", 85), ("Train the Trainer", 80)]
EXTRA_TYPES += [("Prevent briefing", 75)]


def generate(ctx) -> None:
    wanted = ctx.size("training_returns")
    if ComplianceReturn.objects.count() >= wanted:
        return
    rng = ctx.rng("training")
    names = set(TrainingType.objects.values_list("name", flat=True))
    for order, (name, target) in enumerate(EXTRA_TYPES, start=10):
        if name not in names:
            services.training_type_create(
                name=name, target_percent=target, order=order, acting_user=ctx.actor
            )
    types = list(TrainingType.objects.values_list("pk", "target_percent"))
    quarter = previous_quarter(quarter_containing(ctx.today))
    quarters = []
    for _ in range(4 * YEARS):
        quarters.insert(0, quarter)
        quarter = previous_quarter(quarter)
    periods = [
        services.reporting_period_for_end(end=q.end, acting_user=ctx.actor).pk for q in quarters
    ]
    taken = set(ComplianceReturn.objects.values_list("agency_id", "training_type_id", "period_id"))
    agencies = list(Agency.objects.values_list("pk", flat=True))
    spocs = ctx.objects["users_by_agency_role"]
    # Each agency: its size, which types it returns, and the quarter it started returning.
    profiles = []
    for agency in agencies:
        returned = rng.sample(types, k=rng.randint(2, len(types)))
        profiles.append((agency, rng.choice([40, 120, 400, 1200, 6000]), returned))
    per_agency = max(1, wanted // len(agencies))
    rows = []
    for agency, size, returned in profiles:
        spoc = (spocs.get((agency, Role.SPOC)) or [None])[0]
        combos = [(t, target, k) for k, _ in enumerate(periods) for t, target in returned]
        for type_id, target, k in combos[-per_agency:]:
            period = periods[k]
            if (agency, type_id, period) in taken:
                continue
            eligible = max(1, round(size * rng.uniform(0.2, 1.0)))
            rate = min(1.0, max(0.0, 0.55 + 0.01 * k + rng.uniform(-0.15, 0.15)))
            at = timezone.make_aware(datetime.combine(quarters[k].end, time(16)))
            rows.append(
                {
                    "agency_id": agency,
                    "training_type_id": type_id,
                    "period_id": period,
                    "eligible": eligible,
                    "compliant": round(eligible * rate),
                    "target_percent": target,
                    "submitted_by_id": spoc,
                    "submitted_at": at,
                    "updated_by_id": spoc,
                    "updated_at": at,
                    "version": 1,
                }
            )
            if len(rows) >= wanted:
                break
    for row, pk in zip(rows, allocate_ids(ComplianceReturn, len(rows)), strict=True):
        row["id"] = pk
    copy_rows(ctx, ComplianceReturn, rows)


synthetic.register("training", generate, order=30)
