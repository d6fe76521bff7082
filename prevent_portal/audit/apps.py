from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "prevent_portal.audit"
    label = "audit"
    verbose_name = "Audit"
