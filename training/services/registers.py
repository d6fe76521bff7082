"""The Coordinator's registers: sessions delivered and department coverage."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils import timezone

from prevent_portal.accounts.models import Agency, User
from prevent_portal.areas.models import Area, default_area
from prevent_portal.core.concurrency import save_if_unchanged
from training.models import DeliveryMode, DepartmentCoverage, TrainingSession

SESSION_FIELDS = [
    "delivered_on",
    "training_type",
    "trainers",
    "other_organisations",
    "audience",
    "attendees",
    "mode",
    "feedback",
]
COVERAGE_FIELDS = [
    "department",
    "training_type",
    "covers_from",
    "as_at",
    "staff_requiring_training",
    "staff_trained",
    "sessions_delivered",
]


def _check_session(data: dict, agencies: list[Agency]) -> None:
    if data["delivered_on"] > timezone.localdate():
        raise ValueError("A session is logged once it has been delivered, not before")
    if data["mode"] not in DeliveryMode.values:
        raise ValueError("Unknown delivery mode")
    if not agencies and not data.get("other_organisations", "").strip():
        raise ValueError("Name at least one organisation that was trained")
    for agency in agencies:
        agency.require_open(data["delivered_on"], what="training session")
    data["training_type"].require_offered(data["delivered_on"])


@transaction.atomic
def training_session_record(
    *,
    data: dict,
    agencies: Iterable[Agency],
    acting_user: User | None,
    area: Area | None = None,
) -> TrainingSession:
    """Log a session delivered in a council area (``area``: the recording Coordinator's;
    a single-council deployment's only area when not given). ``data`` holds
    SESSION_FIELDS."""
    agencies = list(agencies)
    _check_session(data, agencies)
    extra = {"area": area} if area is not None else {}
    session = TrainingSession.objects.create(
        **{name: data[name] for name in SESSION_FIELDS}, recorded_by=acting_user, **extra
    )
    session.agencies.set(agencies)
    return session


@transaction.atomic
def training_session_update(
    *,
    session: TrainingSession,
    data: dict,
    agencies: Iterable[Agency],
    expected_version: int,
    acting_user: User | None,
) -> TrainingSession:
    """Correct a logged session; refused with StaleEdit if someone changed it meanwhile."""
    agencies = list(agencies)
    _check_session(data, agencies)
    for name in SESSION_FIELDS:
        setattr(session, name, data[name])
    session.updated_at = timezone.now()
    save_if_unchanged(
        session, expected_version=expected_version, fields=[*SESSION_FIELDS, "updated_at"]
    )
    session.agencies.set(agencies)
    return session


def _check_coverage(data: dict) -> None:
    if data["staff_trained"] > data["staff_requiring_training"]:
        raise ValueError("Staff trained cannot be more than staff requiring training")
    covers_from: date | None = data.get("covers_from")
    if covers_from and covers_from > data["as_at"]:
        raise ValueError("The date counted from cannot be after the as-at date")
    duplicate = DepartmentCoverage.objects.filter(
        department__iexact=data["department"].strip(),
        training_type=data["training_type"],
        as_at=data["as_at"],
    )
    if data.get("area_id") is not None:
        duplicate = duplicate.filter(area_id=data["area_id"])
    if data.get("pk"):
        duplicate = duplicate.exclude(pk=data["pk"])
    if duplicate.exists():
        raise ValueError(
            f"{data['department']} already has {data['training_type'].name} figures as at "
            f"{data['as_at']:%d %B %Y}"
        )


@transaction.atomic
def department_coverage_record(
    *, data: dict, acting_user: User | None, area: Area | None = None
) -> DepartmentCoverage:
    """Record a department's coverage as at a date in a council area (``area``: the
    recording Coordinator's; a single-council deployment's only area when not given); one
    entry per department, type and date in an area. ``data`` holds COVERAGE_FIELDS."""
    area_id = area.pk if area is not None else default_area()
    data = {**data, "department": data["department"].strip(), "area_id": area_id}
    _check_coverage(data)
    return DepartmentCoverage.objects.create(
        **{name: data.get(name) for name in COVERAGE_FIELDS},
        recorded_by=acting_user,
        area_id=area_id,
    )


@transaction.atomic
def department_coverage_update(
    *,
    coverage: DepartmentCoverage,
    data: dict,
    expected_version: int,
    acting_user: User | None,
) -> DepartmentCoverage:
    """Correct a coverage entry; refused with StaleEdit if someone changed it meanwhile."""
    data = {
        **data,
        "department": data["department"].strip(),
        "pk": coverage.pk,
        "area_id": coverage.area_id,
    }
    _check_coverage(data)
    for name in COVERAGE_FIELDS:
        setattr(coverage, name, data.get(name))
    coverage.updated_at = timezone.now()
    save_if_unchanged(
        coverage, expected_version=expected_version, fields=[*COVERAGE_FIELDS, "updated_at"]
    )
    return coverage


__all__ = [
    "COVERAGE_FIELDS",
    "SESSION_FIELDS",
    "department_coverage_record",
    "department_coverage_update",
    "training_session_record",
    "training_session_update",
]
