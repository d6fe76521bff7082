"""Celery tasks of the governance app: load by id, call a service."""

from celery import shared_task

from governance.services.dashboard import dashboard_figures_refresh
from governance.services.regional import regional_figures_refresh
from governance.services.reports import board_report_build, board_reports_sweep
from governance.services.subject_access import (
    subject_access_build,
    subject_access_exports_expire,
    subject_access_sweep,
)
from prevent_portal.areas.rls import ALL
from prevent_portal.audit.context import acting_as


@shared_task(name="governance.build_board_report", ignore_result=True, acts_for=ALL)
def build_board_report(report_id: int) -> bool:
    """Build one queued report (a no-op if another worker has claimed it)."""
    with acting_as():
        return board_report_build(report_id=report_id) is not None


@shared_task(name="governance.board_reports_sweep", ignore_result=True, acts_for=ALL)
def board_reports_sweep_task() -> int:
    """Every 30 seconds: build the reports the Coordinator has asked for."""
    with acting_as():
        return board_reports_sweep()


@shared_task(name="governance.build_subject_access_export", ignore_result=True, acts_for=ALL)
def build_subject_access_export(export_id: int) -> bool:
    """Build one queued subject access export (a no-op if another worker has claimed it)."""
    with acting_as():
        return subject_access_build(export_id=export_id) is not None


@shared_task(name="governance.subject_access_sweep", ignore_result=True, acts_for=ALL)
def subject_access_sweep_task() -> int:
    """Every 30 seconds: build the subject access exports the Coordinator has asked for."""
    with acting_as():
        return subject_access_sweep()


@shared_task(name="governance.subject_access_expire", ignore_result=True, acts_for=ALL)
def subject_access_expire_task() -> int:
    """Daily: delete the subject access exports nobody downloaded in time."""
    with acting_as():
        return subject_access_exports_expire()


@shared_task(name="governance.dashboard_figures_refresh", ignore_result=True, acts_for=ALL)
def refresh_dashboard_figures() -> int:
    """Every minute: count the dashboard's period figures, area by area, and the regional
    aggregates, region by region, that are missing or out of date into the shared cache
    (reads only: no actor is needed)."""
    return dashboard_figures_refresh() + regional_figures_refresh()
