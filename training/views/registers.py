"""The Coordinator's registers: sessions delivered and department coverage. Managers and
the panel chair read them. Trainers and feedback may name people, so each page that shows
them writes access entries."""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from prevent_portal.accounts.access import acting_area, has_global_perm
from prevent_portal.accounts.models import Role
from prevent_portal.audit.access_log import log_access
from training import services
from training.forms.registers import CoverageEditForm, CoverageForm, SessionEditForm, SessionForm
from training.models import (
    DepartmentCoverage,
    TrainingSession,
    get_coverage_for_user,
    get_session_for_user,
)
from training.quarters import quarter_containing
from training.views.common import save_form

PAGE_SIZE = 25


def _require(user, perm: str) -> None:
    if not has_global_perm(user, perm):
        raise PermissionDenied


def _year_totals(sessions) -> list[dict]:
    """Sessions and attendees per financial year, newest first (one query)."""
    totals = defaultdict(lambda: {"sessions": 0, "attendees": 0})
    for delivered_on, attendees in sessions.values_list("delivered_on", "attendees"):
        year = quarter_containing(delivered_on).financial_year_start
        totals[year]["sessions"] += 1
        totals[year]["attendees"] += attendees
    return [
        {"label": f"{year}/{(year + 1) % 100:02d}", **counts}
        for year, counts in sorted(totals.items(), reverse=True)
    ]


@require_GET
def session_list(request):
    """Sessions delivered, newest first, with totals per financial year."""
    _require(request.user, "training.view_trainingsession")
    sessions = TrainingSession.objects.visible_to(request.user)
    page = Paginator(
        sessions.select_related("training_type").prefetch_related("agencies"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    log_access(request, page.object_list, view="training:sessions")
    return render(
        request,
        "training/session_list.html",
        {
            "page": page,
            "totals": _year_totals(sessions),
            "can_add": has_global_perm(request.user, "training.add_trainingsession"),
            "can_see_coverage": has_global_perm(request.user, "training.view_departmentcoverage"),
        },
    )


def _session_data(data: dict) -> dict:
    return {name: data[name] for name in services.SESSION_FIELDS}


@require_http_methods(["GET", "POST"])
def session_add(request):
    _require(request.user, "training.add_trainingsession")
    area = acting_area(request.user, [Role.COORDINATOR])
    form = SessionForm(request.POST or None, area=area.pk)
    saved = save_form(
        request,
        form,
        lambda data: services.training_session_record(
            area=area,
            data=_session_data(data),
            agencies=data["agencies"],
            acting_user=request.user,
        ),
        success="Session logged",
        to="training:sessions",
    )
    return saved or render(request, "training/session_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def session_edit(request, pk):
    session = get_session_for_user(request.user, pk, perm="change")
    agency_ids = list(session.agencies.values_list("pk", flat=True))
    form = SessionEditForm(
        request.POST or None,
        initial={
            **{name: getattr(session, name) for name in services.SESSION_FIELDS},
            "training_type": session.training_type_id,
            "agencies": agency_ids,
            "version": session.version,
        },
        area=session.area_id,
        current_type=session.training_type_id,
        current_agencies=agency_ids,
    )
    saved = save_form(
        request,
        form,
        lambda data: services.training_session_update(
            session=session,
            data=_session_data(data),
            agencies=data["agencies"],
            expected_version=data["version"],
            acting_user=request.user,
        ),
        success="Session updated",
        to="training:sessions",
    )
    if saved:
        return saved
    log_access(request, [session], view="training:session_edit")
    return render(request, "training/session_form.html", {"form": form, "session": session})


@require_GET
def coverage_list(request):
    """Each department's coverage, latest figures first."""
    _require(request.user, "training.view_departmentcoverage")
    page = Paginator(
        DepartmentCoverage.objects.visible_to(request.user).select_related("training_type"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "training/coverage_list.html",
        {
            "page": page,
            "can_add": has_global_perm(request.user, "training.add_departmentcoverage"),
        },
    )


def _coverage_data(data: dict) -> dict:
    return {name: data.get(name) for name in services.COVERAGE_FIELDS}


@require_http_methods(["GET", "POST"])
def coverage_add(request):
    _require(request.user, "training.add_departmentcoverage")
    form = CoverageForm(request.POST or None)
    saved = save_form(
        request,
        form,
        lambda data: services.department_coverage_record(
            area=acting_area(request.user, [Role.COORDINATOR]),
            data=_coverage_data(data),
            acting_user=request.user,
        ),
        success="Department coverage recorded",
        to="training:coverage",
    )
    return saved or render(request, "training/coverage_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def coverage_edit(request, pk):
    coverage = get_coverage_for_user(request.user, pk, perm="change")
    form = CoverageEditForm(
        request.POST or None,
        initial={
            **{name: getattr(coverage, name) for name in services.COVERAGE_FIELDS},
            "training_type": coverage.training_type_id,
            "version": coverage.version,
        },
        current_type=coverage.training_type_id,
    )
    saved = save_form(
        request,
        form,
        lambda data: services.department_coverage_update(
            coverage=coverage,
            data=_coverage_data(data),
            expected_version=data["version"],
            acting_user=request.user,
        ),
        success="Department coverage updated",
        to="training:coverage",
    )
    context = {"form": form, "coverage": coverage}
    return saved or render(request, "training/coverage_form.html", context)


urlpatterns = [
    path("sessions/", session_list, name="sessions"),
    path("sessions/new/", session_add, name="session_add"),
    path("sessions/<int:pk>/change/", session_edit, name="session_edit"),
    path("coverage/", coverage_list, name="coverage"),
    path("coverage/new/", coverage_add, name="coverage_add"),
    path("coverage/<int:pk>/change/", coverage_edit, name="coverage_edit"),
]
