"""The compliance page: per agency, training type and quarter against target, as tables and
charts, with the same figures as CSV and XLSX downloads.

By default it shows the latest quarter whose returns are due (it has ended) and the quarter
before it, so every row has its trend. One training type is shown in full (the first in use,
or the one chosen), with a chooser giving every type's headline counts, as the dashboard does
(issue 18: seven types' tables and charts made a 217 KB page); agencies come 25 a page (in
name order, chosen in the database: ``compliance_index``), so the page costs the same with
10 agencies or 4,000. The downloads hold
every agency's returns for the quarters chosen, whatever the page.

Compliance figures are organisational, with no personal data, so the page writes no access
entries. What a user sees is ComplianceReturn.objects.visible_to(user): every agency for the
Coordinator, managers and the panel chair; their own agency for a SPOC.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from prevent_portal.accounts.access import has_global_perm
from prevent_portal.accounts.models import Agency
from prevent_portal.core.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE
from training.figures import (
    compliance_index,
    compliance_tables,
    export_returns,
    export_rows,
    rows_as_csv,
    rows_as_xlsx,
    type_choices,
)
from training.forms.compliance import ComplianceFilterForm, quarters_between
from training.models import (
    ComplianceReturn,
    ReportingPeriod,
    TrainingType,
    return_agency_scope,
    return_area_ids,
)
from training.views.common import area_choice

DEFAULT_QUARTERS = 2  # the latest quarter with returns due and the one before, for trends
PAGE_SIZE = 25  # agencies a page


def _download(rows, fmt: str, first, last) -> HttpResponse:
    name = f"training-compliance-{first.end.isoformat()}-to-{last.end.isoformat()}"
    if fmt == "xlsx":
        response = HttpResponse(rows_as_xlsx(rows), content_type=XLSX_CONTENT_TYPE)
        name += ".xlsx"
    else:
        response = HttpResponse(rows_as_csv(rows), content_type=CSV_CONTENT_TYPE)
        name += ".csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
def compliance(request):
    """The table and chart of one training type (``training_type``, else the first in use)
    for a range of quarters (by default the latest quarter with returns due and the one
    before it), 25 agencies a page, and a chooser giving every type's headline counts; with
    ``format=csv`` or ``format=xlsx``, every agency's returns of every type (of the type
    named in the query, if one is) as a spreadsheet. Figures are one council area's
    (issue 18), chosen by someone who sees several; the selector is shown only to them."""
    scope = return_agency_scope(request.user)
    if scope is not None and not scope:
        raise PermissionDenied
    area, areas = area_choice(request, return_area_ids(request.user))
    if area is None:
        raise PermissionDenied
    today = timezone.localdate()
    periods = ReportingPeriod.objects.filter(start__lte=today).order_by("end")
    agencies = Agency.objects.filter(areas=area).order_by("name")
    if scope is not None:
        agencies = agencies.filter(pk__in=sorted(scope))
    context = {
        "can_configure": has_global_perm(request.user, "training.change_trainingtype"),
        "can_see_registers": has_global_perm(request.user, "training.view_trainingsession"),
        "can_enter": return_agency_scope(request.user, "change") != set(),
        "show_agency_filter": scope is None or len(scope) > 1,
        "tables": [],
        "area": area,
        "areas": areas,
    }
    quarters = list(periods)  # read once: the form's lists, the defaults, the quarters shown
    latest_first = quarters[::-1]
    recent = [q for q in latest_first if q.end < today][:DEFAULT_QUARTERS] or latest_first[
        :DEFAULT_QUARTERS
    ]
    if not recent:
        return render(request, "training/compliance_report.html", {**context, "form": None})
    defaults = {"period_from": recent[-1].pk, "period_to": recent[0].pk}
    form = ComplianceFilterForm(
        request.GET if "period_from" in request.GET else defaults,
        periods=periods,
        quarters=quarters,
        agencies=agencies,
    )
    if not form.is_valid():
        return render(request, "training/compliance_report.html", {**context, "form": form})
    first, last = form.cleaned_data["period_from"], form.cleaned_data["period_to"]
    shown = quarters_between(quarters, first, last)
    types = list(TrainingType.objects.active().with_naming())
    chosen_type = form.cleaned_data.get("training_type")
    if chosen_type and chosen_type not in types:
        types.append(chosen_type)  # a type no longer in use, asked for by name: shown, chosen
    shown_type = chosen_type or (types[0] if types else None)
    returns = ComplianceReturn.objects.visible_to(request.user).filter(area=area)
    agency_ids = scope
    chosen_agency = form.cleaned_data.get("agency")
    if chosen_agency:
        returns = returns.filter(agency=chosen_agency)
        agency_ids = {chosen_agency.pk}
    fmt = request.GET.get("format")
    if fmt in {"csv", "xlsx"}:
        # The type asked for when it is named in the download's query; the page's own
        # download links name none, so they hold every type, whichever is shown.
        exported = [chosen_type] if chosen_type else types
        chosen = returns.filter(period__in=shown, training_type__in=exported)
        return _download(export_rows(export_returns(chosen)), fmt, first, last)
    query = request.GET.copy()
    for name in ("format", "page"):
        query.pop(name, None)
    for name in ("period_from", "period_to"):
        query[name] = form.cleaned_data[name].pk
    every_type = query.copy()  # the downloads and the chooser's links: no type named
    every_type.pop("training_type", None)
    detailed = [shown_type] if shown_type else []
    index = compliance_index(
        returns=returns,
        periods=shown,
        types=types,
        agency_ids=agency_ids,
        today=today,
        area_id=area.pk,
        paged=detailed,
    )
    page = Paginator(index.agencies, PAGE_SIZE).get_page(request.GET.get("page"))
    tables = compliance_tables(
        returns=returns,
        periods=shown,
        types=detailed,
        agency_ids={pk for pk, _ in page},
        today=today,
        area_id=area.pk,
        owing=index.owing,
    )
    for table in tables:
        table.missing_everywhere = index.missing[table.training_type.pk]
    choices = type_choices(index=index, types=types, chosen=shown_type)
    return render(
        request,
        "training/compliance_report.html",
        {
            **context,
            "form": form,
            "first": first,
            "last": last,
            "tables": tables,
            "page": page,
            "query": query.urlencode(),
            "type_query": every_type.urlencode(),
            "type_choices": choices,
            "csv_query": _with(every_type, "csv"),
            "xlsx_query": _with(every_type, "xlsx"),
        },
    )


def _with(query, fmt: str) -> str:
    query = query.copy()
    query["format"] = fmt
    return query.urlencode()


urlpatterns = [path("", compliance, name="compliance")]
