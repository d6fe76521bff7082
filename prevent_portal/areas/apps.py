from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "prevent_portal.areas"
    label = "areas"
    verbose_name = "Council areas"

    def ready(self):
        from auditlog.registry import auditlog

        from prevent_portal.areas.models import Area

        auditlog.register(Area)
