"""The unusual-access report: for an agency's SPOC, which records owned by other agencies
their agency's users opened, and how often; for the Coordinator, the same for everyone.

It shows references, owning agencies, counts and times only: the SPOC may not be able to
see the records themselves. Opening the report is logged (an ACCESS entry on each agency
whose users it reports on).
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from prevent_portal.accounts.access import agency_ids_for, area_ids_for, has_role, require_role
from prevent_portal.accounts.models import Agency, Role
from prevent_portal.audit.access_log import log_access
from prevent_portal.audit.forms import UnusualAccessForm
from prevent_portal.audit.unusual import Period, Report, unusual_access_report
from prevent_portal.core.exports import CSV_CONTENT_TYPE, csv_text

VIEW = "audit:unusual_access"
ALL_AGENCIES = "All agencies"


def _agencies_for(user):
    """Whose users ``user`` may report on: every agency of the Coordinator's council areas
    (None = all of them), an SPOC's own agencies otherwise (403 for anyone else); and the
    areas whose staff and records the report covers (issue 18: the access log has no wall)."""
    if has_role(user, Role.COORDINATOR):
        areas = area_ids_for(user, [Role.COORDINATOR])
        agencies = Agency.objects.filter(
            pk__in=Agency.objects.filter(is_active=True, areas__in=sorted(areas)).values("pk")
        )
        return agencies.order_by("name"), ALL_AGENCIES, areas
    require_role(user, Role.SPOC)
    own = Agency.objects.filter(pk__in=agency_ids_for(user, [Role.SPOC])).order_by("name")
    return own, None, area_ids_for(user, [Role.SPOC])


def report_csv(report: Report) -> str:
    header = ["user", "record", "kind", "owning agency", "opened", "out of hours", "last opened"]
    return csv_text(
        header,
        (
            [
                row.user,
                row.reference,
                row.kind,
                row.owner,
                row.opened,
                row.out_of_hours,
                timezone.localtime(row.last_opened).strftime("%Y-%m-%d %H:%M"),
            ]
            for row in report.rows
        ),
    )


@require_GET
def unusual_access(request):
    """Who opened which records outside their own agency over a period (default: the last
    30 days), with openings outside working hours and unusually busy days."""
    agencies, all_label, areas = _agencies_for(request.user)
    form = UnusualAccessForm(request.GET or None, agencies=agencies, all_agencies_label=all_label)
    report = None
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        agency = data.get("agency") or (None if all_label else agencies.first())
        if data.get("date_from"):
            period = Period(data["date_from"], data["date_to"])
        else:
            period = Period.last_days(timezone.localdate())
        report = unusual_access_report(period=period, agency=agency, areas=areas)
        log_access(request, [agency] if agency else list(agencies), view=VIEW)
        if request.GET.get("format") == "csv":
            response = HttpResponse(report_csv(report), content_type=CSV_CONTENT_TYPE)
            name = f"unusual-access-{period.first}-to-{period.last}.csv"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
    query = request.GET.copy()
    query["format"] = "csv"
    return render(
        request,
        "audit/unusual_access.html",
        {
            "form": form,
            "report": report,
            "choose_agency": all_label is not None or agencies.count() > 1,
            "csv_url": f"{request.path}?{query.urlencode()}",
        },
    )


app_name = "audit"
urlpatterns = [path("unusual-access/", unusual_access, name="unusual_access")]
