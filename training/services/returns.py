"""Agencies' quarterly compliance returns: entering one, correcting one, and the quarter a
return belongs to."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from prevent_portal.accounts.models import Agency, User
from prevent_portal.areas.models import Area
from prevent_portal.core.concurrency import save_if_unchanged
from training.freshness import compliance_figures_changed
from training.models import MAX_STAFF, ComplianceReturn, ReportingPeriod, TrainingType
from training.quarters import QUARTER_ENDS_TEXT, quarter_ending


class DuplicateReturn(ValueError):
    """A return for this agency, training type and quarter exists already: correct it."""

    def __init__(self, existing: ComplianceReturn):
        self.existing = existing
        super().__init__(
            f"{existing.agency.name} already has a {existing.training_type.name} return for "
            f"{existing.period.label}: change that return instead"
        )


def figures_problem(eligible: int, compliant: int) -> str | None:
    """Why a pair of figures cannot be a return, or None if it can."""
    if eligible < 0 or compliant < 0:
        return "Staff numbers cannot be negative"
    if eligible > MAX_STAFF or compliant > MAX_STAFF:
        return f"Staff numbers must be {MAX_STAFF:,} or fewer"
    if compliant > eligible:
        return "Compliant staff cannot be more than eligible staff"
    return None


def _check_figures(eligible: int, compliant: int) -> None:
    problem = figures_problem(eligible, compliant)
    if problem:
        raise ValueError(problem)


def default_deadline(end: date) -> date:
    """The submission deadline of a quarter created without one (by an import)."""
    return end + timedelta(days=settings.TRAINING_DEADLINE_DAYS_AFTER_QUARTER)


# No savepoint when called inside an import's transaction (one per new quarter otherwise).
@transaction.atomic(savepoint=False)
def reporting_period_for_end(*, end: date, acting_user: User | None) -> ReportingPeriod:
    """The reporting period ending on ``end``, created (with the default deadline) if the
    date is a financial quarter's last day and the quarter is not recorded yet."""
    existing = ReportingPeriod.objects.filter(end=end).first()
    if existing is not None:
        return existing
    quarter = quarter_ending(end)
    if quarter is None:
        raise ValueError(
            f"{end.isoformat()} is not the last day of a quarter ({QUARTER_ENDS_TEXT})"
        )
    compliance_figures_changed(None)
    return ReportingPeriod.objects.create(
        start=quarter.start,
        end=quarter.end,
        label=quarter.label,
        submission_deadline=default_deadline(quarter.end),
    )


def return_area(agency: Agency, area: Area | None) -> Area:
    """The council area a return of ``agency`` is filed in: ``area`` if the agency serves
    it, else the one area the agency serves. ValueError otherwise, so a return is never filed
    in an area nobody chose, nor in one that does not ask the agency for it."""
    served = list(agency.areas.order_by("pk")[:2]) if area is None else []
    if area is None:
        if len(served) != 1:
            raise ValueError(f"Say which council area {agency.name}'s return is for")
        return served[0]
    if not agency.areas.filter(pk=area.pk).exists():
        raise ValueError(f"{agency.name} does not serve {area.name}")
    return area


@transaction.atomic
def compliance_return_submit(
    *,
    agency: Agency,
    training_type: TrainingType,
    period: ReportingPeriod,
    eligible: int,
    compliant: int,
    acting_user: User | None,
    area: Area | None = None,
) -> ComplianceReturn:
    """Record an agency's figures for a training type and quarter in a council area, against
    the type's target today. One return per agency, type, quarter and area: a second is
    refused with DuplicateReturn (correct the first instead). ``area`` must be one the agency
    serves; without it, the one area the agency serves (a partner serving several must say
    which). The caller has checked that ``acting_user`` may return figures for ``agency``
    in ``area``."""
    _check_figures(eligible, compliant)
    area = return_area(agency, area)
    # A quarter that began before a body ended is still its own; one after is its successor's.
    agency.require_open(period.start, what="training return")
    training_type.require_offered(period.start)
    existing = ComplianceReturn.objects.filter(
        agency=agency, training_type=training_type, period=period, area=area
    ).first()
    if existing is not None:
        raise DuplicateReturn(existing)
    now = timezone.now()
    compliance_figures_changed([area.pk])
    try:
        with transaction.atomic():
            return ComplianceReturn.objects.create(
                agency=agency,
                training_type=training_type,
                period=period,
                area=area,
                eligible=eligible,
                compliant=compliant,
                target_percent=training_type.target_percent,
                submitted_by=acting_user,
                submitted_at=now,
                updated_by=acting_user,
                updated_at=now,
            )
    except IntegrityError:  # someone else's return for the same quarter won the race
        existing = ComplianceReturn.objects.filter(
            agency=agency, training_type=training_type, period=period, area=area
        ).first()
        if existing is None:
            raise
        raise DuplicateReturn(existing) from None


@transaction.atomic
def compliance_return_correct(
    *,
    compliance_return: ComplianceReturn,
    eligible: int,
    compliant: int,
    expected_version: int,
    acting_user: User | None,
) -> ComplianceReturn:
    """Correct the figures of a return. Refused with StaleEdit if someone changed it since
    ``expected_version`` was read; the audit log keeps the figures it replaced."""
    _check_figures(eligible, compliant)
    compliance_return.eligible = eligible
    compliance_return.compliant = compliant
    compliance_return.updated_by = acting_user
    compliance_return.updated_at = timezone.now()
    save_if_unchanged(
        compliance_return,
        expected_version=expected_version,
        fields=["eligible", "compliant", "updated_by", "updated_at"],
    )
    compliance_figures_changed([compliance_return.area_id])
    return compliance_return


__all__ = [
    "DuplicateReturn",
    "compliance_return_correct",
    "compliance_return_submit",
    "default_deadline",
    "figures_problem",
    "reporting_period_for_end",
    "return_area",
]
