"""The Coordinator's configuration: training types with their targets, and reporting
periods (financial-year quarters) with their submission deadlines."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction

from prevent_portal.accounts.models import Agency, User
from prevent_portal.core.concurrency import save_if_unchanged
from training.freshness import compliance_figures_changed
from training.models import ReportingPeriod, TrainingType
from training.quarters import QUARTER_ENDS_TEXT, quarter_ending


def _check_target(target_percent: int) -> None:
    if not 0 <= target_percent <= 100:
        raise ValueError("A target is a percentage from 0 to 100")


@transaction.atomic
def training_type_create(
    *,
    name: str,
    target_percent: int,
    is_active: bool = True,
    order: int = 0,
    agencies: Iterable[Agency] = (),
    acting_user: User | None,
) -> TrainingType:
    """Add a training type. Names are unique whatever their case, since files match them
    case-insensitively."""
    name = name.strip()
    _check_target(target_percent)
    if TrainingType.objects.filter(name__iexact=name).exists():
        raise ValueError(f"There is already a training type called {name}")
    training_type = TrainingType.objects.create(
        name=name, target_percent=target_percent, is_active=is_active, order=order
    )
    training_type.agencies.set(agencies)
    compliance_figures_changed(None)
    return training_type


@transaction.atomic
def training_type_withdraw(
    *,
    training_type: TrainingType,
    withdrawn_on: date,
    expected_version: int,
    acting_user: User | None,
) -> TrainingType:
    """Mark a course withdrawn by its publisher (the Home Office's WRAP) as historical from
    the day after ``withdrawn_on``: its returns and sessions stay and are reported, nothing
    is asked or recorded for it after that day (TrainingType.require_offered), and it is no
    longer in use."""
    training_type.withdrawn_on = withdrawn_on
    training_type.is_active = False
    save_if_unchanged(
        training_type, expected_version=expected_version, fields=["withdrawn_on", "is_active"]
    )
    compliance_figures_changed(None)
    return training_type


@transaction.atomic
def training_type_update(
    *,
    training_type: TrainingType,
    name: str,
    target_percent: int,
    is_active: bool,
    order: int,
    agencies: Iterable[Agency],
    expected_version: int,
    acting_user: User | None,
) -> TrainingType:
    """Change a training type. A new target applies to returns made from now on; returns
    already made keep the target they were made against."""
    name = name.strip()
    _check_target(target_percent)
    if TrainingType.objects.filter(name__iexact=name).exclude(pk=training_type.pk).exists():
        raise ValueError(f"There is already a training type called {name}")
    training_type.name = name
    training_type.target_percent = target_percent
    training_type.is_active = is_active
    training_type.order = order
    save_if_unchanged(
        training_type,
        expected_version=expected_version,
        fields=["name", "target_percent", "is_active", "order"],
    )
    training_type.agencies.set(agencies)
    compliance_figures_changed(None)
    return training_type


@transaction.atomic
def reporting_period_create(
    *, end: date, submission_deadline: date, acting_user: User | None
) -> ReportingPeriod:
    """Add the financial quarter ending on ``end`` with its submission deadline."""
    quarter = quarter_ending(end)
    if quarter is None:
        raise ValueError(f"The last day of a quarter is {QUARTER_ENDS_TEXT}")
    if ReportingPeriod.objects.filter(end=end).exists():
        raise ValueError(f"{quarter.label} is already a reporting period")
    if submission_deadline < quarter.start:
        raise ValueError("The deadline cannot be before the quarter starts")
    compliance_figures_changed(None)
    return ReportingPeriod.objects.create(
        start=quarter.start,
        end=quarter.end,
        label=quarter.label,
        submission_deadline=submission_deadline,
    )


@transaction.atomic
def reporting_period_update(
    *,
    period: ReportingPeriod,
    submission_deadline: date,
    expected_version: int,
    acting_user: User | None,
) -> ReportingPeriod:
    """Move a quarter's submission deadline (reminders follow the new date)."""
    if submission_deadline < period.start:
        raise ValueError("The deadline cannot be before the quarter starts")
    period.submission_deadline = submission_deadline
    save_if_unchanged(period, expected_version=expected_version, fields=["submission_deadline"])
    compliance_figures_changed(None)
    return period


__all__ = [
    "reporting_period_create",
    "reporting_period_update",
    "training_type_create",
    "training_type_update",
    "training_type_withdraw",
]
