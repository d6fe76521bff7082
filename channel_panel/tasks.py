from celery import shared_task

from channel_panel.services import pack_grants_sync
from prevent_portal.areas.rls import ALL
from prevent_portal.audit.context import acting_as


@shared_task(name="channel_panel.pack_grants_sync", ignore_result=True, acts_for=ALL)
def pack_grants_sync_task() -> int:
    """Every 15 minutes, after the expiry sweep: grant the next meeting's window where the
    last one has closed."""
    with acting_as():
        return pack_grants_sync()
