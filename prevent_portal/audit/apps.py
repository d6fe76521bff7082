from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "prevent_portal.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self):
        from auditlog.models import LogEntry
        from django.db.models.signals import post_migrate, pre_save

        from prevent_portal.audit import roles
        from prevent_portal.audit.masking import redact_masked_m2m

        pre_save.connect(redact_masked_m2m, sender=LogEntry, dispatch_uid="audit-mask-m2m")
        # After every migrate, as the owner: the application role's grants (ADR 0010).
        post_migrate.connect(
            roles.grant_after_migrate, sender=self, dispatch_uid="audit-app-role-grants"
        )
        self._register_navigation()

    def _register_navigation(self):
        from prevent_portal.audit.navigation import NAV_ITEMS
        from prevent_portal.core import navigation

        for item in NAV_ITEMS:
            navigation.register(item)
