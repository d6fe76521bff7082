from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "prevent_portal.reminders"
    label = "reminders"
    verbose_name = "Reminders"
