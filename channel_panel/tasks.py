from celery import shared_task

from channel_panel.services import pack_grants_sync, pack_pdf_build, pack_pdf_sweep
from prevent_portal.areas.rls import ALL
from prevent_portal.audit.context import acting_as


@shared_task(name="channel_panel.pack_grants_sync", ignore_result=True, acts_for=ALL)
def pack_grants_sync_task() -> int:
    """Every 15 minutes, after the expiry sweep: grant the next meeting's window where the
    last one has closed."""
    with acting_as():
        return pack_grants_sync()


@shared_task(name="channel_panel.build_pack_pdf", ignore_result=True, acts_for=ALL)
def build_pack_pdf(build_id: int) -> bool:
    """Build one queued panel pack PDF (a no-op if another worker has claimed it)."""
    with acting_as():
        return pack_pdf_build(build_id=build_id) is not None


@shared_task(name="channel_panel.pack_pdf_sweep", ignore_result=True, acts_for=ALL)
def pack_pdf_sweep_task() -> int:
    """Every 10 seconds: build the pack PDFs readers have asked for."""
    with acting_as():
        return pack_pdf_sweep()
