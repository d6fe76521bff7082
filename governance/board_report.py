"""The sections of a board report, assembled from the figures the other apps already make
(nothing is counted twice in two ways): the referral profile is
``referrals.statistics.referral_statistics``, the Channel Panel's activity
``channel_panel.reports.channel_report``, training compliance
``training.figures.compliance_tables`` laid out as seed 002's tables (one per agency and
training type, a row per quarter), action-plan progress ``governance.review.appendix_actions``
(seed 001's appendix), and the board update schedule ``Board.objects.schedule_status``.

Small numbers are suppressed throughout, by the rules of the functions the figures come from
(``prevent_portal.core.suppression``): counts of referrals and cases below the threshold,
the percentages made from them, and any other count from which a hidden one could be worked
out, are printed "hidden"; a whole financial quarter or year is suppressed as the dashboard
and the statistics suppress it for managers, so no two of them give a hidden count away.
Meetings, attendance, staff trained, boards and action items are not people referred, and
are printed as they are (as the training and Channel pages do).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.conf import settings
from django.db.models import Count, Max, Sum
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.utils.html import escape, linebreaks

from channel_panel.assessment_reports import vaf_counts, vaf_table_rows
from channel_panel.reports import channel_report
from governance import charts
from governance.dashboard import (
    BELOW_TARGET_SHOWN,
    plan_in_force,
    training_quarters,
    training_summaries,
)
from governance.models import (
    Board,
    BoardReport,
    CtlpBriefing,
    EducationSetting,
    FundedProject,
    Rag,
    StrategyPeriod,
    VenueReview,
)
from governance.review import appendix_actions
from referrals.measures import MEASURES
from referrals.statistics import referral_statistics
from referrals.views.statistics import FLAG_LABELS, GROUP_CAPTIONS
from training.figures import compliance_index, compliance_tables
from training.models import (
    ComplianceReturn,
    DeliveryMode,
    DepartmentCoverage,
    TrainingSession,
    TrainingType,
)

Progress = Callable[[int, str], None]

# The statistics page's words for the same figures.
REFERRAL_TABLES = [
    (key, GROUP_CAPTIONS[key])
    for key in ("by_gender", "by_age_group", "by_type_of_concern", "by_sector", "by_outcome")
]
REFERRAL_FLAGS = list(FLAG_LABELS.items())
CHANNEL_COUNTS = [
    ("cases_discussed", "Cases discussed at the meetings held"),
    ("cases_adopted", "Cases adopted"),
    ("cases_open_at_end", "Cases open at the end of the period"),
    ("re_referrals", "Re-referrals (the person had an earlier Channel case that had ended)"),
]


def _day(value) -> str:
    return f"{value.day} {value:%B %Y}"


def _rows(figures: dict, key: str) -> list[tuple[str, int | None, int | None]]:
    percent = figures["percent"][key]
    return [(label, count, percent[label]) for label, count in figures[key].items()]


def _areas(report: BoardReport) -> list[int]:
    """The council area whose figures a board report gives: its board's. Named in every
    count, not left to the row-level security wall, which SQLite (the demo) and
    ``AREA_RLS=false`` run without (issue 18; tests/areas/test_figures_name_their_area.py)."""
    return [report.board.area_id]


def referral_section(report: BoardReport) -> dict:
    """The total, then one table of counts and percentages per breakdown, the flags first."""
    figures = referral_statistics(
        date_from=report.date_from,
        date_to=report.date_to,
        suppress=report.suppress_below,
        areas=_areas(report),
    )
    percent = figures["percent"]
    flags = {
        "caption": "Mental-health and neurodiversity flags, and the Channel Panel",
        "heading": "Referrals",
        "count_heading": "Number",
        "percent_heading": "Per cent of referrals",
        "rows": [(label, figures[key], percent[key]) for key, label in REFERRAL_FLAGS],
    }
    breakdowns = [
        {
            "caption": caption,
            "heading": caption,
            "count_heading": "Referrals",
            "percent_heading": "Per cent",
            "rows": _rows(figures, key),
        }
        for key, caption in REFERRAL_TABLES
    ]
    concern = breakdowns[
        REFERRAL_TABLES.index(("by_type_of_concern", GROUP_CAPTIONS["by_type_of_concern"]))
    ]
    chart = charts.bar_chart(
        key="referrals",
        title="Referrals by type of concern",
        unit="referrals",
        rows=[(label, count) for label, count, _ in concern["rows"]],
    )
    return {"total": figures["referrals"], "tables": [flags, *breakdowns], "chart": chart}


def channel_section(report: BoardReport) -> dict:
    figures = channel_report(
        date_from=report.date_from,
        date_to=report.date_to,
        suppress=report.suppress_below,
        areas=_areas(report),
    )
    percent = figures["percent"]
    return {
        "meetings_held": figures["meetings_held"],
        "attendance": [
            (name, figures["core_agency_present"][name], of, percent["core_agency_present"][name])
            for name, of in figures["core_agency_meetings"].items()
        ],
        "counts": [(label, figures[key]) for key, label in CHANNEL_COUNTS],
        "measures": [(m.label, figures[m.key], percent[m.key], m.share_of) for m in MEASURES],
        # Seed 002 §2.1-2.3: cases leave Channel and ownership returns to another agency.
        "exits": list(figures["exits_by_reason"].items()),
        "returned": list(figures["ownership_returned_by_agency"].items()),
    }


def vaf_section(report: BoardReport) -> dict:
    """Cases by vulnerability-assessment dimension at adoption and at exit
    (``channel_panel.assessment_reports``), suppressed like the rest of the report."""
    counts = vaf_counts(
        date_from=report.date_from,
        date_to=report.date_to,
        suppress=report.suppress_below,
        areas=_areas(report),
    )
    return {"rows": vaf_table_rows(counts)}


# Up to this many agencies, seed 002's layout (a table per agency and type); above it, a
# board paper of hundreds of tables is unreadable and slow to print, so the section gives
# the dashboard's totals per sector and the agencies below target instead.
SEED_LAYOUT_MAX_AGENCIES = 25


def training_section(report: BoardReport, today: date) -> dict:
    """Seed 002's layout: a numbered table per agency and training type, with a row per
    quarter (compliant, eligible, % compliant), for the quarters that end in the period;
    with more than SEED_LAYOUT_MAX_AGENCIES agencies, totals per sector and the agencies
    below target (``summaries``, as on the dashboard)."""
    quarters = training_quarters(report.date_from, report.date_to)
    tables = []
    if not quarters:
        return {"quarters": quarters, "tables": tables}
    area_id = report.board.area_id  # the board's council area's figures (issue 18)
    returns = ComplianceReturn.objects.filter(area_id=area_id)
    types = list(TrainingType.objects.active().with_naming())
    # The same returns, quarters, types and area for the index and for the tables.
    scope = {
        "returns": returns,
        "periods": quarters,
        "types": types,
        "agency_ids": None,
        "today": today,
        "area_id": area_id,
    }
    index = compliance_index(**scope)
    if index.agencies.count() > SEED_LAYOUT_MAX_AGENCIES:
        return {
            "quarters": quarters,
            "tables": tables,
            "summaries": training_summaries(
                returns=returns, scope=None, quarters=quarters, today=today, area_id=area_id
            )[0],
            "shown": BELOW_TARGET_SHOWN,
        }
    type_tables = compliance_tables(**scope)
    # Seed 002 numbers its tables agency by agency (an agency's types together), agencies in
    # name order, types in their configured order.
    pairs = [
        (row.agency.name.lower(), type_number, type_table.training_type, row)
        for type_number, type_table in enumerate(type_tables)
        for row in type_table.rows
    ]
    pairs.sort(key=lambda pair: (pair[0], pair[1]))
    for _, _, training_type, row in pairs:
        tables.append(
            {
                "number": len(tables) + 1,
                "training_type": training_type,
                "agency": row.agency,
                "cells": [
                    {
                        "period": cell.period,
                        "words": cell.words,
                        "percent": cell.percent,
                        "compliance_return": cell.compliance_return,
                        # Seed 002 Table 2 gives those who do not meet the requirement too.
                        "not_compliant": (
                            cell.compliance_return.eligible - cell.compliance_return.compliant
                            if cell.compliance_return
                            else None
                        ),
                    }
                    for cell in row.cells
                ],
                "change": row.change,
            }
        )
    latest = quarters[-1]
    bars = [
        (f"{table['agency'].label}: {table['training_type'].name}", cell["percent"])
        for table in tables
        for cell in table["cells"]
        # Only returns made: a missing one is not a hidden figure, and has no bar.
        if cell["period"] == latest and cell["percent"] is not None
    ]
    chart = charts.bar_chart(
        key="training",
        title=f"Per cent of eligible staff compliant, quarter ending {latest.label}",
        unit="% compliant",
        rows=bars,
    )
    return {"quarters": quarters, "tables": tables, "chart": chart}


def plan_section(report: BoardReport) -> dict:
    period = plan_in_force(
        report.date_to, StrategyPeriod.objects.filter(area_id=report.board.area_id)
    )
    if period is None:
        return {"period": None}
    actions = list(appendix_actions(period, report.date_to))
    counts = {value: 0 for value in Rag.values}
    for action in actions:
        for item in action.items.all():
            counts[item.latest_rag] += 1
    return {
        "period": period,
        "as_of": report.date_to,
        "actions": actions,
        "rag_counts": [(label, counts[value]) for value, label in Rag.choices],
        "chart": charts.bar_chart(
            key="plan",
            title=f"Action plan items by RAG status as of {_day(report.date_to)}",
            unit="items",
            rows=[(label, counts[value]) for value, label in Rag.choices],
        ),
    }


def delivery_section(report: BoardReport, first_table: int) -> dict:
    """Seed 002 §1.15-1.18: the sessions delivered in the period (how many, to whom, how
    many came; never the trainers' names or the feedback), and each department's latest
    coverage as at the period's end (Table 5: staff requiring training, staff trained,
    sessions delivered), a table per training type numbered on from the training tables."""
    area_id = report.board.area_id  # the board's council area's (issue 18)
    sessions = TrainingSession.objects.filter(
        area_id=area_id, delivered_on__range=(report.date_from, report.date_to)
    )
    totals = sessions.aggregate(sessions=Count("pk"), attendees=Sum("attendees"))
    by_audience = list(
        sessions.values("audience", "training_type__name")
        .annotate(sessions=Count("pk"), attendees=Sum("attendees"))
        .order_by("-sessions", "audience", "training_type__name")
    )
    modes = dict(sessions.values_list("mode").annotate(n=Count("pk")).order_by())
    latest = (
        DepartmentCoverage.objects.filter(area_id=area_id, as_at__lte=report.date_to)
        .annotate(key=Lower("department"))
        .values("key", "training_type")
        .annotate(as_at=Max("as_at"))
        .order_by()
    )
    wanted = {(row["key"], row["training_type"], row["as_at"]) for row in latest}
    entries = [
        entry
        for entry in DepartmentCoverage.objects.filter(area_id=area_id, as_at__lte=report.date_to)
        .select_related("training_type")
        .order_by("training_type__order", "training_type__name", "department")
        if (entry.department.lower(), entry.training_type_id, entry.as_at) in wanted
    ]
    coverage: list[dict] = []
    for entry in entries:
        if not coverage or coverage[-1]["training_type"] != entry.training_type:
            coverage.append(
                {
                    "number": first_table + len(coverage),
                    "training_type": entry.training_type,
                    "rows": [],
                }
            )
        coverage[-1]["rows"].append(entry)
    chart = charts.bar_chart(
        key="coverage",
        title="Per cent of staff requiring training who are trained, by department",
        unit="% trained",
        rows=[
            (f"{entry.department}: {entry.training_type.name}", entry.percent)
            for entry in entries
            if entry.percent is not None  # nobody requiring it: nothing to draw
        ],
    )
    return {
        "sessions": totals["sessions"],
        "attendees": totals["attendees"] or 0,
        "by_audience": by_audience,
        "modes": [(label, modes.get(value, 0)) for value, label in DeliveryMode.choices],
        "coverage": coverage,
        "chart": chart,
    }


def registers_section(report: BoardReport) -> dict:
    """Summaries of the Coordinator's registers for the board: counts only (the registers
    name hirers, settings and people, and are the Coordinator's alone), and the Home
    Office-funded projects of the funding years the period touches, by status, with their
    total funding."""
    start, end = report.date_from, report.date_to
    here = {"area_id": report.board.area_id}  # the board's council area's (issue 18)
    briefings = CtlpBriefing.objects.filter(briefed_on__range=(start, end), **here).count()
    reviews = dict(
        VenueReview.objects.filter(reviewed_on__range=(start, end), **here)
        .values_list("outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    settings_by_status = dict(
        EducationSetting.objects.filter(created_at__date__lte=end, **here)
        .values_list("safeguarding_status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    # A funding year runs April to March, like the financial year ("2018-2019").
    first_year = start.year if start.month >= 4 else start.year - 1
    last_year = end.year if end.month >= 4 else end.year - 1
    years = [f"{year}-{year + 1}" for year in range(first_year, last_year + 1)]
    funded = (
        FundedProject.objects.filter(funding_year__in=years, **here)
        .values("funding_year", "status")
        .annotate(projects=Count("pk"), amount=Sum("amount"))
        .order_by("funding_year", "status")
    )
    labels = dict(FundedProject.Status.choices)
    return {
        "briefings": briefings,
        "reviews": [(label, reviews.get(value, 0)) for value, label in VenueReview.Outcome.choices],
        "settings": [
            (label, settings_by_status.get(value, 0))
            for value, label in EducationSetting.Safeguarding.choices
        ],
        "funded_years": years,
        "funded": [
            {
                "year": row["funding_year"],
                "status": labels.get(row["status"], row["status"]),
                "projects": row["projects"],
                "amount": row["amount"],
            }
            for row in funded
        ],
    }


def schedule_section(today: date, area_id: int) -> dict:
    boards = (
        Board.objects.filter(area_id=area_id)
        .active()
        .with_last_update()
        .schedule_status(today)
        .order_by("next_due", "name")
    )
    return {"boards": list(boards), "today": today}


SECTIONS: list[tuple[str, str]] = [
    ("referrals", "Referral profile"),
    ("channel", "Channel Panel activity"),
    ("vaf", "Vulnerability assessment"),
    ("training", "Training compliance"),
    ("delivery", "Training delivered"),
    ("plan", "Action plan progress"),
    ("registers", "Registers and funded projects"),
    ("schedule", "Board update schedule"),
]
SECTION_LABELS = dict(SECTIONS)
# The files are the last steps, so progress reaches 100 only when the report is ready.
PDF_STEP = "The PDF"
DOCX_STEP = "The DOCX"
FILE_STEPS = [PDF_STEP, DOCX_STEP]
STEPS = len(SECTIONS) + len(FILE_STEPS)
# Where each section's commentary goes in the stored sections (see ``compose_html``).
SLOT = "<!--narrative:{key}-->"


def build_body(report: BoardReport, *, today: date, progress: Progress) -> str:
    """The report's sections as HTML (the preview, the PDF and the DOCX print the same),
    calling ``progress(percent, stage)`` before each section. The figures are fixed here,
    once: the narrative written later is put into the slots ``SLOT`` leaves, so editing it
    never recounts a figure."""
    context: dict = {
        "report": report,
        "today": today,
        "hidden": "hidden",
        "numbers": {key: index + 1 for index, (key, _) in enumerate(SECTIONS)},
    }
    makers = {
        "referrals": lambda: referral_section(report),
        "channel": lambda: channel_section(report),
        "vaf": lambda: vaf_section(report),
        "training": lambda: training_section(report, today),
        "delivery": lambda: delivery_section(
            report, first_table=len(context["training"]["tables"]) + 1
        ),
        "plan": lambda: plan_section(report),
        "registers": lambda: registers_section(report),
        "schedule": lambda: schedule_section(today, report.board.area_id),
    }
    for index, (key, label) in enumerate(SECTIONS):
        progress(round(index * 100 / STEPS), label)
        context[key] = makers[key]()
    return render_to_string("governance/report_sections.html", context)


def _paragraphs(text: str) -> str:
    return linebreaks(escape(text.strip())) if text and text.strip() else ""


def compose_html(body_html: str, narrative) -> str:
    """The stored sections with the Coordinator's narrative: the introduction first, each
    section's commentary under its heading, the recommendations last. ``narrative`` may be
    None (none written yet). The narrative is escaped: it is text, never markup."""
    introduction = recommendations = ""
    sections = dict(narrative.commentary) if narrative else {}
    if narrative is not None:
        introduction = _paragraphs(narrative.introduction)
        recommendations = _paragraphs(narrative.recommendations)
    html = body_html
    for key, _ in SECTIONS:
        commentary = _paragraphs(sections.get(key, ""))
        block = (
            f'<div class="app-report__commentary" id="commentary-{key}">'
            f'<h3 class="govuk-heading-s">Commentary</h3>{commentary}</div>'
            if commentary
            else ""
        )
        html = html.replace(SLOT.format(key=key), block)
    if introduction:
        html = (
            '<section class="app-report__section" id="report-introduction">'
            f'<h2 class="govuk-heading-l">Introduction</h2>{introduction}</section>' + html
        )
    if recommendations:
        html += (
            '<section class="app-report__section" id="report-recommendations">'
            f'<h2 class="govuk-heading-l">Recommendations</h2>{recommendations}</section>'
        )
    return html


def render_pdf(report: BoardReport, body_html: str) -> bytes:
    """The report as an A4 PDF: OFFICIAL marking and page numbers on every page.
    ``body_html`` is the composed report (``compose_html``)."""
    from weasyprint import HTML  # a heavy import, needed only here

    html = render_to_string(
        "governance/report_pdf.html",
        {"report": report, "body_html": body_html, "COUNCIL_NAME": settings.COUNCIL_NAME},
    )
    return HTML(string=html).write_pdf()  # self-contained: no URL to fetch


def render_docx(report: BoardReport, body_html: str) -> bytes:
    """The report as a Word document with the same headings, paragraphs, tables and charts
    as the PDF, for the Coordinator's light editing before the board."""
    from governance.report_docx import html_to_docx  # python-docx, needed only here

    return html_to_docx(
        title=report.title,
        lines=[
            settings.COUNCIL_NAME,
            f"Draft report for the {report.board.name}, covering {report.period_words}. "
            f"Prepared by the Prevent Coordinator on {_day(report.started_at)}.",
        ],
        html=body_html,
    )
