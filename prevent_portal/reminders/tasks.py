from celery import shared_task
from django.utils import timezone

from prevent_portal.areas.rls import ALL
from prevent_portal.audit.context import acting_as
from prevent_portal.reminders.services import reminders_queue_due


@shared_task(name="reminders.daily_sweep", ignore_result=True, acts_for=ALL)
def daily_reminder_sweep() -> int:
    with acting_as():
        return len(reminders_queue_due(today=timezone.localdate()))
