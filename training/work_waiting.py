"""What waits on the home page from training (prevent_portal/core/work_waiting.py): a
SPOC's agencies' returns still missing for the quarters being chased (the reminders' rule,
``training.reminders.chased_periods`` and ``training.expected``), for the agencies the SPOC
returns figures for (``return_agency_scope``)."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from prevent_portal.accounts.models import Role
from prevent_portal.core.work_waiting import DUE, OVERDUE, Item, Provider, plural
from training.expected import missing_by_area, owed_by_area
from training.models import TrainingType, return_agency_scope
from training.reminders import chased_periods


def returns_missing(user, today: date):
    scope = return_agency_scope(user, "change")
    periods = chased_periods(today) if scope else []
    if not periods:
        yield Item(key="returns_missing", label="", url="", count=0)
        return
    # Each area the agency serves asks for its own returns (issue 18).
    owed = owed_by_area(list(TrainingType.objects.active()), scope)
    for period in periods:
        missing = sum(len(p) for p in missing_by_area(period, owed).values()) if owed else 0
        late = period.deadline_passed(today)
        yield Item(
            key=f"returns_missing_{period.pk}",
            label=plural(
                missing,
                f"training return missing for {period.label}",
                f"training returns missing for {period.label}",
            ),
            url=f"{reverse('training:returns')}?period={period.pk}",
            count=missing,
            urgency=OVERDUE if late else DUE,
            detail=f"{'Were due' if late else 'Due'} by {period.submission_deadline:%-d %B %Y}",
        )


PROVIDERS = [
    Provider(
        "training.returns_missing",
        "partner",
        returns_missing,
        "training returns",
        roles=frozenset({Role.SPOC}),
        order=40,
    ),
]
