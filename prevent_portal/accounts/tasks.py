from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

from prevent_portal.accounts.grants import expired_grants_sweep
from prevent_portal.accounts.services import users_disable_inactive
from prevent_portal.areas.rls import ALL
from prevent_portal.audit.context import acting_as


@shared_task(name="accounts.expire_grants", ignore_result=True, acts_for=ALL)
def expire_grants() -> int:
    with acting_as():
        return expired_grants_sweep()


@shared_task(name="accounts.disable_inactive", ignore_result=True, acts_for=ALL)
def disable_inactive() -> int:
    """Daily: switch off accounts unused for ACCOUNT_INACTIVITY_DISABLE_DAYS."""
    with acting_as() as system:
        return len(users_disable_inactive(today=timezone.localdate(), acting_user=system))


@shared_task(name="accounts.clear_expired_sessions", ignore_result=True, acts_for=ALL)
def clear_expired_sessions() -> int:
    """Daily: delete expired server sessions (what Django's ``clearsessions`` does), and with
    each its recorded address and browser (``selfservice.session_forgotten``); records left
    from sessions that went without the signal (before it existed) go too."""
    from prevent_portal.accounts.models import UserSession

    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    UserSession.objects.exclude(session_key__in=Session.objects.values("session_key")).delete()
    return deleted
