"""Celery tasks of the governance app: load by id, call a service."""

from celery import shared_task

from governance.services.reports import board_report_build, board_reports_sweep
from prevent_portal.audit.context import acting_as


@shared_task(name="governance.build_board_report", ignore_result=True)
def build_board_report(report_id: int) -> bool:
    """Build one queued report (a no-op if another worker has claimed it)."""
    with acting_as():
        return board_report_build(report_id=report_id) is not None


@shared_task(name="governance.board_reports_sweep", ignore_result=True)
def board_reports_sweep_task() -> int:
    """Every 30 seconds: build the reports the Coordinator has asked for."""
    with acting_as():
        return board_reports_sweep()
