from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance"

    def ready(self):
        from auditlog.registry import auditlog

        from governance import demo
        from governance.models import (
            ActionItem,
            Board,
            BoardReport,
            BoardReportNarrative,
            BoardUpdate,
            CtlpBriefing,
            EducationSetting,
            FundedProject,
            PriorityAction,
            ProgressUpdate,
            RegisterDeletion,
            StrategyPeriod,
            SubjectAccessExport,
            VenueReview,
        )
        from governance.navigation import NAV_ITEMS
        from governance.reminders import board_updates_due
        from governance.services.subject_access import subject_access_exports_erase
        from prevent_portal.core import demo as demo_registry
        from prevent_portal.core import navigation
        from prevent_portal.reminders import registry as reminders
        from referrals import retention

        # Governance records hold no case data; free text may still name people, so it is
        # masked in full (the records themselves keep it).
        auditlog.register(Board, m2m_fields={"reminder_recipients"})
        auditlog.register(BoardUpdate, mask_fields=["attachment_name"], exclude_fields=["report"])
        auditlog.register(StrategyPeriod)
        auditlog.register(PriorityAction)
        auditlog.register(ActionItem)
        auditlog.register(ProgressUpdate, mask_fields=["text"])
        auditlog.register(CtlpBriefing, mask_fields=["notes"])
        auditlog.register(VenueReview, mask_fields=["notes"])
        auditlog.register(EducationSetting, mask_fields=["address", "notes"])
        auditlog.register(FundedProject, mask_fields=["outcome"])
        # A deletion's reason may name people, as the notes may.
        auditlog.register(RegisterDeletion, mask_fields=["reason"])
        # Aggregates only; the rendered sections are large and repeat the PDF, so the log
        # records that they changed, not what they say.
        # ``narrative`` is a reverse one-to-one (BoardReportNarrative, audited on its own).
        auditlog.register(BoardReport, mask_fields=["body_html"], exclude_fields=["narrative"])
        # The Coordinator's words may name people or organisations: masked in full.
        auditlog.register(
            BoardReportNarrative, mask_fields=["introduction", "commentary", "recommendations"]
        )
        # A subject access export names the person by key only; its request, build and
        # download (who, when) are each a save of the row, so each is in the log. The
        # reference may be the council's case number, so it is masked with the file name.
        auditlog.register(SubjectAccessExport, mask_fields=["request_reference", "archive"])

        for item in NAV_ITEMS:
            navigation.register(item)
        demo_registry.register("governance", demo.seed, order=60)
        retention.register("governance", erase=subject_access_exports_erase)
        reminders.register("governance.board_updates", board_updates_due)
        # What waits for each role on the home page (prevent_portal/core/work_waiting.py).
        from prevent_portal.core import work_waiting

        work_waiting.register_all("governance.work_waiting")
