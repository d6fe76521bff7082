from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "prevent_portal.core"
    label = "core"
    verbose_name = "Core"
