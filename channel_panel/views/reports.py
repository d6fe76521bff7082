"""The Channel Panel report page: the figures of ``manage.py channel_report`` for a period.

For the Coordinator, the panel chair and managers. It shows aggregates, never a person or a
case, so it writes no access entries. Managers always get small counts of cases hidden
(STATISTICS_SUPPRESS_BELOW, as on the referral statistics page) and may ask for whole
financial quarters or years only (security finding F3); the Coordinator and the chair see
exact counts unless they ask for suppression, for any dates.
"""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from channel_panel.assessment_reports import vaf_counts, vaf_table_rows
from channel_panel.forms.reports import ChannelReportForm
from channel_panel.reports import channel_report
from prevent_portal.accounts.access import area_ids_for, has_role, require_role
from prevent_portal.accounts.models import Role
from prevent_portal.core.exports import CSV_CONTENT_TYPE
from referrals.measures import MEASURES
from referrals.statistics import statistics_csv
from referrals.views.statistics import manager_suppress_below, period_form, suppress_below

REPORT_ROLES = (Role.COORDINATOR, Role.PANEL_CHAIR, Role.MANAGER)
COUNTS = [
    ("cases_discussed", "Cases discussed at held meetings"),
    ("cases_adopted", "Cases adopted"),
    ("cases_open_at_end", "Cases open at the end of the period"),
    ("re_referrals", "Re-referrals (the person had an earlier Channel case that had ended)"),
]


def _rows(figures: dict, key: str) -> list[tuple[str, int | None]]:
    return list(figures[key].items())


def _attendance(figures: dict) -> list[tuple[str, int, int, int | None]]:
    """(agency, present at, of meetings, rate) per core agency."""
    percent = figures["percent"]["core_agency_present"]
    return [
        (name, figures["core_agency_present"][name], of, percent[name])
        for name, of in figures["core_agency_meetings"].items()
    ]


@require_GET
def channel_report_page(request):
    require_role(request.user, *REPORT_ROLES)
    sees_exact = has_role(request.user, Role.COORDINATOR, Role.PANEL_CHAIR)
    form = period_form(request, ChannelReportForm, "from", "to", whole_periods_only=not sees_exact)
    figures = None
    suppress = 0 if sees_exact else manager_suppress_below()
    if form.is_valid():
        suppress = suppress_below(form, exact=sees_exact)
        # The reader's own council areas (issue 18): those where a role giving this view of
        # the figures (exact, or suppressed) is held, and no other.
        exact_roles = (Role.COORDINATOR, Role.PANEL_CHAIR)
        areas = area_ids_for(request.user, exact_roles if sees_exact else REPORT_ROLES)
        figures = channel_report(
            date_from=form.cleaned_data["from"],
            date_to=form.cleaned_data["to"],
            suppress=suppress,
            areas=areas,
        )
        if request.GET.get("format") == "csv":
            response = HttpResponse(statistics_csv(figures), content_type=CSV_CONTENT_TYPE)
            filename = f"channel-panel-report-{figures['from']}-to-{figures['to']}.csv"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
    context = {
        "form": form,
        "figures": figures,
        "suppress": suppress,
        "is_manager_only": not sees_exact,
    }
    if figures:
        percent = figures["percent"]
        context.update(
            counts=[(label, figures[key]) for key, label in COUNTS],
            attendance=_attendance(figures),
            exits=_rows(figures, "exits_by_reason"),
            ownership=_rows(figures, "ownership_returned_by_agency"),
            measures=[(m.label, figures[m.key], percent[m.key], m.share_of) for m in MEASURES],
            vaf=vaf_table_rows(
                vaf_counts(
                    date_from=form.cleaned_data["from"],
                    date_to=form.cleaned_data["to"],
                    suppress=suppress,
                    areas=areas,
                )
            ),
        )
        query = request.GET.copy()
        query["from"], query["to"] = figures["from"], figures["to"]
        query["suppress"] = suppress or ""
        query["format"] = "csv"
        context["csv_url"] = f"{request.path}?{query.urlencode()}"
    return render(request, "channel_panel/report.html", context)


urlpatterns = [path("report/", channel_report_page, name="report")]
