"""Board reports: the Coordinator or a manager picks a board and a period, the report is
built in the background (a progress page refreshes itself until it is ready), then
previewed, downloaded as a PDF and, once presented, recorded by the Coordinator as the
board's update. A manager asks for and sees whole financial quarters or years only (security
finding F3); anyone else gets 403 on the list and the form and 404 on a report."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods

from governance import services
from governance.board_report import FILE_STEPS, SECTIONS, compose_html
from governance.forms.reports import BoardReportForm, NarrativeForm, PresentForm
from governance.models import Board, BoardReport, BoardReportNarrative, get_board_report_for_user
from governance.models.reports import REPORT_ROLES
from governance.views.common import form_page, job_steps, posted
from governance.views.dashboard import PERIOD_FIELDS
from prevent_portal.accounts.access import has_role, require_role
from prevent_portal.accounts.models import Role
from prevent_portal.audit.access_log import log_access

# How often the progress page reloads itself while the report is being built (a Refresh
# header: no script is needed, and the CSP allows no inline one).
REFRESH_SECONDS = 3
STEPS = [label for _, label in SECTIONS] + FILE_STEPS
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@require_GET
def report_list(request):
    """Every report asked for, newest first, with its status."""
    require_role(request.user, *REPORT_ROLES)
    reports = BoardReport.objects.visible_to(request.user).select_related(
        "board", "presented_update"
    )
    return render(request, "governance/report_list.html", {"reports": list(reports[:100])})


@require_http_methods(["GET", "POST"])
def report_add(request):
    """Pick a board and a period; the report is queued and built in the background. A GET
    may name them (the "ask again" link of a failed report)."""
    require_role(request.user, *REPORT_ROLES)
    boards = Board.objects.visible_to(request.user).active()
    initial = {name: request.GET[name] for name in ("board", *PERIOD_FIELDS) if name in request.GET}
    form = BoardReportForm(
        posted(request),
        initial=initial,
        boards=boards,
        whole_periods_only=not has_role(request.user, Role.COORDINATOR),
    )

    def save(data):
        return services.board_report_request(
            board=data["board"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            acting_user=request.user,
        )

    return form_page(
        request,
        form,
        template="governance/report_add.html",
        save=save,
        success="Report asked for: it is being built",
        next_url=lambda report: reverse("governance:report_detail", args=[report.pk]),
    )


@require_GET
def report_detail(request, pk):
    """While the report is built: its progress, refreshed every few seconds. Then: the
    preview (the sections exactly as the PDF prints them), the PDF and "mark as presented"."""
    report = get_board_report_for_user(request.user, pk)
    again = {
        "board": report.board_id,
        "date_from": f"{report.date_from:%d/%m/%Y}",
        "date_to": f"{report.date_to:%d/%m/%Y}",
    }
    response = render(
        request,
        "governance/report_detail.html",
        {
            "report": report,
            "steps": job_steps(report, STEPS),
            "refresh_seconds": REFRESH_SECONDS,
            "again_query": urlencode(again),
            "can_present": has_role(request.user, Role.COORDINATOR),
            "preview": compose_html(report.body_html, _narrative(report))
            if report.status == BoardReport.Status.DONE
            else "",
        },
    )
    if not report.is_finished:
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


def _narrative(report: BoardReport) -> BoardReportNarrative | None:
    return BoardReportNarrative.objects.filter(report=report).first()


def _download(request, report: BoardReport, field: str, *, name: str, content_type: str, view):
    """A finished report's file: downloaded (never shown inline), not cached, not sniffed,
    with an access entry; 404 while it is being built."""
    stored = getattr(report, field)
    if report.status != BoardReport.Status.DONE or not stored:
        raise Http404("This report is not ready")
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404("The report's file is missing") from None
    log_access(request, [report], view=view)
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def report_pdf(request, pk):
    """The finished PDF."""
    report = get_board_report_for_user(request.user, pk)
    return _download(
        request, report, "pdf", name=report.file_name, content_type="application/pdf",
        view="governance:report_pdf",
    )  # fmt: skip


@require_GET
def report_docx(request, pk):
    """The finished report as a Word document, for light editing before the board."""
    report = get_board_report_for_user(request.user, pk)
    return _download(
        request, report, "docx", name=report.docx_name, content_type=DOCX_TYPE,
        view="governance:report_docx",
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
def report_narrative(request, pk):
    """The Coordinator's narrative of a report: an introduction, a commentary per section
    and recommendations. Saving it rebuilds the PDF and DOCX (not the figures) in the
    background."""
    report = get_board_report_for_user(request.user, pk, perm="change")
    narrative = _narrative(report)
    initial = {"version": narrative.version if narrative else 0}
    if narrative is not None:
        initial |= {
            "introduction": narrative.introduction,
            "recommendations": narrative.recommendations,
            **{f"commentary_{k}": text for k, text in narrative.commentary.items()},
        }
    form = NarrativeForm(posted(request), initial=initial, sections=SECTIONS)

    def save(data):
        return services.board_report_narrative_save(
            report=report,
            introduction=data["introduction"],
            commentary=form.commentary(),
            recommendations=data["recommendations"],
            expected_version=data["version"],
            acting_user=request.user,
        )

    return form_page(
        request,
        form,
        template="governance/report_narrative.html",
        save=save,
        success="Narrative saved: the PDF and DOCX are made with it in the background",
        next_url=lambda saved: reverse("governance:report_detail", args=[report.pk]),
        context={"report": report},
    )


@require_http_methods(["GET", "POST"])
def report_present(request, pk):
    """Record the finished report as the update presented to its board, the PDF its paper."""
    report = get_board_report_for_user(request.user, pk, perm="change")
    form = PresentForm(
        posted(request),
        initial={
            "presented_on": timezone.localdate(),
            "title": report.title,
            "version": report.version,
        },
    )

    def save(data):
        return services.board_report_present(
            report=report,
            presented_on=data["presented_on"],
            title=data["title"],
            expected_version=data["version"],
            acting_user=request.user,
        )

    return form_page(
        request,
        form,
        template="governance/report_present.html",
        save=save,
        success="Report recorded as presented: it is now the board's latest update",
        next_url=lambda update: reverse("governance:board_detail", args=[update.board_id]),
        context={"report": report},
    )


urlpatterns = [
    path("reports/", report_list, name="report_list"),
    path("reports/new/", report_add, name="report_add"),
    path("reports/<int:pk>/", report_detail, name="report_detail"),
    path("reports/<int:pk>/report.pdf", report_pdf, name="report_pdf"),
    path("reports/<int:pk>/report.docx", report_docx, name="report_docx"),
    path("reports/<int:pk>/narrative/", report_narrative, name="report_narrative"),
    path("reports/<int:pk>/present/", report_present, name="report_present"),
]
