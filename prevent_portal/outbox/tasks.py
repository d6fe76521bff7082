from celery import shared_task

from prevent_portal.areas.rls import ALL
from prevent_portal.audit.context import acting_as
from prevent_portal.outbox.services import outbox_send_pending


@shared_task(name="outbox.send_pending", ignore_result=True, acts_for=ALL)
def send_pending_notifications() -> int:
    with acting_as():
        return outbox_send_pending().sent
