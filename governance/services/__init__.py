"""Every state change of the governance app, one module per part of the job."""

from governance.services.boards import board_create, board_edit, board_update_record
from governance.services.plan import (
    action_item_create,
    action_item_edit,
    priority_action_create,
    priority_action_edit,
    progress_update_add,
    strategy_period_create,
    strategy_period_edit,
)
from governance.services.registers import (
    register_entry_create,
    register_entry_delete,
    register_entry_edit,
)
from governance.services.reports import (
    board_report_build,
    board_report_narrative_save,
    board_report_present,
    board_report_request,
    board_reports_sweep,
)
from governance.services.subject_access import (
    subject_access_build,
    subject_access_download,
    subject_access_exports_expire,
    subject_access_request,
    subject_access_sweep,
)

__all__ = [
    "action_item_create",
    "action_item_edit",
    "board_create",
    "board_edit",
    "board_report_build",
    "board_report_narrative_save",
    "board_report_present",
    "board_report_request",
    "board_reports_sweep",
    "board_update_record",
    "priority_action_create",
    "priority_action_edit",
    "progress_update_add",
    "register_entry_create",
    "register_entry_delete",
    "register_entry_edit",
    "strategy_period_create",
    "strategy_period_edit",
    "subject_access_build",
    "subject_access_download",
    "subject_access_exports_expire",
    "subject_access_request",
    "subject_access_sweep",
]
