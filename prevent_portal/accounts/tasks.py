from celery import shared_task
from django.utils import timezone

from prevent_portal.accounts.grants import expired_grants_sweep
from prevent_portal.accounts.services import users_disable_inactive
from prevent_portal.audit.context import acting_as


@shared_task(name="accounts.expire_grants", ignore_result=True)
def expire_grants() -> int:
    with acting_as():
        return expired_grants_sweep()


@shared_task(name="accounts.disable_inactive", ignore_result=True)
def disable_inactive() -> int:
    """Daily: switch off accounts unused for ACCOUNT_INACTIVITY_DISABLE_DAYS."""
    with acting_as() as system:
        return len(users_disable_inactive(today=timezone.localdate(), acting_user=system))
