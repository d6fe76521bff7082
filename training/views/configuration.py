"""The Coordinator's configuration pages: training types and their targets, reporting
periods and their deadlines. (The system administrator can also change them in the admin.)"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from prevent_portal.accounts.access import has_global_perm
from prevent_portal.core.concurrency import StaleEdit
from training import services
from training.forms.configuration import (
    PeriodDeadlineForm,
    PeriodForm,
    TrainingTypeEditForm,
    TrainingTypeForm,
)
from training.models import ReportingPeriod, TrainingType


def _require_configuring(user, model: str) -> None:
    if not has_global_perm(user, f"training.change_{model}"):
        raise PermissionDenied


@require_GET
def type_list(request):
    _require_configuring(request.user, "trainingtype")
    types = TrainingType.objects.prefetch_related("agencies")
    return render(request, "training/type_list.html", {"types": types})


def _type_args(form) -> dict:
    data = form.cleaned_data
    return {
        "name": data["name"],
        "target_percent": data["target_percent"],
        "is_active": data["is_active"],
        "order": data["order"],
        "agencies": data["agencies"],
    }


@require_http_methods(["GET", "POST"])
def type_add(request):
    _require_configuring(request.user, "trainingtype")
    form = TrainingTypeForm(request.POST or None, initial={"is_active": True, "target_percent": 85})
    if request.method == "POST" and form.is_valid():
        try:
            training_type = services.training_type_create(
                **_type_args(form), acting_user=request.user
            )
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Training type {training_type.name} added")
            return redirect("training:types")
    return render(request, "training/type_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def type_edit(request, pk):
    _require_configuring(request.user, "trainingtype")
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
    if request.method == "POST" and form.is_valid():
        try:
            services.training_type_update(
                training_type=training_type,
                **_type_args(form),
                expected_version=form.cleaned_data["version"],
                acting_user=request.user,
            )
        except (StaleEdit, ValueError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Training type {training_type.name} updated")
            return redirect("training:types")
    return render(
        request, "training/type_form.html", {"form": form, "training_type": training_type}
    )


@require_GET
def period_list(request):
    _require_configuring(request.user, "reportingperiod")
    periods = ReportingPeriod.objects.order_by("-end")
    return render(request, "training/period_list.html", {"periods": periods})


@require_http_methods(["GET", "POST"])
def period_add(request):
    _require_configuring(request.user, "reportingperiod")
    form = PeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            period = services.reporting_period_create(
                end=form.cleaned_data["end"],
                submission_deadline=form.cleaned_data["submission_deadline"],
                acting_user=request.user,
            )
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{period.label} added")
            return redirect("training:periods")
    return render(request, "training/period_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def period_edit(request, pk):
    _require_configuring(request.user, "reportingperiod")
    period = get_object_or_404(ReportingPeriod, pk=pk)
    form = PeriodDeadlineForm(
        request.POST or None,
        period=period,
        initial={"submission_deadline": period.submission_deadline, "version": period.version},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.reporting_period_update(
                period=period,
                submission_deadline=form.cleaned_data["submission_deadline"],
                expected_version=form.cleaned_data["version"],
                acting_user=request.user,
            )
        except (StaleEdit, ValueError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Deadline for {period.label} updated")
            return redirect("training:periods")
    return render(request, "training/period_form.html", {"form": form, "period": period})


urlpatterns = [
    path("types/", type_list, name="types"),
    path("types/new/", type_add, name="type_add"),
    path("types/<int:pk>/change/", type_edit, name="type_edit"),
    path("quarters/", period_list, name="periods"),
    path("quarters/new/", period_add, name="period_add"),
    path("quarters/<int:pk>/change/", period_edit, name="period_edit"),
]
