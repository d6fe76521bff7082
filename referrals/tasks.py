"""Celery tasks of the referrals app: load by id (or date), call a service."""

from celery import shared_task
from django.utils import timezone

from prevent_portal.areas.rls import ALL
from prevent_portal.audit.context import acting_as
from referrals.services.information_requests import information_requests_expire
from referrals.services.retention import retention_sweep


@shared_task(name="referrals.retention_sweep", ignore_result=True, acts_for=ALL)
def retention_sweep_task() -> int:
    """Weekly: put every person past retention into the Coordinator's review queue. As the
    system account; idempotent, so a re-delivered or overlapping run queues nothing twice."""
    with acting_as() as system:
        result = retention_sweep(today=timezone.localdate(), acting_user=system)
    return result.queued + result.requeued


@shared_task(name="referrals.information_requests_expire", ignore_result=True, acts_for=ALL)
def information_requests_expire_task() -> int:
    """Daily: record as expired every open information request past its expiry. As the
    system account; idempotent."""
    with acting_as() as system:
        return information_requests_expire(today=timezone.localdate(), acting_user=system)
