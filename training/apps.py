from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = "Training registers"

    def ready(self):
        from auditlog.registry import auditlog

        from prevent_portal.accounts.access import register_global_permissions
        from prevent_portal.accounts.models import Role
        from prevent_portal.accounts.services import register_configuration_models
        from prevent_portal.core import demo as demo_registry
        from prevent_portal.core import navigation
        from prevent_portal.reminders import registry as reminders
        from training import demo
        from training.models import (
            COORDINATOR_PERMISSIONS,
            READ_ONLY_PERMISSIONS,
            READ_ONLY_ROLES,
            ComplianceReturn,
            DepartmentCoverage,
            ReportingPeriod,
            TrainingSession,
            TrainingType,
        )
        from training.navigation import NAV_ITEMS
        from training.reminders import missing_returns_reminders

        # Figures are organisational, not personal, but every change is audited. Trainers
        # and feedback may name people: masked in full (AUDITLOG_MASK_CALLABLE redacts).
        auditlog.register(TrainingType, m2m_fields={"agencies"})
        auditlog.register(ReportingPeriod)
        auditlog.register(ComplianceReturn)
        auditlog.register(
            TrainingSession,
            mask_fields=["trainers", "feedback"],
            m2m_fields={"agencies"},
        )
        auditlog.register(DepartmentCoverage)

        register_global_permissions(Role.COORDINATOR, COORDINATOR_PERMISSIONS)
        for role in READ_ONLY_ROLES:
            register_global_permissions(role, READ_ONLY_PERMISSIONS)
        register_configuration_models("training", ["trainingtype", "reportingperiod"])
        for item in NAV_ITEMS:
            navigation.register(item)
        demo_registry.register("training", demo.seed, order=30)
        reminders.register("training.missing_returns", missing_returns_reminders)
        # What waits for each role on the home page (prevent_portal/core/work_waiting.py).
        from prevent_portal.core import work_waiting

        work_waiting.register_all("training.work_waiting")
        # Any write of what the dashboard's training figures are counted from marks them.
        from training import freshness

        freshness.connect()
