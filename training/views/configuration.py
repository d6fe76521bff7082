"""The Coordinator's configuration pages: training types and their targets, reporting
periods and their deadlines. (The system administrator can also change them in the admin.)

Council areas (issue 18): training types and quarters are shared by every area. In a
single-council deployment its Coordinator changes them here, as before; in a deployment of
several areas one council's Coordinator does not change what every other council's returns
are measured against, so the pages are read-only and the system administrator changes them
in the admin."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from prevent_portal.accounts.access import has_global_perm
from prevent_portal.accounts.models import Agency
from prevent_portal.areas.models import Area
from training import services
from training.forms.configuration import (
    PeriodDeadlineForm,
    PeriodForm,
    TrainingTypeEditForm,
    TrainingTypeForm,
)
from training.models import ReportingPeriod, TrainingType
from training.views.common import save_form


def _require_configuring(user, model: str) -> None:
    if not has_global_perm(user, f"training.change_{model}"):
        raise PermissionDenied


def shared_configuration_editable() -> bool:
    """Whether a Coordinator changes the shared training configuration on these pages: only
    in a single-council deployment (the module's docstring)."""
    return len(Area.objects.order_by("pk")[:2]) < 2


def _require_changing(user, model: str) -> None:
    """403 unless ``user`` configures training and the deployment is a single council's."""
    _require_configuring(user, model)
    if not shared_configuration_editable():
        raise PermissionDenied


@require_GET
def type_list(request):
    _require_configuring(request.user, "trainingtype")
    types = TrainingType.objects.prefetch_related(
        Prefetch("agencies", queryset=Agency.objects.select_related("replaced_by"))
    )
    return render(
        request,
        "training/type_list.html",
        {"types": types, "can_change": shared_configuration_editable()},
    )


def _type_args(data: dict) -> dict:
    return {
        "name": data["name"],
        "target_percent": data["target_percent"],
        "is_active": data["is_active"],
        "order": data["order"],
        "agencies": data["agencies"],
    }


@require_http_methods(["GET", "POST"])
def type_add(request):
    _require_changing(request.user, "trainingtype")
    form = TrainingTypeForm(request.POST or None, initial={"is_active": True, "target_percent": 85})
    saved = save_form(
        request,
        form,
        lambda data: services.training_type_create(**_type_args(data), acting_user=request.user),
        success=lambda added: f"Training type {added.name} added",
        to="training:types",
    )
    return saved or render(request, "training/type_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def type_edit(request, pk):
    _require_changing(request.user, "trainingtype")
    training_type = get_object_or_404(TrainingType, pk=pk)
    form = TrainingTypeEditForm(
        request.POST or None,
        instance=training_type,
        initial={
            "name": training_type.name,
            "target_percent": training_type.target_percent,
            "is_active": training_type.is_active,
            "order": training_type.order,
            "agencies": list(training_type.agencies.values_list("pk", flat=True)),
            "version": training_type.version,
        },
    )
    saved = save_form(
        request,
        form,
        lambda data: services.training_type_update(
            training_type=training_type,
            **_type_args(data),
            expected_version=data["version"],
            acting_user=request.user,
        ),
        success=lambda changed: f"Training type {changed.name} updated",
        to="training:types",
    )
    return saved or render(
        request, "training/type_form.html", {"form": form, "training_type": training_type}
    )


@require_GET
def period_list(request):
    _require_configuring(request.user, "reportingperiod")
    periods = ReportingPeriod.objects.order_by("-end")
    return render(
        request,
        "training/period_list.html",
        {"periods": periods, "can_change": shared_configuration_editable()},
    )


@require_http_methods(["GET", "POST"])
def period_add(request):
    _require_changing(request.user, "reportingperiod")
    form = PeriodForm(request.POST or None)
    saved = save_form(
        request,
        form,
        lambda data: services.reporting_period_create(
            end=data["end"],
            submission_deadline=data["submission_deadline"],
            acting_user=request.user,
        ),
        success=lambda period: f"{period.label} added",
        to="training:periods",
    )
    return saved or render(request, "training/period_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def period_edit(request, pk):
    _require_changing(request.user, "reportingperiod")
    period = get_object_or_404(ReportingPeriod, pk=pk)
    form = PeriodDeadlineForm(
        request.POST or None,
        period=period,
        initial={"submission_deadline": period.submission_deadline, "version": period.version},
    )
    saved = save_form(
        request,
        form,
        lambda data: services.reporting_period_update(
            period=period,
            submission_deadline=data["submission_deadline"],
            expected_version=data["version"],
            acting_user=request.user,
        ),
        success=f"Deadline for {period.label} updated",
        to="training:periods",
    )
    return saved or render(request, "training/period_form.html", {"form": form, "period": period})


urlpatterns = [
    path("types/", type_list, name="types"),
    path("types/new/", type_add, name="type_add"),
    path("types/<int:pk>/change/", type_edit, name="type_edit"),
    path("quarters/", period_list, name="periods"),
    path("quarters/new/", period_add, name="period_add"),
    path("quarters/<int:pk>/change/", period_edit, name="period_edit"),
]
