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
from django.template.loader import render_to_string

from channel_panel.reports import channel_report
from governance.dashboard import (
    BELOW_TARGET_SHOWN,
    plan_in_force,
    training_quarters,
    training_summaries,
)
from governance.models import Board, BoardReport, Rag
from governance.review import appendix_actions
from referrals.measures import MEASURES
from referrals.statistics import referral_statistics
from referrals.views.statistics import FLAG_LABELS, GROUP_CAPTIONS
from training.figures import compliance_index, compliance_tables
from training.models import ComplianceReturn, TrainingType

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


def _rows(figures: dict, key: str) -> list[tuple[str, int | None, int | None]]:
    percent = figures["percent"][key]
    return [(label, count, percent[label]) for label, count in figures[key].items()]


def referral_section(report: BoardReport) -> dict:
    """The total, then one table of counts and percentages per breakdown, the flags first."""
    figures = referral_statistics(
        date_from=report.date_from, date_to=report.date_to, suppress=report.suppress_below
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
    return {"total": figures["referrals"], "tables": [flags, *breakdowns]}


def channel_section(report: BoardReport) -> dict:
    figures = channel_report(
        date_from=report.date_from, date_to=report.date_to, suppress=report.suppress_below
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
    }


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
    returns = ComplianceReturn.objects.all()
    types = list(TrainingType.objects.active())
    index = compliance_index(
        returns=returns, periods=quarters, types=types, agency_ids=None, today=today
    )
    if len(index.agencies) > SEED_LAYOUT_MAX_AGENCIES:
        return {
            "quarters": quarters,
            "tables": tables,
            "summaries": training_summaries(
                returns=returns, scope=None, quarters=quarters, today=today
            ),
            "shown": BELOW_TARGET_SHOWN,
        }
    type_tables = compliance_tables(
        returns=returns, periods=quarters, types=types, agency_ids=None, today=today,
        owed=index.owed,
    )  # fmt: skip
    for type_table in type_tables:
        for row in type_table.rows:
            tables.append(
                {
                    "number": len(tables) + 1,
                    "training_type": type_table.training_type,
                    "agency": row.agency,
                    "cells": row.cells,
                    "change": row.change,
                }
            )
    return {"quarters": quarters, "tables": tables}


def plan_section(report: BoardReport) -> dict:
    period = plan_in_force(report.date_to)
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
    }


def schedule_section(today: date) -> dict:
    boards = (
        Board.objects.active()
        .with_last_update()
        .schedule_status(today)
        .order_by("next_due", "name")
    )
    return {"boards": list(boards), "today": today}


SECTIONS: list[tuple[str, str]] = [
    ("referrals", "Referral profile"),
    ("channel", "Channel Panel activity"),
    ("training", "Training compliance"),
    ("plan", "Action plan progress"),
    ("schedule", "Board update schedule"),
]
# The PDF is the last step, so progress reaches 100 only when the report is ready.
PDF_STEP = "The PDF"
STEPS = len(SECTIONS) + 1


def build_body(report: BoardReport, *, today: date, progress: Progress) -> str:
    """The report's sections as HTML (the preview and the PDF print the same), calling
    ``progress(percent, stage)`` after each section."""
    makers = {
        "referrals": lambda: referral_section(report),
        "channel": lambda: channel_section(report),
        "training": lambda: training_section(report, today),
        "plan": lambda: plan_section(report),
        "schedule": lambda: schedule_section(today),
    }
    context: dict = {
        "report": report,
        "today": today,
        "hidden": "hidden",
    }
    for index, (key, label) in enumerate(SECTIONS):
        progress(round(index * 100 / STEPS), label)
        context[key] = makers[key]()
    progress(round(len(SECTIONS) * 100 / STEPS), PDF_STEP)
    return render_to_string("governance/report_sections.html", context)


def render_pdf(report: BoardReport, body_html: str) -> bytes:
    """The report as an A4 PDF: OFFICIAL marking and page numbers on every page."""
    from weasyprint import HTML  # a heavy import, needed only here

    html = render_to_string(
        "governance/report_pdf.html",
        {"report": report, "body_html": body_html, "COUNCIL_NAME": settings.COUNCIL_NAME},
    )
    return HTML(string=html).write_pdf()  # self-contained: no URL to fetch
