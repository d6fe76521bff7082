"""Governance: boards and their update schedule, the action plan, and the registers.

Read through ``visible_to(user)`` and the ``get_<noun>_for_user`` helpers only; the rules
are in ``governance.models.access``.
"""

from governance.models.boards import (
    Board,
    BoardUpdate,
    Frequency,
    ScheduleStatus,
    add_months,
    get_board_for_user,
    get_board_paper_for_user,
    get_board_update_for_user,
)
from governance.models.plan import (
    ActionItem,
    PriorityAction,
    ProgressUpdate,
    Rag,
    StrategyPeriod,
    get_action_for_user,
    get_action_item_for_user,
    get_period_for_user,
    item_actions,
)
from governance.models.registers import (
    CtlpBriefing,
    EducationSetting,
    FundedProject,
    RegisterDeletion,
    VenueReview,
    get_register_entry_for_user,
)
from governance.models.reports import (
    BoardReport,
    BoardReportNarrative,
    get_board_report_for_user,
)
from governance.models.subject_access import SubjectAccessExport, get_export_for_user

__all__ = [
    "ActionItem",
    "Board",
    "BoardReport",
    "BoardReportNarrative",
    "BoardUpdate",
    "CtlpBriefing",
    "EducationSetting",
    "Frequency",
    "FundedProject",
    "PriorityAction",
    "ProgressUpdate",
    "Rag",
    "RegisterDeletion",
    "ScheduleStatus",
    "StrategyPeriod",
    "SubjectAccessExport",
    "VenueReview",
    "add_months",
    "get_action_for_user",
    "get_action_item_for_user",
    "get_board_for_user",
    "get_board_report_for_user",
    "get_board_paper_for_user",
    "get_board_update_for_user",
    "get_export_for_user",
    "get_period_for_user",
    "get_register_entry_for_user",
    "item_actions",
]
