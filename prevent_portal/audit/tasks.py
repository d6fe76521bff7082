"""Beat tasks that keep the audit chain honest (ADR 0010)."""

from celery import shared_task
from django.utils import timezone

from prevent_portal.areas.rls import ALL
from prevent_portal.audit.anchors import anchor_write, chain_check_and_alert
from prevent_portal.audit.context import acting_as


@shared_task(name="audit.anchor_head", ignore_result=True, acts_for=ALL)
def anchor_head() -> int | None:
    """Every ten minutes: the chain's signed head to the anchor file outside PostgreSQL."""
    with acting_as():
        anchor = anchor_write()
    return anchor.seq if anchor else None


@shared_task(name="audit.check_chain", ignore_result=True, acts_for=ALL)
def check_chain() -> bool:
    """Nightly: recompute the whole chain against the last anchor; alert on failure."""
    with acting_as():
        return chain_check_and_alert(today=timezone.localdate()).ok
