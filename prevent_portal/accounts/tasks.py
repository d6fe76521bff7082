from celery import shared_task

from prevent_portal.accounts.grants import expired_grants_sweep
from prevent_portal.audit.context import acting_as


@shared_task(name="accounts.expire_grants", ignore_result=True)
def expire_grants() -> int:
    with acting_as():
        return expired_grants_sweep()
