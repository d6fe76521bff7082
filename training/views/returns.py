"""Entering and correcting compliance returns, and the list of a quarter's returns.

A SPOC works on the agencies where they are SPOC, the Coordinator on every agency
(training.models.return_agency_scope). Another agency's return is "not found".
"""

from __future__ import annotations

from auditlog.models import LogEntry
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from prevent_portal.accounts.access import works_in_several_areas
from prevent_portal.accounts.models import Agency
from prevent_portal.audit.access_log import log_access
from prevent_portal.core.concurrency import StaleEdit
from training import services
from training.expected import owed_pairs
from training.figures import STATUS_WORDS, cell_status
from training.forms.returns import ReturnCorrectionForm, ReturnForm
from training.models import (
    ComplianceReturn,
    ReportingPeriod,
    TrainingType,
    get_return_for_user,
    return_agency_scope,
    return_area_ids,
)
from training.views.common import area_choice


def require_returning(user) -> set[int] | None:
    """The agencies ``user`` enters returns for (None: all); 403 if none."""
    scope = return_agency_scope(user, "change")
    if scope is not None and not scope:
        raise PermissionDenied
    return scope


def _default_period(periods: list[ReportingPeriod], today):
    """The quarter being collected: the latest that has ended, else the one under way."""
    ended = [p for p in periods if p.end < today]
    return (ended or periods)[-1] if periods else None


def _saved_message(compliance_return: ComplianceReturn) -> str:
    percent = compliance_return.percent
    verdict = ""
    if percent is not None:
        verdict = f": {percent}%, {'meets' if compliance_return.meets_target else 'below'} target"
    return (
        f"{compliance_return.agency.name}'s {compliance_return.training_type.name} return for "
        f"{compliance_return.period.label} saved{verdict}"
    )


def _list_url(compliance_return: ComplianceReturn) -> str:
    """The quarter's list of returns to the return's area, where it was entered."""
    return (
        f"{reverse('training:returns')}?period={compliance_return.period_id}"
        f"&area={compliance_return.area_id}"
    )


@require_GET
def return_list(request):
    """A quarter's returns for the agencies the user returns figures for, to one council
    area (chosen when they return figures in several): what is in, what is missing, with
    links to enter or correct each."""
    scope = require_returning(request.user)
    area, areas = area_choice(request, return_area_ids(request.user, "change"))
    today = timezone.localdate()
    periods = list(ReportingPeriod.objects.filter(start__lte=today).order_by("end"))
    period = next((p for p in periods if str(p.pk) == request.GET.get("period")), None)
    period = period or _default_period(periods, today)
    rows = []
    if period is not None and area is not None:
        types = list(TrainingType.objects.all())
        found = {
            (r.agency_id, r.training_type_id): r
            for r in ComplianceReturn.objects.editable_by(request.user)
            .filter(period=period, area=area)
            .select_related("agency", "training_type", "period")
        }
        owed = owed_pairs(types, scope, area_id=area.pk)
        keys = owed | set(found)
        agencies = Agency.objects.select_related("replaced_by").in_bulk(
            sorted({a for a, _ in keys})
        )
        by_type = {t.pk: t for t in types}

        def order(key):
            training_type = by_type[key[1]]
            return (agencies[key[0]].name.lower(), training_type.order, training_type.name)

        for agency_id, type_id in sorted(keys, key=order):
            compliance_return = found.get((agency_id, type_id))
            status = cell_status(compliance_return, (agency_id, type_id) in owed, period, today)
            rows.append(
                {
                    "agency": agencies[agency_id],
                    "training_type": by_type[type_id],
                    "compliance_return": compliance_return,
                    "status": status,
                    "words": STATUS_WORDS[status],
                }
            )
    return render(
        request,
        "training/return_list.html",
        {
            "periods": list(reversed(periods)),
            "period": period,
            "area": area,
            "areas": areas,
            "rows": rows,
            "deadline_passed": period is not None and period.deadline_passed(today),
            "is_coordinator": scope is None,
        },
    )


@require_GET
def return_detail(request, pk):
    """One return: its figures against target, who made and changed it, and its history."""
    compliance_return = get_return_for_user(request.user, pk)
    log_access(request, [compliance_return], view="training:return_detail")
    history = (
        LogEntry.objects.get_for_object(compliance_return)
        .exclude(action=LogEntry.Action.ACCESS)
        .select_related("actor")
        .order_by("-timestamp", "-pk")
    )
    return render(
        request,
        "training/return_detail.html",
        {
            "compliance_return": compliance_return,
            "history": history,
            "can_change": ComplianceReturn.objects.editable_by(request.user)
            .filter(pk=compliance_return.pk)
            .exists(),
            # Named only for someone who works in several council areas (issue 18).
            "area": compliance_return.area if works_in_several_areas(request.user) else None,
        },
    )


@require_http_methods(["GET", "POST"])
def return_add(request):
    """Enter a return. Only agencies the user returns figures for can be chosen; a second
    return for the same agency, type and quarter is refused with a link to the first."""
    require_returning(request.user)
    initial = {
        k: request.GET[k] for k in ("area", "agency", "training_type", "period") if k in request.GET
    }
    form = ReturnForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            compliance_return = services.compliance_return_submit(
                agency=data["agency"],
                training_type=data["training_type"],
                period=data["period"],
                eligible=data["eligible"],
                compliant=data["compliant"],
                acting_user=request.user,
                area=data["area"],
            )
        except services.DuplicateReturn as exc:
            form.existing = exc.existing
            form.add_error("period", str(exc))
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _saved_message(compliance_return))
            return redirect(_list_url(compliance_return))
    return render(request, "training/return_add.html", {"form": form})


@require_http_methods(["GET", "POST"])
def return_edit(request, pk):
    """Correct a return's figures. If someone else changed it meanwhile, nothing is saved:
    the page says so and keeps what was typed."""
    compliance_return = get_return_for_user(request.user, pk, perm="change")
    form = ReturnCorrectionForm(
        request.POST or None,
        initial={
            "eligible": compliance_return.eligible,
            "compliant": compliance_return.compliant,
            "version": compliance_return.version,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.compliance_return_correct(
                compliance_return=compliance_return,
                eligible=form.cleaned_data["eligible"],
                compliant=form.cleaned_data["compliant"],
                expected_version=form.cleaned_data["version"],
                acting_user=request.user,
            )
        except (StaleEdit, ValueError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _saved_message(compliance_return))
            return redirect(_list_url(compliance_return))
    return render(
        request,
        "training/return_edit.html",
        {"form": form, "compliance_return": compliance_return},
    )


urlpatterns = [
    path("returns/", return_list, name="returns"),
    path("returns/new/", return_add, name="return_add"),
    path("returns/<int:pk>/", return_detail, name="return_detail"),
    path("returns/<int:pk>/change/", return_edit, name="return_edit"),
]
