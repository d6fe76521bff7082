from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "prevent_portal.outbox"
    label = "outbox"
    verbose_name = "Notifications"
