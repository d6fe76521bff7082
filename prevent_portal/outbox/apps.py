from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "prevent_portal.outbox"
    label = "outbox"
    verbose_name = "Notifications"

    def ready(self):
        from prevent_portal.outbox import checks  # noqa: F401 - registers the system checks
