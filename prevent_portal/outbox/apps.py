from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "prevent_portal.outbox"
    label = "outbox"
    verbose_name = "Notifications"

    def ready(self):
        from prevent_portal.core import navigation
        from prevent_portal.outbox import checks  # noqa: F401 - registers the system checks
        from prevent_portal.outbox.navigation import YOUR_NOTIFICATIONS

        # Beside "Your account" and "Sign out" in the header, for everyone with a role.
        navigation.register(YOUR_NOTIFICATIONS)
