from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "prevent_portal.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        from prevent_portal.core import choice_guard

        choice_guard.install()
